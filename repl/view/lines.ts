// The text of the live view's panels, one string a terminal row, cut to a width. Pure, so a frame can be
// checked exactly and drawing costs one <Text> a row whatever the map holds; which rows show is layout.ts's.
import type { HistModel, PanelModel, StatsRow, TableRow } from './model.ts';

const BAR = '█';

/** A bar `max` cells wide for `n` of `top`; anything above zero gets at least one cell. */
function bar(n: bigint, top: bigint, max: number): string {
  if (n <= 0n || top <= 0n || max <= 0) return '';
  return BAR.repeat(Math.max(1, Math.round((Number(n) / Number(top)) * max)));
}

export function fit(s: string, w: number): string {
  if (w <= 0) return '';
  return s.length <= w ? s : `${s.slice(0, Math.max(0, w - 1))}…`;
}

type Bucket = HistModel['buckets'][number];

/** The largest count or value among `items`, what bars are scaled to. */
export function largest<T>(items: readonly T[], n: (t: T) => bigint): bigint {
  return items.reduce((m, t) => (n(t) > m ? n(t) : m), 0n);
}

/**
 * Histogram rows `label count |bars|` like bpftrace's, `width` wide, bars scaled to `top` (the largest
 * bucket of the histogram, shown or not, so a window does not make small buckets look big).
 */
export function histogramLines(
  buckets: readonly Bucket[],
  width: number,
  top = largest(buckets, (b) => b.count),
): string[] {
  if (buckets.length === 0) return [];
  const labelW = Math.max(...buckets.map((b) => b.label.length));
  const countW = Math.max(...buckets.map((b) => b.count.toString().length));
  const barW = Math.max(1, width - labelW - countW - 4);
  return buckets.map(
    (b) => `${b.label.padEnd(labelW)} ${b.count.toString().padStart(countW)} |${bar(b.count, top, barW).padEnd(barW)}|`,
  );
}

/** Sorted rows `key value bar`: the key column takes at most half the width, bars what is left, scaled to `top`. */
export function tableLines(
  rows: readonly TableRow[],
  bars: boolean,
  width: number,
  top = largest(rows, (r) => r.n),
): string[] {
  if (rows.length === 0) return [];
  const keyW = Math.min(Math.max(...rows.map((r) => r.key.length)), Math.floor(width / 2));
  const valW = Math.max(...rows.map((r) => r.value.length));
  const barW = bars ? width - keyW - valW - (keyW ? 3 : 2) : 0;
  return rows.map((r) => {
    const key = keyW ? `${fit(r.key, keyW).padEnd(keyW)} ` : '';
    const line = `${key}${r.value.padStart(valW)}`;
    return barW >= 4 ? `${line} ${bar(r.n, top, barW)}` : fit(line, width);
  });
}

/** stats maps as bpftrace prints them, `key: count N, average N, total N`. */
export function statsLines(rows: readonly StatsRow[], width: number): string[] {
  return rows.map((r) =>
    fit(`${r.key ? `${r.key}: ` : ''}count ${r.count}, average ${r.average}, total ${r.total}`, width),
  );
}

/** A keyed histogram's heading line for one key. */
export function histKeyLine(h: HistModel, width: number): string {
  return fit(`${h.key}  (total ${h.total})`, width);
}

/**
 * What a cut panel says on its last row: `… 6 more rows`, `… 2 more rows above`,
 * `… 6 more rows (2 above, 4 below)`, and keys not read at all (keyed histograms): `· 3 more keys`.
 */
export function moreText(above: number, below: number, width: number, moreKeys = 0): string {
  const n = above + below;
  const parts: string[] = [];
  if (n > 0)
    parts.push(
      `${n} more row${n === 1 ? '' : 's'}${above && below ? ` (${above} above, ${below} below)` : above ? ' above' : ''}`,
    );
  if (moreKeys > 0) parts.push(`${moreKeys} more key${moreKeys === 1 ? '' : 's'}`);
  return fit(`… ${parts.join(' · ')}`, width);
}

/** A panel's title: `@name  hist · 12 keys`. */
export function panelTitle(p: PanelModel, width: number): string {
  return fit(`${p.name}  ${p.what} · ${p.entries === 1 ? '1 key' : `${p.entries} keys`}`, width);
}
