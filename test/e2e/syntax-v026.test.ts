// bpftrace v0.26 syntax run for real: block expressions and records (printed `{ .a = 0, … }` as v0.26 prints
// them; JSON as objects). bpftrace 0.17 refuses all of these with syntax errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

async function out(prog: string, ...flags: string[]): Promise<string> {
  const r = await runScry(['-q', ...flags, '-e', prog]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout.replace(/\n+/g, '\n'); // the blank lines before the exit-time maps are not the point here
}

if (requireRoot('e2e v0.26 syntax')) {
  test('block expressions give their last value; their statements run first, in order', async () => {
    assert.is(
      await out(
        'BEGIN { $x = { $y = { $z = 10; $z + 5 }; $y * 2 }; printf("%d\\n", $x); _ = { printf("side\\n"); 1 }; exit(); }',
      ),
      '30\nside\n',
    );
  });

  test('variables belong to their blocks: sibling blocks hold values of different types in slots of their own', async () => {
    assert.is(
      await out(
        'BEGIN { for ($i : 0..2) { if ($i == 0) { $v = 7; printf("%d\\n", $v); } else { $v = "seven"; printf("%s\\n", $v); } } ' +
          '@m[1] = 1; for ($kv : @m) { $w = (1, "x"); printf("%s\\n", $w.1); } $kv = 5; print($kv); exit(); }',
      ),
      '7\nseven\nx\n5\n@m[1]: 1\n',
    );
    const r = await runScry(['-q', '-e', 'BEGIN { if (1) { $a = 1; } print($a); exit(); }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, 'ERROR: Undefined or undeclared variable: $a');
    assert.is(r.stdout, '');
  });

  test('records print by field in text and as JSON objects; fields read by name', async () => {
    const prog =
      'BEGIN { $v = (x = 1, y = 2); $t = (a = 0, c = "str", d = (5, 6), e = $v); printf("%d %s\\n", $t.e.y, $t.c); print($t); @r = $t; exit(); }';
    assert.is(
      await out(prog),
      '2 str\n{ .a = 0, .c = str, .d = (5, 6), .e = { .x = 1, .y = 2 } }\n@r: { .a = 0, .c = str, .d = (5, 6), .e = { .x = 1, .y = 2 } }\n',
    );
    assert.is(
      await out(prog, '-f', 'json'),
      [
        '{"type": "printf", "data": "2 str\\n"}',
        '{"type": "value", "data": {"a": 0, "c": "str", "d": [5,6], "e": {"x": 1, "y": 2}}}',
        '{"type": "map", "data": {"@r": {"a": 0, "c": "str", "d": [5,6], "e": {"x": 1, "y": 2}}}}',
      ].join('\n') + '\n',
    );
  });

  test('map declarations: an lruhash evicts the oldest entry, a hash of N keeps N entries', async () => {
    assert.is(
      await out('let @a = lruhash(2); BEGIN { @a[1] = 1; @a[2] = 2; @a[3] = 3; printf("%d\\n", len(@a)); exit(); }'),
      '2\n@a[2]: 2\n@a[3]: 3\n',
    );
    // the second key does not fit: bpftrace v0.26's warning (helper failures warn by default), the first stays
    const full = await runScry(['-q', '-e', 'let @h = hash(1); BEGIN { @h[1] = 1; @h[2] = 2; exit(); }']);
    assert.match(full.stderr, /^stdin:1:38-47: WARNING: Map full; can't update element\./);
    assert.match(full.stdout, /\n@h\[1\]: 1\n$/);
    // ++ and += insert a missing key too: on a full map they warn as `=` does (bpftrace 0.17 -k warns for each,
    // v0.26 by default), where they used to drop the update without a word
    const inc = await runScry(['-q', '-e', 'let @c = hash(1); BEGIN { @c[1]++; @c[2]++; @c[3] += 5; exit(); }']);
    assert.equal(
      inc.stderr.split('\n').filter((l) => l.includes('WARNING')),
      [
        "stdin:1:36-43: WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`",
        "stdin:1:45-55: WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`",
      ],
      inc.stderr,
    );
    assert.match(inc.stdout, /\n@c\[1\]: 1\n$/);
  });

  // bpftrace 0.17 kept @[(1, 2)] and @[1, 2] apart and printed the first as @[(1, 2)]; v0.26 makes them one
  test('tuple keys print as multi-keys and meet them; tuples compare; a tuple variable that grows prints right', async () => {
    assert.is(
      await out(
        'BEGIN { @[(1, "hello")] = 1; @[2, "hello"] = 2; $a = ("hi", 1); print($a); $a = ("hellolongstr", 2); if ($a == ("hellolongstr", 2)) { printf("eq %s\\n", $a[0]); } exit(); }',
      ),
      '(hi, 1)\neq hellolongstr\n@[1, hello]: 1\n@[2, hello]: 2\n',
    );
  });

  test('?: without a value, if/else as a value, ?: of two printf statements, tuple branches', async () => {
    assert.is(
      await out(
        'BEGIN { $x = 1; $a = $x ?: 10; $b = 0 ?: 20; print(($a, $b)); print(if ($x) { if (0) { 5 } else { 6 } } else { 7 }); $b ? printf("yes\\n") : printf("no\\n"); $t = $x ? ("hellolongstr", "a") : ("b", "c"); print($t); printf("%s %d\\n", $x == 1, $x == 2); $p = buf("hi", 2); $q = buf("bye", 3); printf("%d %d\\n", $p == buf("hi", 2), $p == $q); exit(); }',
      ),
      '(1, 20)\n6\nyes\n(hellolongstr, a)\ntrue 0\n1 0\n',
    );
  });
}

test.run();
