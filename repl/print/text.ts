// bpftrace's text output for maps and values: v0.26's values, 0.17's blank lines (see formatMap).
import type { MapEntry, MapSnapshot, Value } from '../../runtime/index.ts';
import { intText, isTuple, valueText } from '../../runtime/value-text.ts'; // past the facade: see scripts/check-imports.ts
import { textBytes } from '../../lang/byte-text.ts'; // past the facade: see scripts/check-imports.ts
import { entryCount, integerColumns } from '../../runtime/maps.ts'; // past the facade: see scripts/check-imports.ts
import { formatHistogram } from './hist.ts';
import { formatTseriesMap } from './tseries.ts';

// (the value text is the runtime's, which printf's %s of a tuple or struct writes too)
export { valueText as formatValue, intText, isTuple };

/**
 * A key as it sorts: integers as signed 64-bit numbers (-1 before 0, and a u64 above 2^63 too: bpftrace v0.26
 * compares integer keys as int64; 0.17 put -1 last), strings as their bytes, anything else by its text. Made once per entry (sorting 100k entries compares each ~17 times),
 * and integers that fit a double exactly as numbers: V8 compares those without allocating, bigints it does not
 * (`<` between a number and a bigint compares their exact values).
 */
type SortKey = number | bigint | string;

function sortKey(v: Value): SortKey {
  if (typeof v === 'bigint') return exact(BigInt.asIntN(64, v));
  if (typeof v === 'string') return ASCII.test(v) ? v : textBytes(v).toString('latin1');
  return valueText(v);
}

