// The live view's pieces: exact frames of the Ink components (ink-testing-library), the bounded models
// they draw from, and the store that keeps the view's output identical to plain text output.
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { UserMapLayout } from '../../../compiler/program.ts';
import type { MapEntry, MapSnapshot, TraceEvent } from '../../../runtime/index.ts';
import { stringType, u32 } from '../../../lang/types.ts';
import { App, type ViewAction } from '../../../repl/view/app.tsx';
import { freshViewState, layoutFrame, panelBody } from '../../../repl/view/layout.ts';
import { allocateRows, buildPanel, histWindow, topN, type PanelModel } from '../../../repl/view/model.ts';
import { statusText } from '../../../repl/view/status-bar.tsx';
import { ViewStore } from '../../../repl/view/store.ts';
import type { Writer } from '../../../repl/writer.ts';

// the components draw no colours without a terminal, but keep the tests independent of that
const ESC = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const frame = (f: string | undefined) => (f ?? '').replace(ESC, '');

function snapshot(layout: Partial<UserMapLayout> & Pick<UserMapLayout, 'value'>, entries: MapEntry[]): MapSnapshot {
  return { layout: { name: '@m', keys: [], ...layout }, entries };
}
const commKey = [{ type: stringType(16), offset: 0 }];

/** A panel's body in `rows` rows, chosen afresh (no scrolling, no window from an earlier frame). */
const body = (p: PanelModel, width: number, rows: number) => panelBody(p, width, rows, undefined, new Map(), new Map());

test('a histogram: its non-empty range, bars scaled to the largest bucket; cut, the busiest window', () => {
  const panel = buildPanel(
    snapshot({ name: '@lat', value: { kind: 'hist', bits: 0 } }, [
      // buckets: [0]=0 [1]=1 [2,4)=3 [4,8)=12 [8,16)=6
      { keys: [], value: 22n, buckets: [0n, 0n, 1n, 3n, 12n, 6n, 0n] },
    ]),
    20,
  );
  assert.is(panel.kind, 'hist');
  if (panel.kind !== 'hist') return;
  assert.equal(body(panel, 40, 10).lines, [
    `[1]      1 |${'█'.repeat(2).padEnd(27)}|`,
    `[2, 4)   3 |${'█'.repeat(7).padEnd(27)}|`,
    `[4, 8)  12 |${'█'.repeat(27)}|`,
    `[8, 16)  6 |${'█'.repeat(14).padEnd(27)}|`,
  ]);
  // two rows: the window holding the most, and the title says what is left out
  const cut = body(panel, 40, 2);
  assert.equal(cut.lines, [`[4, 8)  12 |${'█'.repeat(27)}|`, `[8, 16)  6 |${'█'.repeat(14).padEnd(27)}|`]);
  assert.is(cut.title, '@lat  hist · 1 key · … 2 more rows above');
});

test('a count map as a top-N table, largest first', () => {
  const panel = buildPanel(
    snapshot({ name: '@calls', keys: commKey, value: { kind: 'count' } }, [
      { keys: ['bash'], value: 40n },
      { keys: ['sshd'], value: 10n },
      { keys: ['systemd-journal'], value: 3n },
      { keys: ['node'], value: 80n },
    ]),
    3,
  );
  if (panel.kind !== 'table') return assert.unreachable('a count map is a table');
  const b = body(panel, 40, 3);
  assert.equal(b.lines, [`node 80 ${'█'.repeat(31)}`, `bash 40 ${'█'.repeat(16)}`, `sshd 10 ${'█'.repeat(4)}`]);
  assert.is(b.title, '@calls  count · 4 keys · … 1 more row');
});

test('stats as numbers', () => {
  const panel = buildPanel(
    snapshot({ name: '@s', keys: [{ type: u32, offset: 0 }], value: { kind: 'stats', signed: false } }, [
      { keys: [1n], value: 30n, stats: { count: 3n, total: 90n } },
      { keys: [2n], value: 5n, stats: { count: 1n, total: 5n } },
    ]),
    10,
  );
  if (panel.kind !== 'stats') return assert.unreachable('a stats map');
  assert.equal(body(panel, 60, 5).lines, ['1: count 3, average 30, total 90', '2: count 1, average 5, total 5']);
});

const status = { probes: 2, eventsPerSecond: 12_345, lost: 0, elapsedMs: 83_000, paused: false };

test('App: panels share the rows, the status line at the bottom, exact frame', () => {
  const panels: PanelModel[] = [
    buildPanel(
      snapshot({ name: '@c', keys: commKey, value: { kind: 'count' } }, [
        { keys: ['a'], value: 2n },
        { keys: ['b'], value: 1n },
      ]),
      10,
    ),
    buildPanel(
      snapshot({ name: '@h', value: { kind: 'lhist', min: 0, max: 30, step: 10 } }, [
        { keys: [], value: 3n, buckets: [0n, 1n, 2n, 0n, 0n] },
      ]),
      10,
    ),
  ];
  const layout = layoutFrame(panels, { width: 50, rows: 8, selected: 0, state: freshViewState });
  const r = render(createElement(App, { layout, status, width: 50 }));
  assert.is(
    frame(r.lastFrame()),
    [
      '@c  count · 2 keys',
      `a 2 ${'█'.repeat(45)}`,
      `b 1 ${'█'.repeat(23)}`,
      '@h  lhist · 1 key',
      `[0, 10)  1 |${'█'.repeat(19).padEnd(37)}|`,
      `[10, 20) 2 |${'█'.repeat(37)}|`,
      ' 2 probes · 12.3k events/s · 0 lost · 1:23', // Ink drops trailing spaces
    ].join('\n'),
  );
  r.unmount();
});

