// The live view redraws many times a second for hours: nothing may pile up per frame. In-process, with maps
// whose keys come and go (`@h[tid] = hist(…)`, `@s[tid] = sum(1)`): React's development build (what runs from
// source) records each render as a performance measure, which Node keeps until cleared; the histograms'
// windows carried between frames must be those of keys the maps still hold; Ink's <Text> caches the size of
// every string it ever measured, so rows are drawn by a sized text element Ink never measures (line.tsx). The whole process over ten
// minutes in a real terminal: `npm run soak` (test/soak/soak.ts).
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createElement } from 'react';
import { render } from 'ink';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MapSnapshot } from '../../../runtime/index.ts';
import { u32 } from '../../../lang/types.ts';
import { App } from '../../../repl/view/app.tsx';
import { carriedWindows, layoutFrame, windowKey } from '../../../repl/view/layout.ts';
import { showLiveView, type LiveSource } from '../../../repl/view/live.tsx';
import { buildPanel } from '../../../repl/view/model.ts';
import { ViewStore } from '../../../repl/view/store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tidKey = [{ type: u32, offset: 0 }];

/** Maps as a busy program has them at read `n`: the keys are new threads every time. */
function churning(n: number): Map<string, MapSnapshot> {
  const tids = [0, 1, 2].map((i) => BigInt(n * 3 + i));
  return new Map<string, MapSnapshot>([
    [
      '@h',
      {
        layout: { name: '@h', keys: tidKey, value: { kind: 'hist', bits: 0 } },
        entries: tids.map((t) => ({ keys: [t], value: 3n, buckets: [0n, 1n, 2n, 0n] })),
      },
    ],
    [
      '@s',
      {
        layout: { name: '@s', keys: tidKey, value: { kind: 'sum', signed: false } },
        entries: tids.map((t) => ({ keys: [t], value: t })),
      },
    ],
  ]);
}

test('frames at 10 ms for a second leave no performance measures behind', async () => {
  let reads = 0;
  const source: LiveSource = {
    running: true,
    stats: { events: 0, lost: 0 },
    mapNames: () => ['@h', '@s'],
    snapshot: (name) => churning(reads++).get(name),
  };
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 30 });
  stdout.resume(); // a terminal that takes everything
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  performance.clearMeasures();
  const view = showLiveView(source, new ViewStore({ quiet: true }), {
    refreshMs: 10,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  let most = 0;
  for (let i = 0; i < 20; i++) {
    await sleep(50);
    most = Math.max(most, performance.getEntriesByType('measure').length);
  }
  view.quit();
  await view.closed;
  assert.ok(reads >= 40, `only ${reads} map reads: the view did not redraw`);
  // what one frame's renders record at most, not what ~100 frames would
  assert.ok(most < 100, `${most} performance measures kept after ${reads} reads`);
});

test('150 frames of 100 rows that change every frame: the heap does not grow with them', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 101, rows: 150 });
  stdout.resume();
  const frame = (n: number) => {
    const panels = [...churning(n).values()].map((s) => buildPanel(s, 40));
    const rows = Array.from({ length: 100 }, (_, i) => `row ${i}: ${n * 100 + i} ${'-'.repeat(70)}`);
    const layout = layoutFrame(panels, {
      width: 100,
      rows: 10,
      selected: 0,
      state: { scroll: new Map(), windows: new Map() },
    });
    const withRows = {
      ...layout,
      panels: [...layout.panels, { ...layout.panels[0]!, name: '@rows', title: `@rows ${n}`, lines: rows }],
    };
    const status = { probes: 1, eventsPerSecond: n, lost: 0, elapsedMs: n * 100, paused: false };
    return createElement(App, { layout: withRows, status, width: 100 });
  };
  // debug: every rerender is laid out and drawn at once (no frame-rate limit)
  const ink = render(frame(0), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    debug: true,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  const heap = () => {
    performance.clearMeasures(); // React's development build: see the test above
    gc();
    return process.memoryUsage().heapUsed;
  };
  for (let n = 1; n <= 30; n++) ink.rerender(frame(n)); // warm up
  const before = heap();
  for (let n = 31; n <= 180; n++) ink.rerender(frame(n));
  const grown = (heap() - before) / 1e6;
  ink.unmount();
  // 15,000 new rows of ~90 characters: Ink's measuring cache kept ~4 MB of them
  assert.ok(grown < 1.5, `the heap grew ${grown.toFixed(1)} MB over 150 frames`);
});

test('histogram windows are carried only for keys the maps still hold', () => {
  let windows: ReadonlyMap<string, number> = new Map();
  for (let n = 0; n < 200; n++) {
    const panels = [...churning(n).values()].map((s) => buildPanel(s, 10));
    // three rows: only some of the keys fit, the others are in the model but not drawn
    const layout = layoutFrame(panels, { width: 80, rows: 6, selected: 0, state: { scroll: new Map(), windows } });
    windows = carriedWindows(windows, layout, panels);
  }
  assert.ok(windows.size <= 3, `${windows.size} windows kept for 3 keys`);
  assert.ok([...windows.keys()].every((k) => k.startsWith(windowKey('@h', ''))));
});

test('a histogram left out of a frame keeps its window for when it comes back', () => {
  const panels = [...churning(0).values()].map((s) => buildPanel(s, 10));
  const prev = new Map([[windowKey('@h', '0'), 1]]);
  const layout = layoutFrame(panels, { width: 80, rows: 2, selected: 1, state: { scroll: new Map(), windows: prev } });
  assert.not.ok(
    layout.panels.some((p) => p.name === '@h'),
    'the frame was meant to leave @h out',
  );
  assert.is(carriedWindows(prev, layout, panels).get(windowKey('@h', '0')), 1);
});

test.run();
