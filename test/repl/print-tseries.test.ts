// tseries maps printed as bpftrace v0.26 prints them (bpftrace 0.17 has no tseries): the text graph (scale, a
// time header in the interval's unit, a row per interval with `*` at the value and `.` at zero, `-` for an
// interval never written) and the -f json points. Times print in local time, so this file runs in UTC.
process.env.TZ = 'UTC';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MapValue, Type } from '../../lang/types.ts';
import { jsonMap } from '../../repl/print/json.ts';
import { formatMap } from '../../repl/print/text.ts';
import { formatTseries, seriesRows } from '../../repl/print/tseries.ts';
import { buildPanel } from '../../repl/view/model.ts';
import type { MapEntry, MapSnapshot } from '../../runtime/maps.ts';

type Tseries = Extract<MapValue, { kind: 'tseries' }>;
const str: Type = { kind: 'string', size: 8 };

function tseries(interval: number, intervals: number, signed = false): Tseries {
  return { kind: 'tseries', signed, interval, intervals, agg: 'last' };
}

function snap(value: Tseries, keys: Type[], entries: MapEntry[]): MapSnapshot {
  return { layout: { name: '@s', keys: keys.map((type, i) => ({ type, offset: i * 8 })), value }, entries };
}

/** an entry as runtime/maps.ts makes it: its points by epoch, `value` the latest epoch */
function entry(keys: MapEntry['keys'], points: Record<number, bigint>): MapEntry {
  const series = Object.entries(points).map(([e, value]) => ({ epoch: BigInt(e), value }));
  return { keys, value: series.reduce((m, p) => (p.epoch > m ? p.epoch : m), 0n), series };
}

const bar = '_'.repeat(51);

test('a series in seconds: the scale, hh:mm:ss, and * placed by value between min and max', () => {
  const out = formatMap(snap(tseries(1e9, 3), [], [entry([], { 10: 4n, 11: 7n, 12: 1n })]));
  assert.is(
    out,
    [
      '@s:',
      `${' '.repeat(9)}${'1'.padEnd(21)}${'7'.padStart(32)}`,
      `hh:mm:ss |${bar}|`,
      `00:00:10 |${' '.repeat(25)}*${' '.repeat(25)}| 4`,
      `00:00:11 |${' '.repeat(51)}* 7`,
      `00:00:12 *${' '.repeat(51)}| 1`,
      `         v${bar}v`,
      `${' '.repeat(9)}${'1'.padEnd(21)}${'7'.padStart(32)}`,
      '',
      '',
    ].join('\n'),
  );
});

test('one value all along widens the scale by one each way; an unsigned 0 cannot go below 0', () => {
  const rows = seriesRows(tseries(1e8, 2), [entry([], { 5: 0n, 6: 0n })])[0]!;
  const text = formatTseries(rows, false);
  assert.ok(text.startsWith(`${' '.repeat(13)}${'0'.padEnd(21)}${'1'.padStart(32)}\nhh:mm:ss.ms  |`), text);
  assert.ok(text.includes(`00:00:00.500 *${' '.repeat(51)}| 0`), text);
  // signed: -1 … 1, the value in the middle column
  const signed = formatTseries(rows, true);
  assert.ok(signed.startsWith(`${' '.repeat(13)}${'-1'.padEnd(21)}${'1'.padStart(32)}\n`), signed);
  assert.ok(signed.includes(`00:00:00.600 |${' '.repeat(25)}*${' '.repeat(25)}| 0`), signed);
});

