// bpftrace v0.26's warning for / and % with a signed operand: when it fires (the operands' types differ once a
// literal took the other side's sign, and one is signed) and where (the whole operation).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../helpers/pipeline.ts';

const WARN = (op: string): string =>
  `WARNING: signed operands for '${op}' can lead to undefined behavior (cast to unsigned to silence warning)`;

/** The located message lines of the diagnostics (no source lines or underlines). */
function messages(text: string): string[] {
  return diagnose(text)
    .split('\n')
    .filter((l) => l.startsWith('stdin:'));
}

test('a signed operand of another type warns, at the whole operation', () => {
  assert.equal(messages('BEGIN { $a = (uint64)5; $b = (int64)3; print($a % $b); }'), [`stdin:1:46-53: ${WARN('%')}`]);
  const out = diagnose('BEGIN { $a = (uint64)5; $b = (int64)3; print($a % $b); }');
  assert.ok(
    out.endsWith('BEGIN { $a = (uint64)5; $b = (int64)3; print($a % $b); }\n' + ' '.repeat(45) + '~~~~~~~\n'),
    out,
  );
  // v0.26's own cases: a negative literal is signed
  assert.equal(messages('BEGIN { @x = (uint64)1; @y = -1 / @x; @z = @x % -1; }'), [
    `stdin:1:30-37: ${WARN('/')}`,
    `stdin:1:44-51: ${WARN('%')}`,
  ]);
});

test('unsigned operands, one type on both sides, and literals alone do not warn', () => {
  assert.equal(messages('BEGIN { @x = (uint64)1; @y = @x / (uint64)1; @z = -(@x % (uint64)1); }'), []);
  assert.equal(messages('BEGIN { $a = (uint64)10 / 2; $b = (uint64)10 % 2; $c = pid % 2; }'), []);
  assert.equal(messages('BEGIN { $a = (int64)7; $b = $a / (int64)2; $c = 10 / 300; $d = -7 % 2; }'), []);
  // a literal-only variable or map keeps the literal's flexible sign
  assert.equal(messages('BEGIN { $n = 10; @m = 10; $a = (uint64)pid / $n; $b = (uint64)pid % @m; }'), []);
  // count() reads are unsigned
  assert.equal(messages('BEGIN { @c = count(); $a = @c / 2; }'), []);
});

test("a literal takes the signed side's sign but not its width: (int64)x / 2 warns", () => {
  assert.equal(messages('BEGIN { $a = (int64)7; $c = $a / 2; }'), [`stdin:1:29-35: ${WARN('/')}`]);
  // `-` of two unsigned values is an int64 in v0.26, so the usual latency division warns
  assert.equal(messages('BEGIN { @s = nsecs; $d = (nsecs - @s) / 1000; }'), [`stdin:1:27-45: ${WARN('/')}`]);
  assert.equal(messages('BEGIN { @s = nsecs; $d = (uint64)(nsecs - @s) / 1000; }'), [], 'the cast silences it');
});

test('variables are typed by all their assignments: a counter bumped with ++ is an int64', () => {
  assert.equal(messages('BEGIN { $i = 0; if ($i % 2 == 0) { print(1); } $i++; }'), [`stdin:1:21-27: ${WARN('%')}`]);
  assert.equal(messages('BEGIN { $l = nsecs - (uint64)1; $m = $l / 1000; }'), [`stdin:1:38-47: ${WARN('/')}`]);
  assert.equal(
    messages('BEGIN { $i = 0; if ($i % 2 == 0) { print(1); } }'),
    [],
    'a literal alone keeps its flexible sign',
  );
});

test('compound /= and %= warn from their operator, typed as the operation they stand for', () => {
  assert.equal(messages('BEGIN { $x = 10; $x /= 6; @e = 100; @e %= 7; }'), [
    `stdin:1:21-25: ${WARN('/')}`,
    `stdin:1:40-44: ${WARN('%')}`,
  ]);
  assert.equal(messages('BEGIN { $d = 5; $d %= (uint32)2; }'), []);
});

test('aggregations read as their own kind: sum() / (int64) warns', () => {
  assert.equal(messages('BEGIN { @t = sum(-1); $h = @t / (int64)2; }'), [`stdin:1:28-41: ${WARN('/')}`]);
});

test('long chains are typed in a loop', () => {
  const terms = Array.from({ length: 10000 }, () => '$y').join(' + ');
  assert.equal(messages(`BEGIN { $y = (uint64)1; $x = (${terms}) / 3; print($x); }`), []);
  const literals = Array.from({ length: 10000 }, () => '1').join(' + ');
  assert.equal(messages(`BEGIN { $x = (uint64)pid / (${literals}); print($x); }`), []);
});

test.run();