test('App: keys become actions (q, p, Tab, Shift-Tab, left/right select; up/down, PgUp/PgDn, Home scroll; Esc back)', async () => {
  const seen: ViewAction[] = [];
  const layout = layoutFrame([], { width: 60, rows: 8, selected: 0, state: freshViewState });
  const r = render(createElement(App, { layout, status, width: 60, onAction: (a: ViewAction) => void seen.push(a) }));
  await new Promise((res) => setTimeout(res, 20)); // useInput subscribes in an effect
  for (const k of [
    '\t',
    '\x1b[Z',
    '\x1b[C',
    '\x1b[D',
    '\x1b[A',
    '\x1b[B',
    'j',
    'k',
    '\x1b[5~',
    '\x1b[6~',
    '\x1b[H',
    '\x1b',
    'p',
    'q',
  ]) {
    r.stdin.write(k);
    await new Promise((res) => setTimeout(res, 5));
  }
  assert.equal(seen, [
    'next',
    'prev',
    'next',
    'prev',
    'up',
    'down',
    'down',
    'up',
    'pageUp',
    'pageDown',
    'top',
    'auto',
    'pause',
    'quit',
  ]);
  r.unmount();
});

test('status line: counts in short form, keys on the right when they fit, PAUSED', () => {
  assert.is(statusText(status, 80), ' 2 probes · 12.3k events/s · 0 lost · 1:23          q quit · p pause · tab next ');
  assert.is(
    statusText({ ...status, paused: true, lost: 2_500_000 }, 100),
    ' 2 probes · 12.3k events/s · 2.5M lost · 1:23 · PAUSED                 q quit · p resume · tab next ',
  );
  assert.is(statusText({ ...status, probes: 1 }, 30), ' 1 probe · 12.3k events/s · 0…');
  // the selected panel is cut: it can scroll; scrolled: Esc gives it back
  assert.match(statusText({ ...status, scroll: 'cut' }, 100), / q quit · p pause · tab next · ↑↓ scroll $/);
  assert.match(statusText({ ...status, scroll: 'scrolled' }, 100), / tab next · ↑↓ scroll · esc back $/);
});

test('a 100k-key map becomes a 20-row panel in one pass, without sorting all of it', () => {
  const entries: MapEntry[] = [];
  for (let i = 0; i < 100_000; i++) entries.push({ keys: [BigInt(i)], value: BigInt((i * 7919) % 100_003) });
  const t0 = performance.now();
  const panel = buildPanel(snapshot({ keys: [{ type: u32, offset: 0 }], value: { kind: 'count' } }, entries), 20);
  const ms = performance.now() - t0;
  if (panel.kind !== 'table') return assert.unreachable('a table');
  assert.is(panel.rows.length, 20);
  assert.is(panel.entries, 100_000);
  const best = [...entries].sort((a, b) => (a.value < b.value ? 1 : -1)).slice(0, 20);
  assert.equal(
    panel.rows.map((r) => r.n),
    best.map((e) => e.value),
  );
  assert.ok(ms < 500, `took ${ms} ms`);
});

test('topN keeps the largest, largest first; histWindow finds the busiest run of buckets', () => {
  assert.equal(
    topN([5, 1, 9, 3, 7], 3, (a, b) => a - b),
    [9, 7, 5],
  );
  assert.equal(
    topN([1, 2], 5, (a, b) => a - b),
    [2, 1],
  );
  assert.equal(histWindow([0n, 1n, 0n, 5n, 5n, 1n, 0n], 2), { from: 3, to: 4, before: 2, after: 1 });
  assert.equal(histWindow([0n, 1n, 0n, 5n, 5n, 1n, 0n], 9), { from: 1, to: 5, before: 0, after: 0 });
  assert.equal(histWindow([0n, 0n], 3), { from: 0, to: -1, before: 0, after: 0 });
});

test('allocateRows: fair shares, the selected panel gets what is left, panels that cannot fit are left out', () => {
  assert.equal(allocateRows([2, 10], 10, 1), { rows: [2, 6], shown: [true, true] });
  assert.equal(allocateRows([10, 10], 10, 0), { rows: [4, 4], shown: [true, true] });
  assert.equal(allocateRows([1, 1, 1, 1], 4, 3), { rows: [0, 0, 1, 1], shown: [false, false, true, true] });
});

function stringWriter() {
  const out: string[] = [];
  const w: Writer = {
    out: (t) => void out.push(`out:${t}`),
    err: (t) => void out.push(`err:${t}`),
    flush() {},
    close() {},
  };
  return { w, out };
}

test('the store: whole lines for the view, the rest (and everything after) exactly as the text sink writes it', () => {
  const store = new ViewStore({ quiet: false });
  const ev = (e: TraceEvent) => store.event(e);
  ev({ kind: 'attached', probes: 1 });
  ev({ kind: 'printf', text: 'a\nb' });
  assert.equal(store.take(), [
    { stream: 'err', text: 'Attached 1 probe\n' },
    { stream: 'out', text: 'a\n' },
  ]);
  assert.equal(store.take(), []); // 'b' waits for its newline
  ev({ kind: 'printf', text: 'c\n' });
  ev({ kind: 'lost', count: 3 });
  const { w, out } = stringWriter();
  store.detach(w);
  ev({ kind: 'printf', text: 'bye\n' });
  let ended = false;
  store.onEnd(() => (ended = true));
  store.end();
  assert.ok(ended);
  assert.equal(out, ['out:bc\n', 'err:Lost 3 events\n', 'out:bye\n', 'out:\n\n']);
});

test.run();
