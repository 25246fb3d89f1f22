// Histogram pieces: bucket labels, ranges, bucket choice and bar scaling, pinned to what bpftrace prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  barWidth,
  bucketLabel,
  bucketOf,
  bucketRange,
  formatHistogram,
  histRow,
  shownBuckets,
  type HistKind,
} from '../../repl/print/hist.ts';
import { bucketCount } from '../../compiler/layout.ts';

const log2: HistKind = { kind: 'hist', bits: 0 };
const log2k2: HistKind = { kind: 'hist', bits: 2 };
const lin: HistKind = { kind: 'lhist', min: 0, max: 100, step: 10 };

test('hist labels: negatives, 0, 1, then powers of two with K/M/G/T/P/E per power of 1024', () => {
  const labels = [0, 1, 2, 3, 4, 11, 12, 22, 32, 42, 52, 62, 64].map((i) => bucketLabel(log2, i));
  assert.equal(labels, [
    '(..., 0)',
    '[0]',
    '[1]',
    '[2, 4)',
    '[4, 8)',
    '[512, 1K)',
    '[1K, 2K)',
    '[1M, 2M)',
    '[1G, 2G)',
    '[1T, 2T)',
    '[1P, 2P)',
    '[1E, 2E)',
    '[4E, 8E)',
  ]);
});

test('hist(n, k) labels: single values up to 2^(k+1), then 2^k buckets per power of two (current bpftrace)', () => {
  assert.is(bucketLabel(log2k2, 8), '[7]');
  assert.is(bucketLabel(log2k2, 9), '[8, 10)');
  assert.is(bucketLabel(log2k2, 13), '[16, 20)');
  // the suffix follows the bucket width's power of 1024, as bpftrace's hist_index_label does
  assert.is(bucketLabel(log2k2, bucketOf(log2k2, 1_000_000n)), '[896K, 1024K)');
  assert.is(bucketLabel(log2k2, bucketOf(log2k2, 4_000_000n)), '[3584K, 4M)');
});

test('lhist labels: below min, [a, b), from max up; K and M only with a step that is a multiple of 1024 (v0.26)', () => {
  assert.equal(
    [0, 1, 10, 11].map((i) => bucketLabel(lin, i)),
    ['(..., 0)', '[0, 10)', '[90, 100)', '[100, ...)'],
  );
  const k: HistKind = { kind: 'lhist', min: 0, max: 4096, step: 1024 };
  assert.equal(
    [1, 2, 5].map((i) => bucketLabel(k, i)),
    ['[0, 1K)', '[1K, 2K)', '[4K, ...)'],
  );
  const m: HistKind = { kind: 'lhist', min: 1048576, max: 3145728, step: 1048576 };
  assert.equal(
    [0, 1, 3].map((i) => bucketLabel(m, i)),
    ['(..., 1M)', '[1M, 2M)', '[3M, ...)'],
  );
  const neg: HistKind = { kind: 'lhist', min: -20, max: 20, step: 10 };
  assert.equal(
    [0, 1, 2, 5].map((i) => bucketLabel(neg, i)),
    ['(..., -20)', '[-20, -10)', '[-10, 0)', '[20, ...)'],
  );
  // bpftrace 0.17 printed [512, 1K) and [1K, 1536) here
  const half: HistKind = { kind: 'lhist', min: 0, max: 4096, step: 512 };
  assert.equal(
    [2, 3, 9].map((i) => bucketLabel(half, i)),
    ['[512, 1024)', '[1024, 1536)', '[4096, ...)'],
  );
});

test('lhist with step 1: one value a bucket, labelled [a] as v0.26 labels adjacent bounds', () => {
  const one: HistKind = { kind: 'lhist', min: -2, max: 3, step: 1 };
  assert.equal(
    [0, 1, 3, 5, 6].map((i) => bucketLabel(one, i)),
    ['(..., -2)', '[-2]', '[0]', '[2]', '[3, ...)'],
  );
});

test('lhist with an uneven step: the top bucket starts at the last boundary below max, as v0.26 labels it', () => {
  const uneven: HistKind = { kind: 'lhist', min: 0, max: 10, step: 3 };
  assert.equal(
    [1, 3, 4].map((i) => bucketLabel(uneven, i)),
    ['[0, 3)', '[6, 9)', '[9, ...)'],
  );
  assert.equal(bucketRange(uneven, 4), { min: 9n });
  assert.equal(bucketRange(uneven, 3), { min: 6n, max: 8n });
});

test('log2 bucket of a value: negatives to 0, zero to [0], top bit picks the power', () => {
  const at = (v: bigint) => bucketLabel(log2, bucketOf(log2, v));
  assert.is(at(-5n), '(..., 0)');
  assert.is(at(0n), '[0]');
  assert.is(at(1n), '[1]');
  assert.is(at(3n), '[2, 4)');
  assert.is(at(1024n), '[1K, 2K)');
  assert.is(at(1500n), '[1K, 2K)');
  assert.is(at(2n ** 20n), '[1M, 2M)');
  assert.is(at(2n ** 63n - 1n), '[4E, 8E)');
  assert.is(at(2n ** 64n - 1n), '(..., 0)', 'a u64 above 2^63 reads as negative, as in bpftrace');
});

