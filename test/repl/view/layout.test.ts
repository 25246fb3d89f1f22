// The live view's layout (repl/view/layout.ts) at fixed terminal sizes, without a terminal: printf output
// keeps rows above the frame, a cut panel says how many rows it hides, a histogram's window stays put
// while its counts move a little, and a scrolled panel shows the rows scrolled to. The same at the
// terminal: live-layout.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { UserMapLayout } from '../../../compiler/program.ts';
import type { MapEntry, MapSnapshot } from '../../../runtime/index.ts';
import { stringType, u32 } from '../../../lang/types.ts';
import {
  freshViewState,
  layoutFrame,
  logRows,
  panelBody,
  panelRows,
  stableWindow,
  type FrameLayout,
  type ViewState,
} from '../../../repl/view/layout.ts';
import { buildPanel, type PanelModel } from '../../../repl/view/model.ts';

function snapshot(layout: Partial<UserMapLayout> & Pick<UserMapLayout, 'value'>, entries: MapEntry[]): MapSnapshot {
  return { layout: { name: '@m', keys: [], ...layout }, entries };
}

/** A count map `name` with `n` keys, values n, n-1, …, 1. */
function countMap(name: string, n: number, limit: number): PanelModel {
  const entries: MapEntry[] = [];
  for (let i = 0; i < n; i++) entries.push({ keys: [`k${i}`], value: BigInt(n - i) });
  return buildPanel(
    snapshot({ name, keys: [{ type: stringType(16), offset: 0 }], value: { kind: 'count' } }, entries),
    limit,
  );
}

/** `lhist(x, 0, 9, 1)` with these counts in buckets [0,1) … [8,9). */
function lhist9(counts: readonly number[], limit: number, name = '@l'): PanelModel {
  const buckets = [0n, ...counts.map(BigInt), 0n]; // the below-min and above-max buckets stay empty
  const total = counts.reduce((a, b) => a + b, 0);
  return buildPanel(
    snapshot({ name, value: { kind: 'lhist', min: 0, max: 9, step: 1 } }, [
      { keys: [], value: BigInt(total), buckets },
    ]),
    limit,
  );
}

/** The rows a frame takes on the terminal: titles, bodies and the status line. */
const frameHeight = (f: FrameLayout) => f.panels.reduce((n, p) => n + 1 + p.lines.length, 0) + 1;

/** `… 6 more rows`, `… 2 more rows above`, `… 7 more rows (3 above, 4 below)` → 6, 2, 7; 0 without one. */
function saysHidden(p: FrameLayout['panels'][number]): number {
  const m = /… (\d+) more rows?/.exec([p.title, ...p.lines].join('\n'));
  return m ? Number(m[1]) : 0;
}

/** The bucket labels a histogram panel shows. */
const labels = (p: FrameLayout['panels'][number] | undefined) =>
  (p?.lines ?? []).flatMap((l) => /^(\[\d+\]|\[\d+, \d+\))/.exec(l)?.[1] ?? []);

test('logRows: as many rows as lines printed, up to a fifth of the terminal (at least 3), leaving the panels two', () => {
  const cases: [height: number, printed: number, rows: number][] = [
    [24, 0, 0],
    [24, 1, 1],
    [24, 100, 4],
    [40, 100, 8],
    [10, 100, 3],
    [6, 100, 2],
  ];
  for (const [h, n, want] of cases) assert.is(logRows(h, n), want, `${h} rows, ${n} printed`);
  assert.is(panelRows(40, 8), 30); // less the status line and Ink's cursor row
});

// Five maps, as in the report: four busy count maps and a 9-bucket lhist, with printf output going on.
const sizes: [cols: number, rows: number][] = [
  [120, 40],
  [80, 24],
  [100, 30],
  [60, 12],
  [80, 8],
];

