// bool values through the real CLI and kernel, printed as bpftrace v0.26 prints them: `true`/`false` in text
// (values, tuples, map keys and values) and JSON true/false. bpftrace 0.17 has no bool type: there
// `print((1 > 0, 2 < 1))` prints `(1, 0)`, `@a[1 > 0] = 2 < 1` prints `@a[1]: 0` and strcontains() prints 1;
// v0.26's behaviour is the one pinned here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

async function stdout(program: string, ...flags: string[]): Promise<string> {
  const r = await runScry(['-q', ...flags, '-e', program]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout;
}

if (requireRoot('e2e bool')) {
  test('bool literals, comparisons, && || ! and (bool) casts print true/false; a bool cast to an integer is 1/0', async () => {
    const out = await stdout(
      'BEGIN { $b = true; $c = false; print(($b, $c)); $x = 0; print((!0, !10, !$x)); ' +
        '$a = 100000; $z = 0; $g = $a > $z; $d = $a && $z; $e = $g || $d; print(($g, $d, $e, (uint64)$g)); ' +
        'print(((bool)1, (bool)0, (bool)"hello", (bool)"", (bool)(int64 *)1, (bool)(int64 *)0)); ' +
        '@n = count(); @s = sum(0); print(((bool)@n, (bool)@s)); ' +
        '$t = nsecs ? true : false; print($t); printf("%d %3d|\\n", 2 > 1, 1 > 2); exit(); }',
    );
    assert.is(
      out,
      '(true, false)\n(true, false, true)\n(true, false, true, 1)\n(true, false, true, false, true, false)\n' +
        '(true, false)\ntrue\n1   0|\n\n\n@n: 1\n@s: 0\n',
    );
  });

  test('bools as map keys, values and tuple elements, and bool arrays', async () => {
    const out = await stdout(
      'BEGIN { @a[true] = false; @t[false, 1, true] = 1; @t[true, (int32)2, false] = 2; @v = (1 > 0, "x"); @arr = (bool[2])(uint16)1; exit(); }',
    );
    assert.is(
      out,
      '\n\n@a[true]: false\n@arr: [true,false]\n@t[false, 1, true]: 1\n@t[true, 2, false]: 2\n@v: (true, x)\n',
    );
  });

  test('-f json: bools are JSON true/false, in values, keys and map values', async () => {
    const out = await stdout(
      'BEGIN { print((true, false)); print(strcontains("abc", "c")); @a[true] = false; exit(); }',
      '-f',
      'json',
    );
    assert.is(
      out,
      '{"type": "value", "data": [true,false]}\n{"type": "value", "data": true}\n{"type": "map", "data": {"@a": {"true": false}}}\n',
    );
  });

  test('strcontains, has_key and delete are bools: printed, assigned and tested', async () => {
    const out = await stdout(
      'BEGIN { print((strcontains("hello-test-world", "test"), strcontains("hello", "hello-longer"))); ' +
        '@m[1] = 1; $k = 1; print((has_key(@m, $k), has_key(@m, 2))); ' +
        '$x = delete(@m, 2); $y = delete(@m, 1); if ($x == false && $y == true) { printf("SUCCESS\\n"); } ' +
        '@s = 1; @b[1, 2] = 2; if (delete(@s)) { printf("ok1\\n"); } if (delete(@b, (1, 2))) { printf("ok2\\n"); } ' +
        'if (!delete(@b, (5, 6))) { printf("ok3\\n"); } ' +
        '@c[1, ("hello", (int8)5)] = 0; $t = (1, ("hello", 5)); print(has_key(@c, $t)); @b[7, 8] = 1; exit(); }',
    );
    assert.is(
      out,
      '(true, false)\n(true, false)\nSUCCESS\nok1\nok2\nok3\ntrue\n\n\n@b[7, 8]: 1\n@c[1, (hello, 5)]: 0\n', // @m, @s empty: nothing
    );
  });

  test("delete(@m, $kv.0) in a loop over a multi-key map deletes the entry the loop's key names", async () => {
    const out = await stdout(
      'BEGIN { @[0,0,0] = 1; @[0,0,1] = 1; @[0,1,0] = 1; @[1,0,0] = 1; for ($kv : @) { if ($kv.0.1 == 1) { delete(@, $kv.0); } } exit(); }',
    );
    assert.is(out, '\n\n@[0, 0, 0]: 1\n@[0, 0, 1]: 1\n@[1, 0, 0]: 1\n');
  });
}

test.run();
