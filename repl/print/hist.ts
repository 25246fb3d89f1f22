// Histograms as bpftrace draws them: bucket labels, bucket ranges (for JSON), and the rows with their bars.
// Shared by the text printer and the live view. Bucket indexes are the ones the BPF code computes
// (compiler/codegen/map-functions.ts): 0 below the range, then upwards.
import type { MapValue } from '../../lang/index.ts';

export type HistKind = Extract<MapValue, { kind: 'hist' | 'lhist' }>;

/** The bar of the fullest bucket. */
const BAR_WIDTH = 52;

const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/**
 * The smallest value of log2 bucket `index + 1`, as bpftrace's hist_index_label writes it: each power of
 * two 2^p (p ≥ k) splits into 2^k buckets starting at 2^(p-k) * (2^k + i), shown with K/M/G/T/P/E per
 * power of 1024 of the 2^(p-k) factor.
 */
function log2Bound(index: number, k: number): string {
  const n = 2 ** k;
  let power = Math.floor(index / n) - 1;
  const decade = Math.floor(power / 10);
  power -= 10 * decade;
  return `${2n ** BigInt(power) * BigInt(n + (index % n))}${SUFFIXES[decade] ?? '?'}`;
}

/** The first value of log2 bucket `index` (index ≥ 1), exactly. */
function log2Start(index: number, k: number): bigint {
  const n = 2 ** k;
  if (index <= 2 * n) return BigInt(index - 1);
  const j = index - 1;
  return 2n ** BigInt(Math.floor(j / n) - 1) * BigInt(n + (j % n));
}

/**
 * The bucket a value lands in: what the BPF code computes (compiler/codegen/map-functions.ts), here for
 * the live view and the tests. Values are signed 64-bit.
 */
export function bucketOf(h: HistKind, value: bigint): number {
  const n = BigInt.asIntN(64, value);
  if (h.kind === 'lhist') {
    if (n < BigInt(h.min)) return 0;
    if (n > BigInt(h.max)) return Math.floor((h.max - h.min) / h.step) + 1;
    return Number((n - BigInt(h.min)) / BigInt(h.step)) + 1;
  }
  if (n < 0n) return 0;
  const k = h.bits;
  if (n < 2n ** BigInt(k)) return Number(n) + 1;
  const top = n.toString(2).length - 1; // the top set bit
  const x = Number((n >> BigInt(top - k)) & BigInt(2 ** k - 1));
  return (top - k + 1) * 2 ** k + x + 1;
}

type LinearKind = Extract<HistKind, { kind: 'lhist' }>;

/**
 * An lhist label number as bpftrace v0.26's lhist_index_label writes it: with a step that is a multiple of 1024,
 * whole multiples of 1024 (or 1024²) get a K (or M) suffix; with any other step, plain numbers (0.17 put the
 * suffixes on every step's labels: `[512, 1K)` where v0.26 prints `[512, 1024)`).
 */
function linearNumber(h: LinearKind, x: number): string {
  if (h.step % 1024 !== 0 || x === 0) return `${x}`;
  if (x % 1048576 === 0) return `${x / 1048576}M`;
  if (x % 1024 === 0) return `${x / 1024}K`;
  return `${x}`;
}

/**
 * Where lhist's top bucket starts: the last bucket boundary at or below max. The BPF code puts values above
 * max in bucket (max - min) / step + 1, with those from that boundary up (bpftrace v0.26 labels it
 * `[9, ...)` for lhist(n, 0, 10, 3), not `[10, ...)`).
 */
function linearTop(h: LinearKind): number {
  return h.min + Math.floor((h.max - h.min) / h.step) * h.step;
}

/** The label of one bucket: `(..., 0)`, `[0]`, `[4, 8)`, `[1K, 2K)`; lhist `(..., min)`, `[a, b)`, `[top, ...)`. */
export function bucketLabel(h: HistKind, index: number): string {
  if (h.kind === 'hist') {
    if (index === 0) return '(..., 0)';
    if (index <= 2 ** (h.bits + 1)) return `[${index - 1}]`;
    return `[${log2Bound(index - 1, h.bits)}, ${log2Bound(index, h.bits)})`;
  }
  const buckets = Math.floor((h.max - h.min) / h.step);
  if (index === 0) return `(..., ${linearNumber(h, h.min)})`;
  if (index === buckets + 1) return `[${linearNumber(h, linearTop(h))}, ...)`;
  const lo = (index - 1) * h.step + h.min;
  // a bucket of one value is `[a]`, as bpftrace v0.26 prints any two adjacent plain-number labels
  if (h.step === 1) return `[${lo}]`;
  return `[${linearNumber(h, lo)}, ${linearNumber(h, index * h.step + h.min)})`;
}

/** The values one bucket holds, inclusive; an open end is left out (JSON's `{"max": -1, …}` below zero). */
export function bucketRange(h: HistKind, index: number): { min?: bigint; max?: bigint } {
  if (h.kind === 'hist') {
    if (index === 0) return { max: -1n };
    return { min: log2Start(index, h.bits), max: log2Start(index + 1, h.bits) - 1n };
  }
  const buckets = Math.floor((h.max - h.min) / h.step);
  if (index === 0) return { max: BigInt(h.min - 1) };
  if (index === buckets + 1) return { min: BigInt(linearTop(h)) };
  return { min: BigInt((index - 1) * h.step + h.min), max: BigInt(index * h.step + h.min - 1) };
}

/** The rows bpftrace prints: from the first to the last non-empty bucket (none when all are empty). */
export function shownBuckets(counts: readonly bigint[]): number[] {
  const first = counts.findIndex((c) => c > 0n);
  if (first < 0) return [];
  let last = counts.length - 1;
  while (counts[last]! <= 0n) last--;
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}

/** Bar length: bpftrace computes count / max * 52 in single-precision float and truncates. */
export function barWidth(count: bigint, max: bigint): number {
  if (max <= 0n) return 0;
  const f = Math.fround;
  return Math.trunc(f(f(f(Number(count)) / f(Number(max))) * BAR_WIDTH));
}

/** One row: label left-aligned in 16 columns, count right-aligned in 8, then the bar. */
export function histRow(label: string, shown: bigint, bar: number): string {
  return `${label.padEnd(16)}${shown.toString().padStart(8)} |${'@'.repeat(bar).padEnd(BAR_WIDTH)}|\n`;
}

/**
 * All rows of one histogram; `div` divides the counts (hist only, as bpftrace), and the bars are drawn from the
 * divided counts, as bpftrace v0.26 draws them (0.17 drew them from the undivided ones). The rows shown are
 * still those of the undivided counts.
 */
export function formatHistogram(h: HistKind, counts: readonly bigint[], div = 1): string {
  const d = h.kind === 'hist' && div > 1 ? BigInt(div) : 1n;
  const shown = d === 1n ? counts : counts.map((c) => c / d);
  const max = shown.reduce((m, c) => (c > m ? c : m), 0n);
  return shownBuckets(counts)
    .map((i) => histRow(bucketLabel(h, i), shown[i]!, barWidth(shown[i]!, max)))
    .join('');
}