for (const [cols, rows] of sizes) {
  test(`five maps at ${cols}x${rows}: printf output keeps rows, every cut panel says how many rows it hides`, () => {
    const limit = rows - 2;
    const panels = [
      countMap('@a', 17, limit),
      countMap('@b', 89, limit),
      countMap('@c', 2, limit),
      countMap('@e', 120, limit),
      lhist9([5, 9, 3, 7, 20, 6, 4, 8, 2], limit),
    ];
    const log = logRows(rows, 1000);
    const f = layoutFrame(panels, { width: cols - 1, rows: panelRows(rows, log), selected: 0, state: freshViewState });
    assert.ok(log >= 2, `${log} rows for printf`);
    // the frame, Ink's cursor row and the log rows fit the terminal
    assert.ok(frameHeight(f) + 1 + log <= rows, `frame ${frameHeight(f)} + log ${log} in ${rows} rows`);
    for (const p of f.panels) {
      const model = panels.find((m) => m.name === p.name)!;
      const all = model.kind === 'hist' ? 9 : model.entries;
      const shown = p.lines.filter((l) => !l.startsWith('…')).length;
      assert.is(saysHidden(p), all - shown, `${p.name} shows ${shown} of ${all}: ${p.title} / ${p.lines.join(' / ')}`);
      for (const l of [p.title, ...p.lines]) assert.ok(l.length <= cols - 1, `too wide: ${l}`);
    }
    if (f.panels.length < panels.length) assert.is(f.position, `panel 1/5`);
  });
}

test('a 9-bucket lhist in 4 rows: 3 buckets and `… 6 more rows (a above, b below)` on the last row', () => {
  const p = lhist9([1, 1, 1, 10, 12, 11, 1, 1, 1], 20);
  const b = panelBody(p, 60, 4, undefined, new Map(), new Map());
  assert.equal(labels({ ...b, name: '@l', selected: false }), ['[3]', '[4]', '[5]']);
  assert.is(b.lines[3], '… 6 more rows (3 above, 3 below)');
  assert.is(b.title, '@l  lhist · 1 key');
});

test('stableWindow: stays where it was while that holds within a tenth of the total of the busiest, else moves', () => {
  const c = (xs: number[]) => xs.map(BigInt);
  const cases: [counts: bigint[], size: number, prev: number | undefined, start: number][] = [
    [c([1, 1, 5, 5, 1]), 2, undefined, 2], // the busiest
    [c([10, 10, 10, 11, 10, 10, 10, 10, 10]), 3, 0, 0], // 30 vs 31 of 91: stays
    [c([10, 10, 10, 11, 10, 10, 10, 10, 10]), 3, undefined, 1],
    [c([1, 1, 1, 1, 1, 1, 50, 50, 50]), 3, 0, 6], // a new mode: moves
    [c([1, 2, 3]), 5, 2, 0], // all fit
    [c([5, 5, 5, 5]), 2, 9, 2], // the previous start past the range is clamped
  ];
  for (const [counts, size, prev, want] of cases)
    assert.is(stableWindow(counts, size, prev), want, `${counts} ${size} ${prev}`);
});

test('a cut histogram keeps its window from frame to frame while its counts shift a little, moves when they change materially', () => {
  // the flicker reported: near-uniform buckets, the busiest 3 of 9 changing with every frame
  const frames = [
    [100, 101, 99, 100, 102, 100, 98, 100, 100],
    [103, 101, 99, 106, 102, 100, 98, 100, 100],
    [103, 101, 99, 106, 102, 100, 98, 108, 104],
    [104, 109, 99, 106, 108, 100, 98, 108, 104],
  ];
  let state: ViewState = freshViewState;
  const shown: string[][] = [];
  const chosenAfresh: string[][] = [];
  for (const counts of frames) {
    const panel = lhist9(counts, 20);
    const f = layoutFrame([panel], { width: 60, rows: 5, selected: 0, state });
    state = { scroll: new Map(), windows: f.windows };
    shown.push(labels(f.panels[0]));
    chosenAfresh.push(
      labels(layoutFrame([panel], { width: 60, rows: 5, selected: 0, state: freshViewState }).panels[0]),
    );
    assert.match(f.panels[0]!.lines[3]!, /^… 6 more rows/);
  }
  // without the window carried over the rows jump around; with it they stay
  assert.ok(new Set(chosenAfresh.map(String)).size > 1, 'the frames should move the busiest window');
  for (const s of shown) assert.equal(s, shown[0]);
  // a material change: most of the count now in the last buckets
  const f = layoutFrame([lhist9([104, 109, 99, 106, 108, 100, 98, 900, 900], 20)], {
    width: 60,
    rows: 5,
    selected: 0,
    state,
  });
  assert.equal(labels(f.panels[0]), ['[6]', '[7]', '[8]']);
});

