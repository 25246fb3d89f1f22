// Which rows the live view shows: the terminal's rows shared between printf output, the panels and the
// status line, and, inside a panel that does not fit, which of its rows. Plain functions of the panels, the
// terminal's size and a little state carried from frame to frame, so a frame at any size can be checked
// without a terminal. The rules:
// - printf output keeps some rows above the frame (the frame never grows over all of them);
// - a panel that is cut says so on its last row (`… 6 more rows`), or in its title when it is short;
// - what a cut panel shows stays put from frame to frame: a table its largest rows, a histogram the window
//   of buckets it showed last frame while that window still holds nearly as much as the busiest one;
// - unless the user scrolled the panel: then it shows the rows scrolled to, until they go back (Esc).
import { busiestRun, panelContentRows, allocateRows, type HistModel, type PanelModel } from './model.ts';
import { fit, histKeyLine, histogramLines, largest, moreText, panelTitle, statsLines, tableLines } from './lines.ts';

/** What the view carries from one frame to the next. */
export interface ViewState {
  /** the first content row of each panel the user scrolled, by panel name; absent: the view chooses */
  readonly scroll: ReadonlyMap<string, number>;
  /** the first bucket (an index into the map's buckets) each histogram showed last frame, by `windowKey` */
  readonly windows: ReadonlyMap<string, number>;
}

export const freshViewState: ViewState = { scroll: new Map(), windows: new Map() };

/** One panel as drawn: its title and body rows, and where its shown rows sit in what it could show. */
export interface PanelView {
  readonly name: string;
  readonly title: string;
  readonly lines: readonly string[];
  readonly selected: boolean;
  /** rows the panel can scroll over (table rows, histogram buckets and key lines) */
  readonly content: number;
  /** the first of them shown, and how many are shown */
  readonly offset: number;
  readonly visible: number;
  /** rows of the map not shown, counted as the map has them (rows past the model's included) */
  readonly hidden: number;
  readonly scrolled: boolean;
}

export interface FrameLayout {
  /** the panels that fit, top to bottom */
  readonly panels: readonly PanelView[];
  /** `panel 2/9` when only some panels fit */
  readonly position: string | undefined;
  /** the histogram windows this frame shows: the next frame's `ViewState.windows` */
  readonly windows: ReadonlyMap<string, number>;
}

/**
 * Rows of printf output kept visible above the frame: as many lines as have been printed, up to a fifth
 * of the terminal (at least 3), and never so many that the panels get fewer than two rows.
 */
export function logRows(height: number, printedLines: number): number {
  return Math.max(0, Math.min(printedLines, Math.max(3, Math.floor(height / 5)), height - 4));
}

/**
 * Rows the panels (titles included) may use in a terminal `height` rows tall: less the status line, the
 * row Ink leaves for its cursor (a frame as tall as the terminal makes Ink clear the whole screen on every
 * redraw) and the rows kept for printf output.
 */
export function panelRows(height: number, log: number): number {
  return Math.max(2, height - 2 - log);
}

export function windowKey(panel: string, histKey: string): string {
  return `${panel}\u0000${histKey}`;
}

/**
 * Where a window of `size` rows over `counts` starts: where it started last frame (`prev`, clamped to the
 * range) while that window holds at most a tenth of the total less than the busiest window does; otherwise
 * the busiest window. Small shifts of the counts do not move it; a new mode elsewhere does.
 */
export function stableWindow(counts: readonly bigint[], size: number, prev: number | undefined): number {
  const maxStart = counts.length - size;
  if (maxStart <= 0) return 0;
  const best = busiestRun(counts, size);
  if (prev === undefined) return best;
  const p = Math.min(Math.max(0, prev), maxStart);
  const sum = (from: number) => counts.slice(from, from + size).reduce((a, b) => a + b, 0n);
  const total = counts.reduce((a, b) => a + b, 0n);
  return (sum(best) - sum(p)) * 10n <= total ? p : best;
}

/**
 * The frame: panels fitted into `rows` rows (one title row each, then their bodies), the selected one
 * given the spare rows first, each body cut as the rules above say.
 */
