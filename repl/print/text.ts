// bpftrace's text output for maps and values: v0.26's values, 0.17's blank lines (see formatMap).
import type { MapEntry, MapSnapshot, Value } from '../../runtime/index.ts';
import { textBytes } from '../../lang/byte-text.ts'; // past the facade: see scripts/check-imports.ts
import { escapeBuffer } from '../../runtime/render.ts'; // past the facade: see scripts/check-imports.ts
import { formatHistogram } from './hist.ts';
import { formatTseriesMap } from './tseries.ts';

export function formatValue(v: Value): string {
  if (typeof v === 'bigint') return intText(v);
  if (typeof v === 'boolean') return v.toString(); // true/false, as bpftrace v0.26
  if (typeof v === 'string') return v;
  if (isTuple(v)) return `(${v.map(formatValue).join(', ')})`;
  switch (v.kind) {
    case 'struct':
      return `{ ${v.fields.map((f) => `.${f.name} = ${formatValue(f.value)}`).join(', ')} }`;
    case 'array':
      return `[${v.items.map(formatValue).join(',')}]`;
    case 'none':
      return '?';
    case 'buffer':
      return escapeBuffer(v.bytes, 'r');
  }
}

/** An integer's decimal text; through a double where that is exact (2-3x faster than bigint's toString). */
export function intText(v: bigint): string {
  return v <= MAX_EXACT && v >= -MAX_EXACT ? String(Number(v)) : v.toString();
}

export function isTuple(v: Value): v is readonly Value[] {
  return Array.isArray(v);
}

/**
 * A key as it sorts: integers as signed 64-bit numbers (-1 before 0, and a u64 above 2^63 too: bpftrace v0.26
 * compares integer keys as int64; 0.17 put -1 last), strings as their bytes, anything else by its text. Made once per entry (sorting 100k entries compares each ~17 times),
 * and integers that fit a double exactly as numbers: V8 compares those without allocating, bigints it does not
 * (`<` between a number and a bigint compares their exact values).
 */
type SortKey = number | bigint | Buffer | string;

function sortKey(v: Value): SortKey {
  if (typeof v === 'bigint') return exact(BigInt.asIntN(64, v));
  if (typeof v === 'string') return textBytes(v);
  return formatValue(v);
}

function exact(v: bigint): number | bigint {
  return v <= MAX_EXACT && v >= -MAX_EXACT ? Number(v) : v;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

function compareSortKey(a: SortKey, b: SortKey): number {
  if (a instanceof Buffer) return Buffer.compare(a, b as Buffer);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Maps whose entries bpftrace orders by value (count/sum/min/max/integers and enums, avg and stats by their
 * average, histograms by total). Booleans, pointers and numbers that print as text (ksym, username, strftime…)
 * are not integers to bpftrace v0.26, which orders those maps by key.
 */
function byValue(snap: MapSnapshot): boolean {
  const v = snap.layout.value;
  if (v.kind !== 'value') return true;
  const t = v.type;
  return t.kind === 'int' && !t.space && (!t.view || t.view.kind === 'enum');
}

/** Entries in bpftrace's order: ascending by value, keys breaking ties; maps of strings and tuples by key. */
function sortedEntries(snap: MapSnapshot): MapEntry[] {
  const { entries } = snap;
  const ordered = byValue(snap);
  // sort keys once per entry, in arrays indexed by entry: no object per entry, comparisons on numbers
  const values = ordered ? entries.map((e) => exact(e.value)) : undefined;
  const width = entries[0]?.keys.length ?? 0;
  const keys = entries.map((e) => (width === 1 ? sortKey(e.keys[0]!) : e.keys.map(sortKey)));
  const order = Array.from(entries, (_, i) => i);
  order.sort((i, j) => {
    if (values && values[i] !== values[j]) return values[i]! < values[j]! ? -1 : 1;
    if (width === 1) return compareSortKey(keys[i] as SortKey, keys[j] as SortKey);
    const a = keys[i] as SortKey[];
    const b = keys[j] as SortKey[];
    for (let k = 0; k < a.length; k++) {
      const c = compareSortKey(a[k]!, b[k]!);
      if (c) return c;
    }
    return 0;
  });
  return order.map((i) => entries[i]!);
}

/** print(@m, top): the `top` largest entries (0: all), still in ascending order. */
export function topEntries(snap: MapSnapshot, top = 0): MapEntry[] {
  const all = sortedEntries(snap);
  return top > 0 && all.length > top ? all.slice(all.length - top) : all;
}

function entryLabel(name: string, keys: readonly Value[]): string {
  if (keys.length === 1) return `${name}[${formatValue(keys[0]!)}]`; // most maps: no array made per entry
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
            (e) =>
              `${entryLabel(name, e.keys)}: ${e.data !== undefined ? formatValue(e.data) : intText(divided(e.value, div))}`,
          )
          .join('\n') + '\n'
      );
  }
}