test('a cut histogram keeps its window when the range grows below it (windows are remembered by bucket, not by row)', () => {
  let f = layoutFrame([lhist9([0, 0, 5, 5, 5, 5, 5, 5, 0], 20)], {
    width: 60,
    rows: 4,
    selected: 0,
    state: freshViewState,
  });
  const first = labels(f.panels[0]);
  f = layoutFrame([lhist9([1, 1, 5, 5, 5, 5, 5, 5, 0], 20)], {
    width: 60,
    rows: 4,
    selected: 0,
    state: { scroll: new Map(), windows: f.windows },
  });
  assert.equal(labels(f.panels[0]), first);
});

test('a scrolled panel shows the rows scrolled to, and says how many are above and below', () => {
  const table = countMap('@b', 30, 30);
  const state: ViewState = { scroll: new Map([['@b', 5]]), windows: new Map() };
  const f = layoutFrame([table], { width: 40, rows: 6, selected: 0, state });
  const p = f.panels[0]!;
  assert.is(p.title, '@b  count · 30 keys · scrolled');
  assert.equal(
    p.lines.slice(0, 4).map((l) => l.split(' ')[0]),
    ['k5', 'k6', 'k7', 'k8'],
  );
  assert.is(p.lines[4], '… 26 more rows (5 above, 21 below)');
  assert.equal([p.offset, p.visible, p.content], [5, 4, 30]);
  // past the end: the last rows
  const end = layoutFrame([table], {
    width: 40,
    rows: 6,
    selected: 0,
    state: { scroll: new Map([['@b', 99]]), windows: new Map() },
  }).panels[0]!;
  assert.equal(
    end.lines.slice(0, 4).map((l) => l.split(' ')[0]),
    ['k26', 'k27', 'k28', 'k29'],
  );
  assert.is(end.lines[4], '… 26 more rows above');
  // a histogram scrolls over its buckets
  const h = layoutFrame([lhist9([1, 1, 1, 10, 12, 11, 1, 1, 1], 20)], {
    width: 60,
    rows: 5,
    selected: 0,
    state: { scroll: new Map([['@l', 0]]), windows: new Map() },
  }).panels[0]!;
  assert.equal(labels(h), ['[0]', '[1]', '[2]']);
  assert.is(h.lines[3], '… 6 more rows');
});

test('keyed histograms: busiest key first, each under its key line; keys not read are counted too', () => {
  const entries: MapEntry[] = [1, 2, 3, 4, 5, 6].map((k) => ({
    keys: [BigInt(k)],
    value: BigInt(k * 3),
    buckets: [0n, BigInt(k), BigInt(k), BigInt(k), 0n],
  }));
  const p = buildPanel(
    snapshot(
      { name: '@h', keys: [{ type: u32, offset: 0 }], value: { kind: 'lhist', min: 0, max: 3, step: 1 } },
      entries,
    ),
    8,
  ); // reads 2 keys of 6
  const b = panelBody(p, 50, 8, undefined, new Map(), new Map());
  assert.is(b.lines[0], '6  (total 18)');
  assert.is(b.lines[4], '5  (total 15)');
  assert.is(b.lines.length, 8);
  assert.is(b.lines[7], '… 1 more row · 4 more keys');
});

test('a table that fits says nothing; an empty map says (empty)', () => {
  const f = layoutFrame([countMap('@c', 2, 20), countMap('@z', 0, 20)], {
    width: 40,
    rows: 10,
    selected: 0,
    state: freshViewState,
  });
  assert.equal(
    f.panels.map((p) => p.title),
    ['@c  count · 2 keys', '@z  count · 0 keys'],
  );
  assert.equal(f.panels[1]!.lines, ['(empty)']);
  assert.is(saysHidden(f.panels[0]!), 0);
});

test.run();
