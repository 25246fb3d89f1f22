// tseries() as the checker sees it (bpftrace v0.26's time-series aggregation; bpftrace 0.17 has no tseries):
// what the map holds, and bpftrace v0.26's messages for bad arguments, with spans and hints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileText, diagnose } from '../helpers/pipeline.ts';

/**
 * The first line of the diagnostics, its location as line:column (whether or not the column's end is shown); the
 * unstable-feature warning every tseries program gets by default is left out (config unstable_tseries = enable)
 */
const ENABLED = 'config = { unstable_tseries = enable } ';

function first(text: string): string {
  const line = diagnose(ENABLED + text).split('\n')[0] ?? '';
  return line.replace(
    /^(stdin:\d+:)(\d+)(?:-\d+)?:/,
    (_, at: string, col: string) => `${at}${Number(col) - ENABLED.length}:`,
  );
}

test('tseries(n, interval, count[, agg]) makes a per-CPU map keyed by the script key and the interval slot', () => {
  const program = compileText(
    'BEGIN { @a[comm] = tseries(-3, 100ms, 5, "min"); @b = tseries($1, 1s, 2); }',
    undefined,
    {
      params: ['7'],
    },
  );
  const a = program.maps.find((m) => m.user?.name === '@a')!;
  assert.equal(a.user!.value, { kind: 'tseries', signed: true, interval: 100_000_000, intervals: 5, agg: 'min' });
  assert.is(a.kind, 'percpu_hash');
  assert.is(a.keySize, 16 + 8); // comm, then the u64 slot
  assert.is(a.valueSize, 24); // [value, meta, epoch]
  const b = program.maps.find((m) => m.user?.name === '@b')!;
  assert.equal(b.user!.value, { kind: 'tseries', signed: true, interval: 1e9, intervals: 2, agg: 'last' });
  assert.is(b.keySize, 8);
});

test("bad bounds and aggregations get bpftrace v0.26's words, at the argument", () => {
  assert.is(
    first('BEGIN { @a = tseries(1, 0, 3); }'),
    'stdin:1:25: ERROR: tseries() interval_ns must be >= 1 (0 provided)',
  );
  assert.is(
    first('BEGIN { @a = tseries(1, 1s, 0); }'),
    'stdin:1:29: ERROR: tseries() num_intervals must be >= 1 (0 provided)',
  );
  assert.is(
    first('BEGIN { @a = tseries(1, 1s, 1000001); }'),
    'stdin:1:29: ERROR: tseries() num_intervals must be < 1000000 (1000001 provided)',
  );
  assert.is(first('BEGIN { @a = tseries(1, 1s, 1000000); }'), ''); // bpftrace's bound lets 1000000 through
  assert.is(
    first('BEGIN { @a = tseries(1, 1s, 3, "median"); }'),
    'stdin:1:32: ERROR: tseries() expects one of the following aggregation functions: avg, max, min, sum ("median" provided)',
  );
  const lit = diagnose('BEGIN { $i = 5; @a = tseries(1, $i, 3); }');
  assert.match(lit, /^stdin:1:33(-\d+)?: ERROR: tseries\(\) interval_ns must be an integer literal\n/);
  assert.ok(lit.includes('HINT: usage: tseries(value, interval, intervals['), lit);
  assert.ok(diagnose('BEGIN { @a = tseries(1, 1s, 3, 4); }').includes('ERROR: tseries() agg must be a string literal'));
  assert.ok(diagnose('BEGIN { @a = tseries("x", 1s, 3); }').includes('ERROR: tseries() needs an integer, got string'));
  assert.ok(
    diagnose('BEGIN { @a = tseries(1, 1s); }').includes('ERROR: tseries() requires at least 3 arguments (2 provided)'),
  );
});

test('one map, one kind of series: interval, count and agg must agree (signedness merges)', () => {
  assert.is(
    first('BEGIN { @a = tseries(1, 1s, 3); @a = tseries(1, 2s, 3); }'),
    'stdin:1:38: ERROR: @a is assigned tseries(n, 2000000000, 3) here but holds tseries(n, 1000000000, 3) elsewhere',
  );
  assert.ok(first('BEGIN { @a = tseries(1, 1s, 3); @a = tseries(1, 1s, 3, "sum"); }').includes('holds tseries('));
  const p = compileText('BEGIN { @a = tseries((uint8)1, 1s, 3); @a = tseries(-1, 1s, 3); }');
  assert.is((p.maps.find((m) => m.user?.name === '@a')!.user!.value as { signed: boolean }).signed, true);
});

test('tseries is unstable as in bpftrace v0.26: a warning by default, refused with unstable_tseries = error', () => {
  assert.is(
    diagnose('BEGIN { @a = tseries(1, 1s, 3); }'),
    'WARNING: Script is using an unstable feature: tseries. To prevent this warning you must explicitly enable it in the config e.g. unstable_tseries=enable\n',
  );
  assert.match(
    diagnose('config = { unstable_tseries = error } BEGIN { @a = tseries(1, 1s, 3); }'),
    'stdin:1:52-69: ERROR: tseries feature is not enabled by default. To enable this unstable feature, set the config flag to enable. unstable_tseries=enable',
  );
});

test('a probe cannot read, count, find or delete tseries entries', () => {
  assert.ok(
    first('BEGIN { @a = tseries(1, 1s, 3); print(@a + 1); }').includes(
      '@a holds tseries(n, 1000000000, 3), which cannot be read',
    ),
  );
  for (const call of ['delete(@a, 1)', 'delete(@a[1])', 'print(has_key(@a, 1))', 'print(len(@a))']) {
    const out = diagnose(`BEGIN { @a[1] = tseries(1, 1s, 3); ${call}; }`);
    assert.ok(/ERROR: (delete|has_key|len)\(\) does not work on tseries\(\) maps/.test(out), out);
    assert.ok(out.includes('HINT: each interval of a time series is a map entry of its own'), out);
  }
  assert.is(first('BEGIN { @a[1] = tseries(1, 1s, 3); clear(@a); zero(@a); print(@a); }'), '');
});

test.run();
