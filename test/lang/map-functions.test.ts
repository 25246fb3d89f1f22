// Checker messages for aggregations' arguments and the whole-map functions (clear, zero, delete, has_key, print).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../helpers/pipeline.ts';

/** The first line of the rendered diagnostics (the message), or '' when the program compiles. */
function first(text: string): string {
  return diagnose(text).split('\n')[0] ?? '';
}

test('a bad aggregation argument is reported once, not once per use of its value', () => {
  const out = diagnose('BEGIN { @x = sum("a"); }');
  assert.is(out.match(/ERROR/g)?.length, 1, out);
});

test('lhist bounds must be literals with step ≥ 1, max > min, step within the range and ≤ 1000 buckets', () => {
  assert.is(
    first('BEGIN { @l = lhist(1, 0, 100, 0); }'),
    'stdin:1:14-33: ERROR: lhist() step must be >= 1 (0 provided)',
  );
  assert.is(
    first('BEGIN { @l = lhist(1, 10, 5, 1); }'),
    'stdin:1:14-32: ERROR: lhist() max must be greater than min (provided min 10 and max 5)',
  );
  assert.is(
    first('BEGIN { @l = lhist(1, 0, 10, 20); }'),
    'stdin:1:14-33: ERROR: lhist() step is too large for the given range (provided step 20 for range 10)',
  );
  assert.is(
    first('BEGIN { @l = lhist(1, 0, 100000, 1); }'),
    'stdin:1:14-36: ERROR: lhist() too many buckets, must be <= 1000 (would need 100000)',
  );
  assert.is(
    first('BEGIN { $m = 5; @l = lhist(1, 0, $m, 1); }'),
    'stdin:1:34-36: ERROR: lhist() max must be an integer literal',
  );
  assert.is(
    first('BEGIN { @l = lhist(1, -10, 10, 5); }'),
    'stdin:1:14-34: ERROR: lhist() min must be non-negative (provided min -10)',
  );
});

test('hist k is a literal from 0 to 5, and one map keeps one bucket layout', () => {
  assert.is(first('BEGIN { @h = hist(1, 6); }'), 'stdin:1:22-23: ERROR: hist() k must be between 0 and 5 (6 provided)');
  assert.is(
    first('BEGIN { @h = hist(1); @h = hist(2, 1); }'),
    'stdin:1:28-38: ERROR: @h is assigned hist(n, 1) here but holds hist() elsewhere',
  );
  assert.is(
    first('BEGIN { @h = lhist(1, 0, 10, 1); @h = lhist(1, 0, 20, 1); }'),
    'stdin:1:39-57: ERROR: @h is assigned lhist(n, 0, 20, 1) here but holds lhist(n, 0, 10, 1) elsewhere',
  );
  assert.is(first('BEGIN { @h = hist(1, 5); @h = hist(2, 5); }'), '');
});

test('clear, zero and len take a whole map', () => {
  assert.is(
    first('BEGIN { @m[1] = 1; clear(@m[1]); }'),
    'stdin:1:26-31: ERROR: clear() takes a whole map: write clear(@m), without a key',
  );
  assert.is(first('BEGIN { zero(5); }'), 'stdin:1:14-15: ERROR: zero() needs a map, e.g. zero(@m)');
  assert.is(first('BEGIN { print(@nope); }'), 'stdin:1:15-20: ERROR: undefined map: @nope');
});

test('delete and has_key: both spellings, tuple keys spread over multi-key maps, key types checked', () => {
  assert.is(
    first('BEGIN { @m[1, "a"] = 1; delete(@m, (1, "a")); delete(@m[2, "b"]); $x = has_key(@m, (1, "a")); }'),
    '',
  );
  assert.is(first('BEGIN { @s = 1; delete(@s); }'), '', 'deleting a scalar map empties it');
  assert.is(
    first('BEGIN { @m[1] = 1; delete(@m); }'),
    'stdin:1:20-30: ERROR: delete() of one entry of @m needs its key: delete(@m, key)',
  );
  assert.is(
    first('BEGIN { @m = 1; $x = has_key(@m); }'),
    'stdin:1:22-33: ERROR: has_key() needs a key: has_key(@m, key)',
  );
  assert.is(
    first('BEGIN { @m[1] = 1; delete(@m[1], 2); }'),
    'stdin:1:20-36: ERROR: delete() takes the key once: write delete(@m, key) or delete(@m[key])',
  );
  assert.is(
    first('BEGIN { @m[1] = 1; delete(@m, "a"); }'),
    "stdin:1:31-34: ERROR: Argument mismatch for @m: trying to access with arguments: 'string[2]' when map expects arguments: 'int8'",
  );
  assert.is(
    first('BEGIN { @h[1] = hist(1); $x = has_key(@h, 1); }'),
    'stdin:1:31-45: ERROR: has_key() does not work on hist() maps',
  );
});

test('has_key, delete and reads before the first assignment leave the value type to the assignments', () => {
  // bpftrace v0.26 types a map's values from its assignments alone
  assert.is(first('BEGIN { if (has_key(@m, 1)) { print(1); } @m[1] = (1, "a"); }'), '');
  assert.is(first('BEGIN { delete(@m, 1); @m[1] = "abc"; for ($kv : @m) { print($kv); } }'), '');
  assert.is(first('BEGIN { $x = @m[1]; print($x.1); @m[1] = (1, "a"); }'), '', 'the read is the tuple stored');
  assert.is(
    first('BEGIN { $x = @m[1]; $y = $x + 1; @m[1] = "a"; }'),
    'stdin:1:29-30: ERROR: operator + needs integers, got string[2] and int64',
  );
  assert.is(
    first('BEGIN { $x = has_key(@h, 1); @h[1] = hist(1); }'),
    'stdin:1:14-28: ERROR: has_key() does not work on hist() maps',
  );
  // the first assignment is the one later ones must match, and the one the note points at
  const out = diagnose('BEGIN { $x = has_key(@m, 1); @m[1] = (1, "a"); @m[2] = 5; }');
  assert.ok(
    out.startsWith('stdin:1:56-57: ERROR: @m is assigned int64 here but holds (int8, string[2]) elsewhere'),
    out,
  );
  assert.ok(out.includes('stdin:1:38-46: NOTE: @m first assigned here'), out);
});

test('print: maps take top and div, values take nothing else', () => {
  assert.is(first('BEGIN { @m[1] = 1; print(@m, 10, 2); print(@m[1]); print((1, "a")); print(1 > 2); }'), '');
  assert.is(first('BEGIN { print(1, 2); }'), 'stdin:1:9-20: ERROR: print() of a value takes one argument, got 2');
  // top and div are literals (bpftrace v0.26's arg spec: integer literal); $1 is one, a variable is not
  assert.is(first('BEGIN { @m[1] = 1; print(@m, $1, -1); }'), '');
  assert.is(
    first('BEGIN { @m[1] = 1; $n = 3; print(@m, 1, $n); }'),
    "stdin:1:41-43: ERROR: print()'s div must be an integer literal",
  );
  assert.is(
    first('BEGIN { @m = 1; print(@m, "x"); }'),
    'stdin:1:27-30: ERROR: print() top needs an integer, got string[2]',
  );
});

test.run();
