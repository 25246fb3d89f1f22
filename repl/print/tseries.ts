// tseries maps as bpftrace v0.26 prints them: one row per interval of the window every key of the map shares,
// as a text graph (time down the side, the value across) or as JSON points.
import type { MapValue } from '../../lang/index.ts';
import type { MapEntry } from '../../runtime/index.ts';

type Tseries = Extract<MapValue, { kind: 'tseries' }>;

/** One interval: when it starts (ns since the Unix epoch) and its value; a missing value is an interval never written. */
export interface TseriesRow {
  readonly start: bigint;
  readonly value?: bigint;
}

const U64 = 1n << 64n;

/**
 * The rows of each entry. The window is the map's last `intervals` intervals, ending at the latest interval
 * any key wrote (uint64 arithmetic, as bpftrace: a window that would start before interval 0 holds nothing).
 * Each key shows the window from its own first interval in it; intervals it never wrote have no value.
 */
export function seriesRows(v: Tseries, entries: readonly MapEntry[]): TseriesRow[][] {
  if (entries.length === 0) return [];
  const last = entries.reduce((m, e) => (e.value > m ? e.value : m), 0n);
  const first = (((last - BigInt(v.intervals) + 1n) % U64) + U64) % U64;
  const interval = BigInt(v.interval);
  return entries.map((e) => {
    const points = new Map((e.series ?? []).map((p) => [p.epoch, p.value] as const));
    let from = last;
    for (const p of e.series ?? []) if (p.epoch >= first && p.epoch < from) from = p.epoch;
    const rows: TseriesRow[] = [];
    for (let epoch = first; epoch <= last; epoch++) {
      if (epoch < from) continue;
      const value = points.get(epoch);
      rows.push(value === undefined ? { start: epoch * interval } : { start: epoch * interval, value });
    }
    return rows;
  });
}

const GRAPH_WIDTH = 53;
/** the minimum's column in the scale lines, before the maximum is right-aligned to the graph's end */
const SCALE_SPLIT = 21;

/** bpftrace's display units: the interval's largest unit of s, ms, μs, ns (digits after the seconds). */
function unitOf(interval: bigint): { name: string; digits: number } {
  if (interval >= 1_000_000_000n) return { name: '', digits: 0 };
  if (interval >= 1_000_000n) return { name: 'ms', digits: 3 };
  if (interval >= 1_000n) return { name: 'μs', digits: 6 };
  return { name: 'ns', digits: 9 };
}

/**
 * The graph of one series: a scale line, a time header, one line per interval with a `*` at the value (a `.`
 * marks zero when the range spans it), and the scale again. Equal minimum and maximum widen by one each way.
 * Columns are computed in single-precision floats like bpftrace's, so the `*` lands where it does there.
 */
export function formatTseries(rows: readonly TseriesRow[], signed: boolean): string {
  if (rows.length === 0) return '<no data>';
  let min = rows[0]!.value;
  let max = min;
  for (const r of rows) {
    if (r.value === undefined) continue;
    if (min === undefined || r.value < min) min = r.value;
    if (max === undefined || r.value > max) max = r.value;
  }
  // (a window with no value of this key has none: bpftrace prints `null` for its scale)
  if (min !== undefined && max !== undefined && min === max) {
    if (signed ? min > -(1n << 63n) : min > 0n) min--;
    if (max < (signed ? (1n << 63n) - 1n : U64 - 1n)) max++;
  }
  const interval = rows.length > 1 ? (rows[rows.length - 1]!.start - rows[0]!.start) / BigInt(rows.length - 1) : 0n;
  const unit = unitOf(interval);
  const timeFormat = unit.digits ? `hh:mm:ss.${unit.name}` : 'hh:mm:ss';
  const timeWidth = 8 + (unit.digits ? 1 + unit.digits : 0);
  const scale = (lead: string) =>
    lead + padEnd(show(min), SCALE_SPLIT) + padStart(show(max), GRAPH_WIDTH - SCALE_SPLIT) + '\n';

  let out = scale(' '.repeat(timeWidth + 1));
  // bpftrace pads the header by bytes: with μs it ends one column short of the rows
  out += padEnd(timeFormat, timeWidth + 1) + '|' + '_'.repeat(GRAPH_WIDTH - 2) + '|\n';
  const zero =
    min !== undefined && max !== undefined && distance(min, 0n) < 0n && distance(0n, max) < 0n
      ? Math.trunc(f32(f32(GRAPH_WIDTH * f32(distance(min, 0n))) / f32(distance(min, max))))
      : 0;
  for (const r of rows) {
    const line = [...' '.repeat(GRAPH_WIDTH)];
    line[0] = '|';
    line[GRAPH_WIDTH - 1] = '|';
    if (zero > 0) line[zero] = '.';
    out += localTime(r.start, unit.digits) + ' ';
    if (r.value === undefined || min === undefined || max === undefined) {
      out += line.join('') + ' -\n';
      continue;
    }
    let at = Math.floor(GRAPH_WIDTH / 2);
    if (min !== max)
      at = Math.trunc(f32(f32((GRAPH_WIDTH - 1) * f32(distance(min, r.value))) / f32(distance(min, max))));
    line[Math.max(0, Math.min(GRAPH_WIDTH - 1, at))] = '*';
    out += `${line.join('')} ${r.value}\n`;
  }
  out += ' '.repeat(timeWidth) + ' v' + '_'.repeat(GRAPH_WIDTH - 2) + 'v\n';
  return out + scale(' '.repeat(timeWidth) + ' ');
}

/** bpftrace's text for one tseries map: each entry's `label:` line, its graph, and a newline. */
export function formatTseriesMap(v: Tseries, entries: readonly { label: string; entry: MapEntry }[]): string {
  const rows = seriesRows(
    v,
    entries.map((e) => e.entry),
  );
  return entries.map((e, i) => `${e.label}:\n${formatTseries(rows[i]!, v.signed)}\n`).join('');
}

/** The JSON points of one series (intervals without a value left out), as bpftrace writes them. */
export function tseriesJson(rows: readonly TseriesRow[], int: (v: bigint) => string): string {
  const points = rows.filter((r) => r.value !== undefined);
  return `[${points.map((r) => `{"interval_start":"${utcTime(r.start)}","value":${int(r.value!)}}`).join(',')}]`;
}

/** a - b as bpftrace's int64 distance between two values of the graph */
function distance(a: bigint, b: bigint): bigint {
  return BigInt.asIntN(64, a - b);
}

function f32(n: number | bigint): number {
  return Math.fround(Number(n));
}

function show(v: bigint | undefined): string {
  return v === undefined ? 'null' : v.toString();
}

/** pads to `width` bytes, as C++'s setw counts */
function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - Buffer.byteLength(s)));
}

function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - Buffer.byteLength(s))) + s;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS in local time, then `digits` digits of the second's fraction. */
function localTime(ns: bigint, digits: number): string {
  const d = new Date(Number(ns / 1_000_000_000n) * 1000);
  const hms = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return digits ? `${hms}.${fraction(ns, digits)}` : hms;
}

/** YYYY-MM-DD HH:MM:SS.nnnnnnnnn in UTC, as bpftrace's JSON writes an interval's start. */
function utcTime(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000_000n) * 1000);
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  return `${date} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${fraction(ns, 9)}`;
}

function fraction(ns: bigint, digits: number): string {
  return String((ns % 1_000_000_000n) / 10n ** BigInt(9 - digits)).padStart(digits, '0');
}
