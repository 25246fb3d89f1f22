// bpftrace v0.26's literal and tuple types run for real (the checker's side is test/lang/literal-types.test.ts):
// a variable assigned a wider value holds it (scry printed 1000 as -24 when the first assignment was int8),
// a record reassigned in another field order prints in its first order with its fields evaluated as written,
// *(&$t) reads a tuple back through its address, and sizeof reports v0.26's sizes
// (v0.26.1 runtime tests record.record evaluation order, variable.variable address with tuple, builtin.sizeof).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

async function out(prog: string): Promise<string> {
  const r = await runScry(['-q', '-e', prog]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout.replace(/\n+/g, '\n');
}

if (requireRoot('e2e literal and tuple types')) {
  test('a variable promoted by a later assignment holds the wider value', async () => {
    assert.is(
      await out(
        'BEGIN { $x = (int8)1; $x = 1000; $y = 1; $y = -70000; printf("%d %d %d %d\\n", $x, sizeof($x), $y, sizeof($y)); exit(); }',
      ),
      '1000 2 -70000 4\n',
    );
  });

  test('a record keeps its first field order; the new value is evaluated in the order written', async () => {
    assert.is(
      await out(
        'BEGIN { $a = (foo = { printf("a"); 1 }, bar = { printf("b"); 2 }); $a = (bar = { printf("c"); 1 }, foo = { printf("d\\n"); 2 }); print($a); exit(); }',
      ),
      'abcd\n{ .foo = 2, .bar = 1 }\n',
    );
  });

  test('*(&$t) reads a tuple back; $c = *$p copies it into a wider tuple', async () => {
    assert.is(
      await out(
        'BEGIN { $a = (1, "hello", -2); print(*(&$a)); $p = &$a; $c = (300, "hello world", 5); $c = *$p; print($c); exit(); }',
      ),
      '(1, hello, -2)\n(1, hello, -2)\n',
    );
  });

  test('sizeof: packed by alignment as C lays out a struct; a bool is one byte', async () => {
    assert.is(
      await out(
        'BEGIN { $a = ((int8)-100, (int8)100, "abcdef", 3, (int32)1, (int64)-10, (int8)10, (int16)-555, "abc"); $x = 1; printf("%d %d %d\\n", sizeof($a), sizeof($x), sizeof(1 == 1)); exit(); }',
      ),
      '32 1 1\n',
    );
  });
}

test.run();
