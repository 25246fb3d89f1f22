// bpftrace's text output for maps and values: v0.26's values, 0.17's blank lines (see formatMap).
import type { MapEntry, MapSnapshot, Value } from '../../runtime/index.ts';
import { formatHistogram } from './hist.ts';
import { formatTseriesMap } from './tseries.ts';

export function formatValue(v: Value): string {
  if (typeof v === 'bigint' || typeof v === 'boolean') return v.toString(); // true/false, as bpftrace v0.26
  if (typeof v === 'string') return v;
  if (isTuple(v)) return `(${v.map(formatValue).join(', ')})`;
  switch (v.kind) {
    case 'struct':
      return `{ ${v.fields.map((f) => `.${f.name} = ${formatValue(f.value)}`).join(', ')} }`;
    case 'array':
      return `[${v.items.map(formatValue).join(',')}]`;
    case 'none':
      return '?';
  }
}

export function isTuple(v: Value): v is readonly Value[] {
  return Array.isArray(v);
}

/** Integer keys order as unsigned 64-bit numbers (so -1 sorts last) and strings by bytes, as bpftrace sorts keys. */
function compareKey(a: Value, b: Value): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const x = BigInt.asUintN(64, a);
    const y = BigInt.asUintN(64, b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  const sa = formatValue(a);
  const sb = formatValue(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareKeys(a: MapEntry, b: MapEntry): number {
  for (let i = 0; i < a.keys.length; i++) {
    const c = compareKey(a.keys[i]!, b.keys[i]!);
    if (c) return c;
  }
  return 0;
}

/** Maps whose entries bpftrace orders by value (count/sum/min/max/integers, avg and stats by their average, histograms by total). */
function byValue(snap: MapSnapshot): boolean {
  const v = snap.layout.value;
  return v.kind !== 'value' || v.type.kind === 'int' || v.type.kind === 'bool';
}

/** Entries in bpftrace's order: ascending by value, keys breaking ties; maps of strings and tuples by key. */
function sortedEntries(snap: MapSnapshot): MapEntry[] {
  const ordered = byValue(snap);
  return [...snap.entries].sort((a, b) =>
    ordered && a.value !== b.value ? (a.value < b.value ? -1 : 1) : compareKeys(a, b),
  );
}

/** print(@m, top): the `top` largest entries (0: all), still in ascending order. */
export function topEntries(snap: MapSnapshot, top = 0): MapEntry[] {
  const all = sortedEntries(snap);
  return top > 0 && all.length > top ? all.slice(all.length - top) : all;
}

function entryLabel(name: string, keys: readonly Value[]): string {
  return keys.length ? `${name}[${keys.map(formatValue).join(', ')}]` : name;
}

/** The integer shown for an entry, divided by `div` with C's truncation. */
function divided(v: bigint, div: number): bigint {
  return div > 1 ? v / BigInt(div) : v;
}

export interface PrintOptions {
  /** only the largest `top` entries (0: all) */
  readonly top?: number;
  /** divide the values shown (0 or 1: no division) */
  readonly div?: number;
}

/**
 * What bpftrace prints for one map, at exit or for print(@m): the entries joined by newlines, then a newline
 * (an empty map prints a blank line); histograms are followed by a blank line each, avg and stats maps by one
 * blank line after the whole map (bpftrace 0.17's layout: v0.26 prints neither blank line, and no tests
 * tell the two apart). stats entries are records, `{ .count = 3, .average = 2, .total = 6 }`, with top and
 * div (of the average) applied, as in bpftrace v0.26 (0.17: `count 3, average 2, total 6`, top and div
 * ignored); lhist ignores div, as in bpftrace.
 */
export function formatMap(snap: MapSnapshot, opts: PrintOptions = {}): string {
  const { name, value } = snap.layout;
  const div = opts.div ?? 0;
  switch (value.kind) {
    case 'hist':
    case 'lhist':
      return (
        topEntries(snap, opts.top)
          .map((e) => `${entryLabel(name, e.keys)}:\n${formatHistogram(value, e.buckets ?? [], div)}`)
          .join('\n') + '\n'
      );
    case 'stats':
      return (
        topEntries(snap, opts.top)
          .map(
            (e) =>
              `${entryLabel(name, e.keys)}: { .count = ${e.stats?.count ?? 0n}, .average = ${divided(e.value, div)}, .total = ${e.stats?.total ?? 0n} }`,
          )
          .join('\n') + '\n\n'
      );
    case 'avg':
      return (
        topEntries(snap, opts.top)
          .map((e) => `${entryLabel(name, e.keys)}: ${divided(e.value, div)}`)
          .join('\n') + '\n\n'
      );
    case 'tseries':
      // the series share one window, so every entry is printed (top and div do not apply, as in bpftrace)
      return formatTseriesMap(
        value,
        topEntries(snap).map((entry) => ({ label: entryLabel(name, entry.keys), entry })),
      );
    default:
      return (
        topEntries(snap, opts.top)
          .map(
            (e) => `${entryLabel(name, e.keys)}: ${e.data !== undefined ? formatValue(e.data) : divided(e.value, div)}`,
          )
          .join('\n') + '\n'
      );
  }
}