test('every value lies in the range of its bucket, and buckets never exceed the map layout', () => {
  const values = [
    0n,
    1n,
    2n,
    3n,
    4n,
    5n,
    7n,
    8n,
    9n,
    100n,
    1023n,
    1024n,
    1025n,
    12345678n,
    2n ** 40n + 7n,
    2n ** 62n,
    2n ** 63n - 1n,
  ];
  for (const h of [log2, { kind: 'hist', bits: 1 } as HistKind, log2k2, { kind: 'hist', bits: 5 } as HistKind]) {
    for (const v of values) {
      const i = bucketOf(h, v);
      const r = bucketRange(h, i);
      assert.ok(i < bucketCount(h), `bucket ${i} of ${v} within ${bucketCount(h)}`);
      assert.ok(r.min! <= v && v <= r.max!, `${v} in [${r.min}, ${r.max}] (k=${h.kind === 'hist' ? h.bits : ''})`);
    }
    assert.is(bucketOf(h, 2n ** 63n - 1n), bucketCount(h) - 1, 'the largest int64 fills the last bucket');
  }
});

test('lhist bucket of a value: below, inside, exactly max and above', () => {
  assert.equal(
    [-1n, 0n, 9n, 10n, 99n, 100n, 500n].map((v) => bucketOf(lin, v)),
    [0, 1, 1, 2, 10, 11, 11],
  );
  // an uneven step: the last full bucket ends before max, values in between go to the top bucket (bpftrace)
  const uneven: HistKind = { kind: 'lhist', min: 0, max: 10, step: 3 };
  assert.equal(
    [8n, 9n, 10n].map((v) => bucketOf(uneven, v)),
    [3, 4, 4],
  );
  assert.is(bucketCount(uneven), 5);
});

test('bucket ranges for JSON: open below zero, exact powers, lhist ends', () => {
  assert.equal(bucketRange(log2, 0), { max: -1n });
  assert.equal(bucketRange(log2, 1), { min: 0n, max: 0n });
  assert.equal(bucketRange(log2, 3), { min: 2n, max: 3n });
  assert.equal(bucketRange(log2, 64), { min: 2n ** 62n, max: 2n ** 63n - 1n });
  assert.equal(bucketRange(log2k2, 9), { min: 8n, max: 9n });
  assert.equal(bucketRange(lin, 0), { max: -1n });
  assert.equal(bucketRange(lin, 1), { min: 0n, max: 9n });
  assert.equal(bucketRange(lin, 11), { min: 100n });
});

test('bars: count / max * 52 in single precision, truncated (bpftrace 0.17 rounding)', () => {
  assert.equal(
    [1n, 2n, 3n, 7n].map((c) => barWidth(c, 7n)),
    [7, 14, 22, 52],
  );
  assert.is(barWidth(32n, 36n), 46);
  assert.is(barWidth(1n, 50n), 1);
  assert.is(barWidth(0n, 50n), 0);
  assert.is(barWidth(1n, 1n), 52);
});

test('rows: label in 16 columns, count in 8, a wide label pushes the count right', () => {
  assert.is(histRow('[4, 8)', 3n, 26), `[4, 8)                 3 |${'@'.repeat(26)}${' '.repeat(26)}|\n`);
  assert.is(histRow('[3584K, 4M)', 12345678n, 0), `[3584K, 4M)     12345678 |${' '.repeat(52)}|\n`);
  assert.is(histRow('[1024K, 1280K)xx', 1n, 52), `[1024K, 1280K)xx       1 |${'@'.repeat(52)}|\n`);
  assert.is(histRow('[123456789012345, 2)', 1n, 0).indexOf(' 1 |'), 26);
});

test('rows run from the first to the last non-empty bucket', () => {
  assert.equal(shownBuckets([0n, 0n, 2n, 0n, 1n, 0n]), [2, 3, 4]);
  assert.equal(shownBuckets([0n, 0n]), []);
  const counts = new Array<bigint>(bucketCount(log2)).fill(0n);
  counts[3] = 50n;
  counts[8] = 1n;
  const text = formatHistogram(log2, counts, 10);
  assert.is(text.split('\n').length - 1, 6);
  assert.ok(text.startsWith(`[2, 4)                 5 |${'@'.repeat(52)}|`), 'hist counts are divided by div');
  assert.ok(text.includes(`[64, 128)              0 |${' '.repeat(52)}|`), 'and so are the bars (v0.26)');
  // 3 and 2 divided by 2 are 1 and 1: equal bars (0.17 drew 52 and 34)
  const two = new Array<bigint>(bucketCount(log2)).fill(0n);
  two[2] = 3n;
  two[4] = 2n;
  assert.is(
    formatHistogram(log2, two, 2),
    histRow('[1]', 1n, 52) + histRow('[2, 4)', 0n, 0) + histRow('[4, 8)', 1n, 52),
  );
  const l = new Array<bigint>(bucketCount(lin)).fill(0n);
  l[2] = 30n;
  assert.ok(formatHistogram(lin, l, 3).startsWith('[10, 20)              30 |'), 'lhist ignores div, as bpftrace 0.17');
});

test.run();