function exact(v: bigint): number | bigint {
  return v <= MAX_EXACT && v >= -MAX_EXACT ? Number(v) : v;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** Text of code units below 0x80 only: they order as its bytes do. */
const ASCII = /^[\x00-\x7f]*$/;

function compareSortKey(a: SortKey, b: SortKey): number {
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
  const numeric = numericColumns(entries, ordered);
  if (numeric) return pick(entries, numeric.order);
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

/** A map's keys and values as numbers, each at its entry's index, and its entries' order. */
interface NumericColumns {
  readonly keys: Float64Array;
  /** the values, where the map orders by them */
  readonly values?: Float64Array;
  /** entry indices in bpftrace's order */
  readonly order: Uint32Array;
}

/**
 * The usual map in numbers: one integer key whose sort key is an exact double and, where the map orders by value,
 * values that are exact doubles too; read once in the snapshot's order (its entries lie in memory in that order:
 * walking 100k of them in sorted order costs ~80 ms of cache misses here, reading them in order ~10), then
 * sorted as numbers (orderBy) into `order`, the same order as sortedEntries' comparator. undefined for any other
 * map, which the comparator sorts.
 */
function numericColumns(entries: readonly MapEntry[], ordered: boolean): NumericColumns | undefined {
  const n = entries.length;
  if (n < 2) return undefined;
  const keys = new Float64Array(n);
  const values = ordered ? new Float64Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    if (e.keys.length !== 1 || typeof e.keys[0] !== 'bigint') return undefined;
    const k = exact(BigInt.asIntN(64, e.keys[0]));
    if (typeof k !== 'number') return undefined;
    keys[i] = k;
    if (values) {
      const v = exact(e.value);
      if (typeof v !== 'number') return undefined;
      values[i] = v;
    }
  }
  return inOrder(keys, values);
}

/** The columns with their entries' order (numericColumns); undefined where two keys are equal or numbers spread too far. */
function inOrder(keys: Float64Array, values?: Float64Array): NumericColumns | undefined {
  const n = keys.length;
  const byKey = keyRanks(keys);
  if (!byKey) return undefined;
  if (!values) return { keys, order: byKey };
  const rank = new Float64Array(n);
  for (let r = 0; r < n; r++) rank[byKey[r]!] = r;
  const order = orderBy(values, rank);
  if (!order) return undefined;
  for (let i = 0; i < n; i++) order[i] = byKey[order[i]!]!;
  return { keys, values, order };
}

function pick(entries: readonly MapEntry[], order: ArrayLike<number>): MapEntry[] {
  const out = new Array<MapEntry>(order.length);
  for (let i = 0; i < order.length; i++) out[i] = entries[order[i]!]!;
  return out;
}

/** The entry indices in ascending order of their (distinct) keys; undefined where two keys are equal. */
function keyRanks(keys: Float64Array): Uint32Array | undefined {
  const n = keys.length;
  const index = new Float64Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  const ordered = orderBy(keys, index);
  if (ordered) {
    for (let r = 1; r < n; r++) if (keys[ordered[r]!] === keys[ordered[r - 1]!]) return undefined;
    return ordered;
  }
  // keys too far apart to pack with an index: sort them alone and find each one's place
  const sorted = keys.slice().sort();
  for (let r = 1; r < n; r++) if (sorted[r] === sorted[r - 1]) return undefined;
  const byRank = new Uint32Array(n);
  for (let i = 0; i < n; i++) byRank[rankOf(sorted, keys[i]!)] = i;
  return byRank;
}

/**
 * The `ties` (distinct integers below n) in ascending order of (primary, tie): each pair packed into the one
 * double (primary - least) × n + tie and sorted as numbers. undefined when the primaries spread too far for
 * that to be exact: their spread times n must stay below 2^53 (the spread itself is exact when below 2^53).
 */
function orderBy(primary: Float64Array, ties: Float64Array): Uint32Array | undefined {
  const n = primary.length;
  let least = Infinity;
  let most = -Infinity;
  for (let i = 0; i < n; i++) {
    const p = primary[i]!;
    if (p < least) least = p;
    if (p > most) most = p;
  }
  if (most - least >= Math.floor(Number.MAX_SAFE_INTEGER / n)) return undefined;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (primary[i]! - least) * n + ties[i]!;
  packed.sort();
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = packed[i]! % n;
  return out;
}

/** The index of `x` in the ascending `sorted`, which holds it. */
function rankOf(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** print(@m, top): the `top` largest entries (0: all), still in ascending order. */
export function topEntries(snap: MapSnapshot, top = 0): MapEntry[] {
  const all = sortedEntries(snap);
  return top > 0 && all.length > top ? all.slice(all.length - top) : all;
}

function entryLabel(name: string, keys: readonly Value[]): string {
  if (keys.length === 1) return `${name}[${valueText(keys[0]!)}]`; // most maps: no array made per entry
  return keys.length ? `${name}[${keys.map(valueText).join(', ')}]` : name;
}

/** The integer shown for an entry, divided by `div` with C's truncation. */
function divided(v: bigint, div: number): bigint {
  return div > 1 ? v / BigInt(div) : v;
}

/** A value shown divided by `div`: each integer inside a tuple, struct or array too (bpftrace v0.26's format). */
export function dividedData(v: Value, div: number): Value {
  if (div <= 1 || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return divided(v, div);
  if (isTuple(v)) return v.map((x) => dividedData(x, div));
  switch (v.kind) {
    case 'struct':
      return { ...v, fields: v.fields.map((f) => ({ ...f, value: dividedData(f.value, div) })) };
    case 'array':
      return { ...v, items: v.items.map((x) => dividedData(x, div)) };
    default:
      return v;
  }
}

export interface PrintOptions {
  /** only the largest `top` entries (0: all) */
  readonly top?: number;
  /** divide the values shown (0 or 1: no division) */
  readonly div?: number;
}

/**
 * What bpftrace v0.26 prints for one map, at exit or for print(@m) (output/text.cpp TextOutput::map): the entries
 * joined by newlines, then a newline; histograms are followed by a blank line each; an empty map prints nothing
 * (bpftrace 0.17 printed a blank line for it, and one after a whole avg or stats map). stats entries are records,
 * `{ .count = 3, .average = 2, .total = 6 }`, with top and div (of the average) applied, as in bpftrace v0.26
 * (0.17: `count 3, average 2, total 6`, top and div ignored); lhist ignores div, as in bpftrace.
 */
export function formatMap(snap: MapSnapshot, opts: PrintOptions = {}): string {
  const { name, value } = snap.layout;
  const div = opts.div ?? 0;
  if (entryCount(snap) === 0) return '';
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
          .join('\n') + '\n'
      );
    case 'avg':
      return (
        topEntries(snap, opts.top)
          .map((e) => `${entryLabel(name, e.keys)}: ${divided(e.value, div)}`)
          .join('\n') + '\n'
      );
    case 'tseries':
      // the series share one window, so every entry is printed (top and div do not apply, as in bpftrace)
      return formatTseriesMap(
        value,
        topEntries(snap).map((entry) => ({ label: entryLabel(name, entry.keys), entry })),
      );
    default:
      return (
        integerText(snap, opts) ??
        topEntries(snap, opts.top)
          .map(
            (e) =>
              `${entryLabel(name, e.keys)}: ${e.data !== undefined ? valueText(dividedData(e.data, div)) : intText(divided(e.value, div))}`,
          )
          .join('\n') + '\n'
      );
  }
}

/** formatMap's lines for the usual map (integerEntries); undefined for any other. */
function integerText(snap: MapSnapshot, opts: PrintOptions): string | undefined {
  const { name } = snap.layout;
  const text = integerEntries(snap, opts, { open: `${name}[`, close: ']: ', between: '\n' });
  return text === undefined ? undefined : text + '\n';
}

/** How integerEntries writes each entry: `${open}${key}${close}${value}`, entries joined by `between`. */
export interface EntryForm {
  readonly open: string;
  readonly close: string;
  readonly between: string;
}

/**
 * The entries of the usual map (numericColumns: one integer key, integer values), in order, written as bytes
 * from its columns: the same text as a template string per entry, without a string per part and entry or a
 * visit to each entry in sorted order (100k lines of `@m[k]: v` ~10 ms instead of ~100). undefined for any
 * other map (or a form that is not printable ASCII).
 */
export function integerEntries(snap: MapSnapshot, opts: PrintOptions, form: EntryForm): string | undefined {
  if (!byValue(snap) || !/^[\x20-\x7e\n]*$/.test(form.open + form.close + form.between)) return undefined;
  const pairs = sortedPairs(snap);
  if (!pairs) return undefined;
  const { keys, values } = pairs;
  const div = opts.div ?? 0;
  const top = opts.top ?? 0;
  const from = top > 0 && keys.length > top ? keys.length - top : 0;
  const [open, close, between] = [form.open, form.close, form.between].map((t) => Buffer.from(t, 'latin1'));
  const each = open!.length + close!.length + between!.length + 34; // ≤ 16 digits and a sign per number
  const out = Buffer.allocUnsafe((keys.length - from) * each);
  let at = 0;
  for (let r = from; r < keys.length; r++) {
    if (r > from) at += between!.copy(out, at);
    at += open!.copy(out, at);
    at = putDigits(out, at, keys[r]!);
    at += close!.copy(out, at);
    at = putDigits(out, at, div > 1 ? Number(divided(BigInt(values[r]!), div)) : values[r]!);
  }
  return out.toString('latin1', 0, at);
}

/** The usual map's keys and values, each in bpftrace's order (ascending by value, then by key). */
interface SortedPairs {
  readonly keys: Float64Array;
  readonly values: Float64Array;
}

/**
 * SortedPairs from the snapshot's own columns where snapshotMap read it so (packedPairs, else sorted as
 * numericColumns sorts), else from its entries. undefined for any other map.
 */
function sortedPairs(snap: MapSnapshot): SortedPairs | undefined {
  const read = integerColumns(snap);
  if (read && read.keys.length < 2) return undefined;
  // keys and values that are exact doubles: a key sorts and prints as that number
  const packed = read && packedPairs(read.keys, read.values);
  if (packed) return packed;
  const columns = read ? inOrder(read.keys, read.values) : entryNumbers(snap.entries);
  if (!columns) return undefined;
  const { order } = columns;
  const keys = new Float64Array(order.length);
  const values = new Float64Array(order.length);
  for (let r = 0; r < order.length; r++) {
    keys[r] = columns.keys[order[r]!]!;
    values[r] = columns.values![order[r]!]!;
  }
  return { keys, values };
}

/** numericColumns of entries that print as their numbers (no enum names, no u64 keys that sort as negative). */
function entryNumbers(entries: readonly MapEntry[]): NumericColumns | undefined {
  for (const e of entries) if (e.data !== undefined) return undefined; // an enum's name, say
  const columns = numericColumns(entries, true);
  // a u64 key of 2^63 or more sorts as its negative int64 and prints as itself
  if (columns?.keys.some((k, i) => k < 0 && (entries[i]!.keys[0] as bigint) > 0n)) return undefined;
  return columns;
}

/**
 * One sort for the lot: each (value, key) packed into the one double (value - least) × keySpan + (key - least
 * key), sorted as numbers and taken apart again, when every packed number is exact (below 2^53). Ties in value
 * order by key, as in bpftrace; no index per entry and no second sort for the keys' ranks.
 */
function packedPairs(keys: Float64Array, values: Float64Array): SortedPairs | undefined {
  const n = keys.length;
  let keyLeast = Infinity;
  let keyMost = -Infinity;
  let least = Infinity;
  let most = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const v = values[i]!;
    if (k < keyLeast) keyLeast = k;
    if (k > keyMost) keyMost = k;
    if (v < least) least = v;
    if (v > most) most = v;
  }
  const keySpan = keyMost - keyLeast + 1;
  // a product of exact integers that is at most 2^53 - 1 is exact, and so are both spans
  if ((most - least + 1) * keySpan > Number.MAX_SAFE_INTEGER) return undefined;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (values[i]! - least) * keySpan + (keys[i]! - keyLeast);
  packed.sort();
  const outKeys = new Float64Array(n);
  const outValues = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const p = packed[r]!;
    const k = p % keySpan; // exact, and so is the division of the multiple left
    outKeys[r] = k + keyLeast;
    outValues[r] = (p - k) / keySpan + least;
  }
  return { keys: outKeys, values: outValues };
}

/** Writes the decimal digits of the integer x (|x| < 2^53) at `at`; returns where they end. */
function putDigits(out: Buffer, at: number, x: number): number {
  if (x < 0) {
    out[at++] = 0x2d; // -
    x = -x;
  }
  let end = at + 1;
  for (let p = 10; p <= x; p *= 10) end++;
  for (let i = end; i > at; x = Math.floor(x / 10)) out[--i] = 0x30 + (x % 10);
  return end;
}
