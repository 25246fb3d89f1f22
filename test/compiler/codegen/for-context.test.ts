// Loop bodies compiled as callbacks reach the probe's variables through the loop's context block (r8 in the
// callback): the compiled shape, without a kernel. The e2e side is test/e2e/for-context.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../../compiler/asm/index.ts';
import { compileText } from '../../helpers/pipeline.ts';

/** The disassembly of a program's callbacks: what follows the main program's first `exit`. */
function callbackText(prog: string): string[] {
  const lines = disasm(compileText(prog).programs[0]!.bytecode);
  return lines.slice(lines.indexOf('exit') + 1);
}

/** Stores through the block pointer other than the stop flag (r8 + 0): writes to the caller's variables. */
function writesBack(lines: readonly string[]): string[] {
  return lines.filter((l) => /^\*\(u64 \*\)\(r8 \+ [1-9]\d*\) = r1$/.test(l));
}

test('a for-map body that assigns an outer variable writes it back on each way out (continue, break, exit)', () => {
  const lines = callbackText(
    'BEGIN { @m[1] = 1; $n = 0; for ($kv : @m) { $n += $kv.1; if ($n > 5) { break; } if ($n > 9) { exit(); } } print($n); exit(); }',
  );
  assert.is(writesBack(lines).length, 3);
});

test('a body that names no outer variable writes nothing back', () => {
  const none = callbackText('BEGIN { @m[1] = 1; for ($kv : @m) { @s += $kv.1; } exit(); }');
  assert.equal(writesBack(none), []);
});

test('a range with a bound from a map calls bpf_loop (181); a literal range stays an inline loop', () => {
  const calls = (prog: string) => disasm(compileText(prog).programs[0]!.bytecode).filter((l) => l === 'call 181');
  assert.is(calls('BEGIN { @a = 3; for ($i : 0..@a) { @s += $i; } exit(); }').length, 1);
  assert.is(calls('BEGIN { @m[5] = 3; for ($i : 0..@m[5]) { @s += $i; } exit(); }').length, 1);
  assert.is(calls('BEGIN { for ($i : 0..3) { @s += $i; } exit(); }').length, 0);
});

test('a run-time range callback sets $i from the block (a + index) and writes $i and assigned variables back', () => {
  const p = compileText('BEGIN { @a = 3; $t = 0; for ($i : 0..@a) { $t += $i; } print($t); exit(); }').programs[0]!;
  assert.is(p.funcInfo?.length, 2);
  const lines = callbackText(
    'BEGIN { @a = 3; $t = 0; for ($i : 0..@a) { $t += $i; if ($t > 5) { break; } } print($t); exit(); }',
  );
  assert.ok(lines.includes('r1 += r9'), lines.join('\n'));
  // $i and $t, at the end of the body and at break
  assert.is(writesBack(lines).length, 4);
});

test.run();
