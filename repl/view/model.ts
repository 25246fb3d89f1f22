// What a live-view panel shows of one map: plain data, built off the render path (in the snapshot worker
// when there is one) and bounded: a table keeps only its top rows, a histogram only the keys and buckets
// that can be seen, so a map with 100k keys costs the renderer no more than one with ten.
import type { MapEntry, MapSnapshot, Value } from '../../runtime/index.ts';
import { bucketLabel, shownBuckets } from '../print/hist.ts';
import { formatValue } from '../print/text.ts';
import { entryCount, integerColumns } from '../../runtime/maps.ts'; // past the facade: see scripts/check-imports.ts

export interface HistModel {
  /** the entry's keys as printed (`comm, pid`), '' for a map without keys */
  readonly key: string;
  readonly total: bigint;
  /**
   * The non-empty range of buckets, consecutive, or the busiest `HIST_RANGE` of them when the range is
   * longer: the view picks its window from these (see layout.ts), and can scroll over them.
   */
  readonly buckets: readonly { readonly label: string; readonly count: bigint }[];
  /** the bucket index of `buckets[0]`, so a window can be remembered across frames as the range grows */
  readonly first: number;
  /** buckets of the non-empty range left out of `buckets`, before and after them */
  readonly hiddenBefore: number;
  readonly hiddenAfter: number;
}

/** Most buckets a histogram model carries: enough to scroll over any log2 hist and any sensible lhist. */
const HIST_RANGE = 256;

export interface TableRow {
  readonly key: string;
  readonly value: string;
  /** the number the bar is drawn from (0 for strings and tuples) */
  readonly n: bigint;
}

export interface StatsRow {
  readonly key: string;
  readonly count: bigint;
  readonly average: bigint;
  readonly total: bigint;
}

interface Base {
  /** `@name` */
  readonly name: string;
  /** what the map holds: count, sum, hist, stats, … */
  readonly what: string;
  /** entries in the map (histograms: keys) */
  readonly entries: number;
}

export type PanelModel =
  | (Base & { readonly kind: 'hist'; readonly hists: readonly HistModel[] })
  | (Base & { readonly kind: 'table'; readonly rows: readonly TableRow[]; readonly bars: boolean })
  | (Base & { readonly kind: 'stats'; readonly rows: readonly StatsRow[] });

/** The keys of an entry on one line (stack keys span lines: their frames are joined). */
function keyText(keys: readonly Value[]): string {
  return keys
    .map((k) =>
      formatValue(k)
        .trim()
        .replace(/\s*\n\s*/g, ' ← '),
    )
    .join(', ');
}

/**
 * The `n` entries that sort last under `cmp` (the largest), largest first, without sorting all of them:
 * a bounded insertion keeps the cost near one pass over the entries.
 */
export function topN<T>(items: readonly T[], n: number, cmp: (a: T, b: T) => number): T[] {
  return topIndices(items.length, n, (i, j) => cmp(items[i]!, items[j]!)).map((i) => items[i]!);
}

/** topN over the indices 0..count-1, compared by `cmp` of two indices: the `n` largest, largest first. */
function topIndices(count: number, n: number, cmp: (i: number, j: number) => number): number[] {
  if (n <= 0) return [];
  const best: number[] = []; // ascending
  for (let i = 0; i < count; i++) {
    if (best.length === n && cmp(i, best[0]!) <= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(best[mid]!, i) < 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, i);
    if (best.length > n) best.shift();
  }
  return best.reverse();
}

const byValue = (a: MapEntry, b: MapEntry) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/**
 * The `limit` consecutive buckets holding the most, within one histogram's non-empty range (all of the
 * range when it fits), and how many buckets of the range are left out before and after them.
 */
export function histWindow(
  counts: readonly bigint[],
  limit: number,
): { from: number; to: number; before: number; after: number } {
  const shown = shownBuckets(counts);
  if (shown.length === 0) return { from: 0, to: -1, before: 0, after: 0 };
  const first = shown[0]!;
  const last = shown[shown.length - 1]!;
  const from = first + busiestRun(counts.slice(first, last + 1), limit);
  const to = Math.min(last, from + limit - 1);
  return { from, to, before: from - first, after: last - to };
}

/** Where the `size` consecutive counts with the largest sum start (the first such run on a tie; 0 when all fit). */
export function busiestRun(counts: readonly bigint[], size: number): number {
  if (counts.length <= size || size <= 0) return 0;
  let sum = 0n;
  for (let i = 0; i < size; i++) sum += counts[i]!;
  let best = sum;
  let from = 0;
  for (let i = size; i < counts.length; i++) {
    sum += counts[i]! - counts[i - size]!;
    if (sum > best) {
      best = sum;
      from = i - size + 1;
    }
  }
  return from;
}

/**
 * A panel for one map snapshot; `limit` bounds its rows (keys for tables and stats, keys of a keyed
 * histogram in fours); a histogram keeps its whole non-empty range up to `HIST_RANGE` buckets.
 */
