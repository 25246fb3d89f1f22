// Script maps in the Prometheus text exposition format (version 0.0.4) and in OpenMetrics 1.0, for `--metrics`.
// Pure: it runs in the map reader's worker thread (repl/view/snapshot-worker.ts), next to the snapshot it formats,
// so a large map's text is built off the thread that reads the ring buffer.
//
// count() and unsigned sum() are counters (`_total`); signed sum(), min, max, avg and integer values are gauges;
// stats() is a summary without quantiles (`_count`, `_sum`); hist and lhist are histograms whose cumulative `le`
// bounds are each bucket's largest value (the buckets hold integers), with `_count` and no `_sum` (the kernel
// keeps only bucket counts). Maps of strings, tuples or records, and tseries, have no number to serve: they are
// left out (GET /maps.json has them).
import type { MapSnapshot, Value } from '../../runtime/index.ts';
import { integerColumns } from '../../runtime/maps.ts'; // past the facade: see scripts/check-imports.ts
import { bucketRange } from '../print/hist.ts';
import { formatValue } from '../print/text.ts';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** `@opens` → `scry_opens`; the anonymous map `@` → `scry_anon`; any other character than [A-Za-z0-9_] → `_`. */
export function metricName(mapName: string): string {
  const bare = mapName.replace(/^@/, '');
  return `scry_${bare === '' ? 'anon' : bare.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** A label value or HELP text as both formats escape it: backslash, double quote (label values) and line feed. */
export function escapeLabelValue(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function escapeHelp(s: string): string {
  return s.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** The label names of a map's keys: `names` first, then key0…keyN by position for the keys past its end. */
export function labelNames(keyCount: number, names: readonly string[] = []): string[] {
  return Array.from({ length: keyCount }, (_, i) => names[i] ?? `key${i}`);
}

function labelValue(v: Value): string {
  return typeof v === 'string' ? v : formatValue(v);
}

function labelSet(names: readonly string[], keys: readonly Value[], extra?: string): string {
  const parts = keys.map((k, i) => `${names[i]}="${escapeLabelValue(labelValue(k))}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/**
 * `metric{labels} value` for every entry; a map read as numbers (runtime/maps.ts IntegerColumns) from its
 * columns, without making its entries (a 100k-key map's objects and bigints).
 */
function valueLines(snap: MapSnapshot, metric: string, names: readonly string[]): string {
  const columns = integerColumns(snap);
  let out = '';
  if (columns) {
    const open = `${metric}{${names[0]}="`;
    for (let i = 0; i < columns.keys.length; i++) out += `${open}${columns.keys[i]}"} ${columns.values[i]}\n`;
    return out;
  }
  for (const e of snap.entries) out += `${metric}${labelSet(names, e.keys)} ${e.value}\n`;
  return out;
}

/** What the HELP line says each aggregation is. */
function describe(snap: MapSnapshot): string {
  const v = snap.layout.value;
  switch (v.kind) {
    case 'value':
      return `${snap.layout.name}: value`;
    case 'hist':
      return `${snap.layout.name}: hist() (log2 buckets)`;
    case 'lhist':
      return `${snap.layout.name}: lhist(${v.min}, ${v.max}, ${v.step})`;
    default:
      return `${snap.layout.name}: ${v.kind}()`;
  }
}

/**
 * One map's metric family. `labels` names its keys (see labelNames); `openMetrics` selects that format's
 * spelling (counter families without `_total` in TYPE, float `le` values). '' for a map with no number to serve.
 */
export function mapExposition(snap: MapSnapshot, labels: readonly string[], openMetrics: boolean): string {
  const v = snap.layout.value;
  const family = metricName(snap.layout.name);
  const names = labelNames(snap.layout.keys.length, labels);
  const head = (name: string, type: string) => `# HELP ${name} ${escapeHelp(describe(snap))}\n# TYPE ${name} ${type}\n`;
  let out = '';
  switch (v.kind) {
    case 'count':
    case 'sum': {
      if (v.kind === 'sum' && v.signed) {
        // a signed sum can go down: a counter may not
        return head(family, 'gauge') + valueLines(snap, family, names);
      }
      return head(openMetrics ? family : `${family}_total`, 'counter') + valueLines(snap, `${family}_total`, names);
    }
    case 'min':
    case 'max':
    case 'avg':
      return head(family, 'gauge') + valueLines(snap, family, names);
    case 'value': {
      // integers, pointers (by address) and bools (0 or 1); text, tuples and records have no number
      if (v.type.kind !== 'int' && v.type.kind !== 'bool') return '';
      return head(family, 'gauge') + valueLines(snap, family, names);
    }
    case 'stats':
      out = head(family, 'summary');
      for (const e of snap.entries) {
        const l = labelSet(names, e.keys);
        out += `${family}_sum${l} ${e.stats?.total ?? 0n}\n${family}_count${l} ${e.stats?.count ?? 0n}\n`;
      }
      return out;
    case 'hist':
    case 'lhist': {
      out = head(family, 'histogram');
      for (const e of snap.entries) {
        const counts = e.buckets ?? [];
        let last = counts.length - 1;
        while (last >= 0 && counts[last]! === 0n) last--;
        let cum = 0n;
        // from the lowest bucket of values ≥ 0 (or ≥ min), or from the one below when it holds anything
        const first = counts[0] ? 0 : 1;
        for (let i = 0; i <= last; i++) {
          cum += counts[i]!;
          const upper = bucketRange(v, i).max;
          if (i < first || upper === undefined) continue; // lhist's top bucket (≥ max): only +Inf holds it
          out += `${family}_bucket${labelSet(names, e.keys, `le="${upper}${openMetrics ? '.0' : ''}"`)} ${cum}\n`;
        }
        out += `${family}_bucket${labelSet(names, e.keys, 'le="+Inf"')} ${cum}\n`;
        out += `${family}_count${labelSet(names, e.keys)} ${cum}\n`;
      }
      return out;
    }
    case 'tseries':
      return '';
  }
}

/** The scry process's own numbers, as counters: ring-buffer records read and records the kernel lost. */
export function runExposition(stats: { readonly events: number; readonly lost: number }, openMetrics: boolean): string {
  const counter = (name: string, help: string, n: number) =>
    `# HELP ${openMetrics ? name : `${name}_total`} ${help}\n# TYPE ${openMetrics ? name : `${name}_total`} counter\n${name}_total ${n}\n`;
  return (
    counter('scry_ringbuf_events', 'ring-buffer records read (printf, print, …)', stats.events) +
    counter('scry_ringbuf_lost_events', 'ring-buffer records the kernel dropped (the buffer was full)', stats.lost)
  );
}

/** The whole body: the maps' families, then OpenMetrics' `# EOF`. */
export function finishExposition(families: readonly string[], openMetrics: boolean): string {
  return families.join('') + (openMetrics ? '# EOF\n' : '');
}

/**
 * Whether the scraper's Accept header asks for OpenMetrics (Prometheus sends `application/openmetrics-text;
 * version=1.0.0,…;q=0.75,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`): an OpenMetrics type with a q above 0.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'application/openmetrics-text') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