export function layoutFrame(
  panels: readonly PanelModel[],
  opts: { width: number; rows: number; selected: number; state: ViewState },
): FrameLayout {
  const { width, rows, selected, state } = opts;
  const windows = new Map<string, number>();
  const fitted = allocateRows(panels.map(panelContentRows), rows, selected);
  const out: PanelView[] = [];
  panels.forEach((p, i) => {
    if (!fitted.shown[i]) return;
    const body = panelBody(p, width, fitted.rows[i]!, state.scroll.get(p.name), state.windows, windows);
    out.push({ ...body, name: p.name, selected: i === selected && panels.length > 1 });
  });
  const position = out.length < panels.length ? `panel ${selected + 1}/${panels.length}` : undefined;
  return { panels: out, position, windows };
}

/**
 * The histogram windows the next frame starts from: this frame's, and the last ones of histograms the maps
 * still hold that this frame did not show (a panel or key left out keeps its window for when it comes back).
 * Bounded by what the panels hold now, however many keys came and went (`@h[tid] = hist(…)`).
 */
export function carriedWindows(
  prev: ReadonlyMap<string, number>,
  layout: FrameLayout,
  panels: readonly PanelModel[],
): Map<string, number> {
  const out = new Map(layout.windows);
  for (const p of panels) {
    if (p.kind !== 'hist') continue;
    for (const h of p.hists) {
      const k = windowKey(p.name, h.key);
      const w = prev.get(k);
      if (w !== undefined && !out.has(k)) out.set(k, w);
    }
  }
  return out;
}

type Body = Omit<PanelView, 'name' | 'selected'>;

/**
 * How many content rows a body of `rows` rows shows of `total`: when cut, one row goes to the `… more`
 * line, unless the body is so short (three rows or fewer) that the title says it instead.
 */
function visibleRows(total: number, rows: number): number {
  return total <= rows ? total : rows >= FOOTER_FROM ? rows - 1 : rows;
}

/** Bodies of at least this many rows say `… more` on their last row; shorter ones, in the title. */
const FOOTER_FROM = 4;

/**
 * A body of at most `rows` rows; a cut body ends with the `… more` line (or, when short, says it in the
 * title). `prev` holds last frame's histogram windows, `next` collects this frame's.
 */
export function panelBody(
  p: PanelModel,
  width: number,
  rows: number,
  scroll: number | undefined,
  prev: ReadonlyMap<string, number>,
  next: Map<string, number>,
): Body {
  const cut = (r: Omit<Body, 'title' | 'scrolled'> & { above: number; moreKeys?: number }): Body => {
    let title = panelTitle(p, width);
    if (scroll !== undefined) title = fit(`${title} · scrolled`, width);
    const lines = [...r.lines];
    if (r.hidden > 0 || r.moreKeys) {
      const more = moreText(r.above, r.hidden - r.above, width, r.moreKeys);
      if (lines.length < rows) lines.push(more);
      else title = fit(`${title} · ${more}`, width);
    }
    return {
      title,
      lines,
      content: r.content,
      offset: r.offset,
      visible: r.visible,
      hidden: r.hidden,
      scrolled: scroll !== undefined,
    };
  };
  const empty = (): Body =>
    cut({ lines: rows > 0 ? ['(empty)'] : [], content: 0, offset: 0, visible: 0, hidden: 0, above: 0 });
  switch (p.kind) {
    case 'table':
    case 'stats': {
      if (p.entries === 0 || p.rows.length === 0) return empty();
      const visible = Math.min(p.rows.length, visibleRows(p.entries, rows));
      const offset = clampOffset(scroll ?? 0, p.rows.length, visible);
      const lines =
        p.kind === 'stats'
          ? statsLines(p.rows.slice(offset, offset + visible), width)
          : tableLines(
              p.rows.slice(offset, offset + visible),
              p.bars,
              width,
              largest(p.rows, (r) => r.n),
            );
      return cut({ lines, content: p.rows.length, offset, visible, hidden: p.entries - visible, above: offset });
    }
    case 'hist': {
      if (p.hists.length === 0) return empty();
      const keyed = p.hists.length > 1 || p.hists[0]!.key !== '';
      if (!keyed) return cut(oneHist(p.name, p.hists[0]!, width, rows, scroll, prev, next));
      return cut(
        scroll === undefined ? keyedHists(p, width, rows, prev, next) : keyedHistsScrolled(p, width, rows, scroll),
      );
    }
  }
}

