// The text of the live view's panels, one string a terminal row, cut to a width and a number of rows.
// Pure, so a frame can be checked exactly and drawing costs one <Text> a row whatever the map holds.
import { histWindow, type HistModel, type PanelModel, type StatsRow, type TableRow } from './model.ts';

const BAR = '█';

/** A bar `max` cells wide for `n` of `top`; anything above zero gets at least one cell. */
export function bar(n: bigint, top: bigint, max: number): string {
  if (n <= 0n || top <= 0n || max <= 0) return '';
  return BAR.repeat(Math.max(1, Math.round((Number(n) / Number(top)) * max)));
}

function fit(s: string, w: number): string {
  if (w <= 0) return '';
  return s.length <= w ? s : `${s.slice(0, Math.max(0, w - 1))}…`;
}

/**
 * One histogram in at most `rows` rows: the busiest window of its buckets, bars scaled to the largest
 * bucket shown (so they rescale as counts grow), `label count |bars|` like bpftrace's, `width` wide.
 */
export function histogramLines(h: HistModel, width: number, rows: number): string[] {
  if (rows <= 0) return [];
  if (h.buckets.length === 0) return ['(empty)'];
  const w = histWindow(
    h.buckets.map((b) => b.count),
    rows,
  );
  const shown = h.buckets.slice(w.from, w.to + 1);
  const labelW = Math.max(...shown.map((b) => b.label.length));
  const countW = Math.max(...shown.map((b) => b.count.toString().length));
  const barW = Math.max(1, width - labelW - countW - 4);
  const top = shown.reduce((m, b) => (b.count > m ? b.count : m), 0n);
  return shown.map((b) => `${b.label.padEnd(labelW)} ${b.count.toString().padStart(countW)} |${bar(b.count, top, barW).padEnd(barW)}|`);
}

/** Sorted rows `key value bar`: the key column takes at most half the width, bars what is left. */
export function tableLines(rows: readonly TableRow[], bars: boolean, width: number, limit: number): string[] {
  if (limit <= 0) return [];
  if (rows.length === 0) return ['(empty)'];
  const shown = rows.slice(0, limit);
  const keyW = Math.min(Math.max(...shown.map((r) => r.key.length)), Math.floor(width / 2));
  const valW = Math.max(...shown.map((r) => r.value.length));
  const barW = bars ? width - keyW - valW - (keyW ? 3 : 2) : 0;
  const top = shown.reduce((m, r) => (r.n > m ? r.n : m), 0n);
  return shown.map((r) => {
    const key = keyW ? `${fit(r.key, keyW).padEnd(keyW)} ` : '';
    const line = `${key}${r.value.padStart(valW)}`;
    return barW >= 4 ? `${line} ${bar(r.n, top, barW)}` : fit(line, width);
  });
}

/** stats maps as bpftrace prints them, `key: count N, average N, total N`. */
export function statsLines(rows: readonly StatsRow[], width: number, limit: number): string[] {
  if (limit <= 0) return [];
  if (rows.length === 0) return ['(empty)'];
  return rows.slice(0, limit).map((r) => fit(`${r.key ? `${r.key}: ` : ''}count ${r.count}, average ${r.average}, total ${r.total}`, width));
}

/**
 * A panel's body in at most `rows` rows, and how many entries it shows (table rows, histogram keys).
 * Keyed histograms show their busiest keys, each under its key.
 */
export function panelBody(p: PanelModel, width: number, rows: number): { lines: string[]; shown: number } {
  switch (p.kind) {
    case 'table':
      return { lines: tableLines(p.rows, p.bars, width, rows), shown: Math.min(rows, p.rows.length) };
    case 'stats':
      return { lines: statsLines(p.rows, width, rows), shown: Math.min(rows, p.rows.length) };
    case 'hist': {
      if (p.hists.length === 0) return { lines: rows > 0 ? ['(empty)'] : [], shown: 0 };
      const keyed = p.hists.length > 1 || p.hists[0]!.key !== '';
      const lines: string[] = [];
      let shown = 0;
      for (const h of p.hists) {
        const left = rows - lines.length;
        if (left < (keyed ? 2 : 1)) break;
        if (keyed) lines.push(fit(`${h.key}  (total ${h.total})`, width));
        lines.push(...histogramLines(h, width, left - (keyed ? 1 : 0)));
        shown++;
      }
      return { lines, shown };
    }
  }
}

/** A panel's title: `@name  hist · 12 keys`, and how many of them are shown when not all are. */
export function panelTitle(p: PanelModel, shown: number, width: number): string {
  const keys = p.entries === 1 ? '1 key' : `${p.entries} keys`;
  const more = shown < p.entries && shown > 0 ? ` · ${p.kind === 'hist' ? 'busiest' : 'top'} ${shown}` : '';
  return fit(`${p.name}  ${p.what} · ${keys}${more}`, width);
}