export function buildPanel(snap: MapSnapshot, limit: number): PanelModel {
  const { name, value } = snap.layout;
  const entries = entryCount(snap);
  switch (value.kind) {
    case 'hist':
    case 'lhist': {
      // a keyed histogram shows its busiest keys, each with at least a few buckets
      const keys = snap.layout.keys.length === 0 ? 1 : Math.max(1, Math.floor(limit / 4));
      const hists = topN(snap.entries, keys, byValue).map((e): HistModel => {
        const counts = e.buckets ?? [];
        const w = histWindow(counts, Math.max(limit, HIST_RANGE));
        const buckets = [];
        for (let i = w.from; i <= w.to; i++) buckets.push({ label: bucketLabel(value, i), count: counts[i]! });
        return {
          key: keyText(e.keys),
          total: e.value,
          buckets,
          first: w.from,
          hiddenBefore: w.before,
          hiddenAfter: w.after,
        };
      });
      return { kind: 'hist', name, what: value.kind, entries, hists };
    }
    case 'stats':
      return {
        kind: 'stats',
        name,
        what: 'stats',
        entries,
        rows: topN(snap.entries, limit, byValue).map((e) => ({
          key: keyText(e.keys),
          count: e.stats?.count ?? 0n,
          average: e.value,
          total: e.stats?.total ?? 0n,
        })),
      };
    case 'tseries':
      // each key's latest interval, the most recently updated keys first
      return {
        kind: 'table',
        name,
        what: 'tseries',
        entries,
        bars: false,
        rows: topN(snap.entries, limit, byValue).map((e) => {
          const last = e.series?.[e.series.length - 1];
          return { key: keyText(e.keys), value: last ? last.value.toString() : '-', n: last?.value ?? 0n };
        }),
      };
    case 'value': {
      const numeric = value.type.kind === 'int' || value.type.kind === 'bool';
      const read = numeric ? largestRead(snap, limit) : undefined;
      if (read) return { kind: 'table', name, what: 'value', entries, bars: true, rows: read };
      const rows = numeric
        ? topN(snap.entries, limit, byValue)
        : topN(snap.entries, limit, (a, b) => -compareText(keyText(a.keys), keyText(b.keys))); // by key, first ones first
      return {
        kind: 'table',
        name,
        what: 'value',
        entries,
        bars: numeric,
        rows: rows.map((e) => ({
          key: keyText(e.keys),
          value: e.data !== undefined ? formatValue(e.data) : e.value.toString(),
          n: numeric ? e.value : 0n,
        })),
      };
    }
    default:
      // count sum min max avg: numbers, largest first
      return {
        kind: 'table',
        name,
        what: value.kind,
        entries,
        bars: true,
        rows:
          largestRead(snap, limit) ??
          topN(snap.entries, limit, byValue).map((e) => ({
            key: keyText(e.keys),
            value: e.value.toString(),
            n: e.value,
          })),
      };
  }
}

/**
 * The rows of the `limit` largest entries of a map read as numbers (runtime/maps.ts IntegerColumns), chosen from
 * its columns as topN chooses them from its entries, without making the entries; undefined for any other map.
 */
function largestRead(snap: MapSnapshot, limit: number): { key: string; value: string; n: bigint }[] | undefined {
  const columns = integerColumns(snap);
  if (!columns) return undefined;
  const { keys, values } = columns;
  // the sign of the difference of two exact doubles is their order
  return topIndices(values.length, limit, (i, j) => values[i]! - values[j]!).map((i) => ({
    key: String(keys[i]),
    value: String(values[i]),
    n: BigInt(values[i]!),
  }));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows a panel would fill if it had room (its title line not counted). */
export function panelContentRows(p: PanelModel): number {
  switch (p.kind) {
    case 'hist': {
      if (p.hists.length === 0) return 1;
      const keyed = p.hists.length > 1 || p.hists[0]!.key !== '';
      return p.hists.reduce((n, h) => n + Math.max(1, h.buckets.length) + (keyed ? 1 : 0), 0);
    }
    case 'table':
    case 'stats':
      return Math.max(1, p.rows.length);
  }
}

/**
 * Body rows for each panel, given `avail` lines in all and one title line per panel: every panel gets a
 * fair share of what it can use, the selected one gets what is left over first. Panels that do not fit
 * even as a title and a row are left out (0 and `shown` false), keeping the selected one in view.
 */
export function allocateRows(
  content: readonly number[],
  avail: number,
  selected: number,
): { rows: number[]; shown: boolean[] } {
  const n = content.length;
  const shown = new Array<boolean>(n).fill(false);
  const rows = new Array<number>(n).fill(0);
  const fit = Math.max(1, Math.floor(avail / 2));
  // a window of panels around the selected one when they cannot all fit
  let from = 0;
  if (n > fit) from = Math.min(Math.max(0, selected - Math.floor(fit / 2)), n - fit);
  const visible: number[] = [];
  for (let i = from; i < Math.min(n, from + fit); i++) visible.push(i);
  for (const i of visible) shown[i] = true;
  let budget = avail - visible.length;
  const fair = Math.floor(budget / Math.max(1, visible.length));
  for (const i of visible) {
    rows[i] = Math.min(content[i]!, fair);
    budget -= rows[i]!;
  }
  const order = [selected, ...visible.filter((i) => i !== selected)];
  for (const i of order) {
    if (!shown[i] || budget <= 0) continue;
    const more = Math.min(budget, content[i]! - rows[i]!);
    rows[i]! += more;
    budget -= more;
  }
  return { rows, shown };
}

/** 1234567 → 1.2M; below 10k as is. */
export function compact(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  const units = ['k', 'M', 'G', 'T'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)}${units[u]}`;
}

/** Seconds as h:mm:ss or m:ss. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