test('keys share the window ending at the latest interval; each starts at its own first interval in it', () => {
  const s = snap(tseries(250_000, 4, true), [str], [entry(['b'], { 6: -2n, 8: 3n }), entry(['a'], { 2: 5n, 7: 5n })]);
  const out = formatMap(s);
  // least recently updated key first; 'a' shows 7 and 8 (8 never written), 'b' 5..8 from its first, 6
  const a = out.slice(0, out.indexOf('@s[b]'));
  const b = out.slice(out.indexOf('@s[b]'));
  assert.ok(a.startsWith('@s[a]:\n'), out);
  assert.ok(a.includes(`00:00:00.001750 |${' '.repeat(25)}*${' '.repeat(25)}| 5\n`), a);
  assert.ok(a.includes(`00:00:00.002000 |${' '.repeat(51)}| -\n`), a);
  assert.not.ok(a.includes('00:00:00.000500'), a); // interval 2 is outside the window
  // the range spans zero: '.' at 53 * 2 / 5 (single-precision, truncated), like bpftrace
  assert.ok(b.includes(`00:00:00.001500 *${' '.repeat(20)}.${' '.repeat(30)}| -2\n`), b);
  assert.ok(b.includes(`00:00:00.001750 |${' '.repeat(20)}.${' '.repeat(30)}| -\n`), b);
  assert.ok(b.includes(`00:00:00.002000 |${' '.repeat(20)}.${' '.repeat(30)}* 3\n`), b);
  // bpftrace pads the μs header by bytes (μ is two), so it is one column short of the rows
  assert.ok(b.includes(`\nhh:mm:ss.μs    |${bar}|\n`), b);
});

test('a key with no value in the window prints a null scale and a `-`; an empty window prints <no data>', () => {
  const rows = seriesRows(tseries(1e6, 2), [entry(['old'], { 3: 1n }), entry(['new'], { 9: 2n })]);
  assert.is(rows[0]!.length, 1);
  assert.is(rows[0]![0]!.value, undefined);
  const text = formatTseries(rows[0]!, false);
  assert.ok(text.startsWith(`${' '.repeat(19)}${'null'.padEnd(21)}${'null'.padStart(32)}\n`), text);
  assert.ok(text.includes(`00:00:00.009000000 |${' '.repeat(51)}| -\n`), text);
  // zero(@s) leaves every slot at interval 0: the window (0 - 5 + 1, as uint64) holds nothing
  const zeroed = snap(tseries(1e6, 5), [], [entry([], { 0: 0n })]);
  assert.is(formatMap(zeroed), '@s:\n<no data>\n');
  assert.is(jsonMap(zeroed), '{"type": "tseries", "data": {"@s": []}}\n');
});

test('interval 0 is a point too once the window reaches back to it (a slot written at time 0 is "never used")', () => {
  const rows = seriesRows(tseries(1e8, 10), [entry(['x'], { 0: 0n, 1: 5n }), entry(['y'], { 9: 4n })]);
  assert.equal(
    rows[0]!.map((r) => r.value),
    [0n, 5n, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
  );
  assert.equal(
    rows[1]!.map((r) => [r.start, r.value]),
    [[900_000_000n, 4n]],
  );
});

test('-f json: the points with a value, interval starts in UTC with nanoseconds, keyed by map key', () => {
  const s = snap(tseries(250_000, 4, true), [str], [entry(['b'], { 6: -2n, 8: 3n }), entry(['a'], { 2: 5n })]);
  assert.is(
    jsonMap(s),
    '{"type": "tseries", "data": {"@s": {"a": [], "b": [' +
      '{"interval_start":"1970-01-01 00:00:00.001500000","value":-2},' +
      '{"interval_start":"1970-01-01 00:00:00.002000000","value":3}]}}}\n',
  );
  const scalar = snap(tseries(1e9, 2), [], [entry([], { 1_700_000_000: 2n ** 60n + 1n })]);
  assert.is(
    jsonMap(scalar),
    '{"type": "tseries", "data": {"@s": [{"interval_start":"2023-11-14 22:13:20.000000000","value":"1152921504606846977"}]}}\n',
  );
  assert.is(jsonMap(snap(tseries(1e9, 2), [], [])), '');
});

test("the live view shows a tseries map as a table of each key's latest value, most recently updated first", () => {
  const s = snap(tseries(1e9, 3, true), [str], [entry(['old'], { 3: 1n }), entry(['new'], { 8: -4n, 9: 6n })]);
  const panel = buildPanel(s, 10);
  assert.is(panel.kind, 'table');
  assert.is(panel.what, 'tseries');
  assert.equal(panel.kind === 'table' ? panel.rows.map((r) => [r.key, r.value]) : [], [
    ['new', '6'],
    ['old', '1'],
  ]);
});

test.run();