function clampOffset(offset: number, content: number, visible: number): number {
  return Math.max(0, Math.min(offset, content - visible));
}

const histTotal = (h: HistModel) => h.buckets.length + h.hiddenBefore + h.hiddenAfter;

/** A histogram without keys: a window of its buckets, stable or scrolled. */
function oneHist(
  name: string,
  h: HistModel,
  width: number,
  rows: number,
  scroll: number | undefined,
  prev: ReadonlyMap<string, number>,
  next: Map<string, number>,
) {
  const visible = Math.min(h.buckets.length, visibleRows(histTotal(h), rows));
  const w = histRows(name, h, width, visible, scroll, prev, next);
  return {
    lines: w.lines,
    content: h.buckets.length,
    offset: w.offset,
    visible,
    hidden: histTotal(h) - visible,
    above: w.above,
  };
}

/** `visible` consecutive buckets of `h`: from `scroll`, or the stable window (remembered in `next`). */
function histRows(
  name: string,
  h: HistModel,
  width: number,
  visible: number,
  scroll: number | undefined,
  prev: ReadonlyMap<string, number>,
  next: Map<string, number>,
) {
  if (h.buckets.length === 0) return { lines: ['(empty)'], offset: 0, above: 0 };
  const key = windowKey(name, h.key);
  const counts = h.buckets.map((b) => b.count);
  const last = prev.get(key);
  const offset =
    scroll !== undefined
      ? clampOffset(scroll, h.buckets.length, visible)
      : stableWindow(counts, visible, last === undefined ? undefined : last - h.first);
  next.set(key, h.first + offset);
  const lines = histogramLines(
    h.buckets.slice(offset, offset + visible),
    width,
    largest(counts, (c) => c),
  );
  return { lines, offset, above: h.hiddenBefore + offset };
}

/**
 * Keyed histograms, busiest key first, each under its key line with as many of its buckets as fit (a
 * stable window when cut); a key that cannot show a bucket is left out.
 */
function keyedHists(
  p: Extract<PanelModel, { kind: 'hist' }>,
  width: number,
  rows: number,
  prev: ReadonlyMap<string, number>,
  next: Map<string, number>,
) {
  const all = p.hists.reduce((n, h) => n + 1 + Math.max(1, histTotal(h)), 0);
  const moreKeys = p.entries - p.hists.length;
  const room = moreKeys > 0 ? Math.min(all, visibleRows(rows + 1, rows)) : visibleRows(all, rows);
  const lines: string[] = [];
  let above = 0;
  for (const h of p.hists) {
    const left = room - lines.length;
    if (left < 2) break;
    lines.push(histKeyLine(h, width));
    const w = histRows(p.name, h, width, Math.min(h.buckets.length, left - 1), undefined, prev, next);
    lines.push(...w.lines);
    above += w.above;
  }
  const hidden = all - lines.length;
  return { lines, content: all, offset: 0, visible: lines.length, hidden, above: Math.min(above, hidden), moreKeys };
}

/** Keyed histograms scrolled: every key line and bucket of every key, one after the other, from `scroll`. */
function keyedHistsScrolled(p: Extract<PanelModel, { kind: 'hist' }>, width: number, rows: number, scroll: number) {
  const flat: string[] = [];
  for (const h of p.hists) {
    flat.push(histKeyLine(h, width));
    const b = histogramLines(h.buckets, width);
    flat.push(...(b.length ? b : ['(empty)']));
  }
  const visible = Math.min(flat.length, visibleRows(flat.length, rows));
  const offset = clampOffset(scroll, flat.length, visible);
  const lines = flat.slice(offset, offset + visible);
  return { lines, content: flat.length, offset, visible, hidden: flat.length - visible, above: offset };
}
