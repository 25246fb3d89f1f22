// bpftrace's `-f json` lines: `{"type": "…", "data": …}` with its `": "` and `", "` spacing, one object a line.
// Integers a double cannot hold exactly are written as strings, so every JSON reader gets them exactly.
import { entryCount, type MapSnapshot, type TraceEvent, type Value } from '../../runtime/index.ts';
import { lineCol, spanLocation, type Span } from '../../lang/index.ts';
import { bucketRange, shownBuckets } from './hist.ts';
import { dividedData, formatValue, integerEntries, isTuple, topEntries, type PrintOptions } from './text.ts';
import { seriesRows, tseriesJson } from './tseries.ts';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Text with nothing jsonString escapes (code units: a pair with a low surrogate in DC80-DCFF takes the walk). */
const PLAIN = /^[^"\\\u0000-\u001f\udc80-\udcff]*$/;

/**
 * bpftrace's escaping: quote, backslash, \n \r \t by name, other control characters as \u00XX; the rest as is.
 * A byte that is not UTF-8 (lang/byte-text.ts) is \udcXX, its escape (a reader that decodes with Python's
 * surrogateescape gets the byte back). bpftrace writes every byte ≥ 0x80, UTF-8 or not, as \uffffffXX (a
 * signed char printed in hex), which no JSON reader reads: a deliberate difference.
 */
export function jsonString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`; // most keys and strings: nothing to escape, no walk a character at a time
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0xdc80 && c <= 0xdcff)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** An integer as a number where a double holds it exactly (2^53 and every power of two do), else as a string: bpftrace v0.26's rule (output/json.cpp), so every JSON reader gets it exactly. */
export function jsonInt(v: bigint): string {
  return (v <= SAFE && v >= -SAFE) || BigInt(Number(v)) === v ? v.toString() : `"${v}"`;
}

/** Values: integers, strings quoted, tuples as arrays without spaces (`[1,"a"]`), as bpftrace writes them. */
export function jsonValue(v: Value): string {
  if (typeof v === 'bigint') return jsonInt(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return jsonString(v);
  if (isTuple(v)) return `[${v.map(jsonValue).join(',')}]`;
  switch (v.kind) {
    case 'struct':
      return `{${v.fields.map((f) => `${jsonString(f.name)}: ${jsonValue(f.value)}`).join(', ')}}`;
    case 'array':
      return `[${v.items.map(jsonValue).join(',')}]`;
    case 'none':
      return 'null';
    case 'buffer':
      // its bytes as C chars, signed (bpftrace v0.26: [104,-1]; 0.17 wrote the %r text)
      return `[${Array.from(v.bytes, (b) => (b << 24) >> 24).join(',')}]`;
  }
}

function line(type: string, data: string): string {
  return `{"type": "${type}", "data": ${data}}\n`;
}

/**
 * A key as bpftrace v0.26 writes it in JSON: its text, a tuple's parts joined by commas, with every space taken
 * out, strings' own too (`@m["a b", 1]` is `"ab,1"`; 0.17 kept them).
 */
function jsonKey(keys: readonly Value[]): string {
  return jsonString(keys.map(formatValue).join(',').replaceAll(' ', ''));
}

/** `"@m": v` for a scalar map, `"@m": {"k1,k2": v, …}` for a keyed one. */
function keyed(snap: MapSnapshot, items: readonly { keys: readonly Value[]; json: string }[]): string {
  const name = jsonString(snap.layout.name);
  if (snap.layout.keys.length === 0) return `{${name}: ${items[0]?.json ?? 'null'}}`;
  return `{${name}: {${items.map((i) => `${jsonKey(i.keys)}: ${i.json}`).join(', ')}}}`;
}

/** The line for one map (at exit or print(@m)); nothing for an empty map, as bpftrace. */
export function jsonMap(snap: MapSnapshot, opts: PrintOptions = {}): string {
  const v = snap.layout.value;
  if (entryCount(snap) === 0) return '';
  const div = opts.div && opts.div > 1 ? BigInt(opts.div) : 1n;
  switch (v.kind) {
    case 'hist':
    case 'lhist': {
      const items = topEntries(snap, opts.top).map((e) => {
        const counts = e.buckets ?? [];
        const rows = shownBuckets(counts).map((i) => {
          const r = bucketRange(v, i);
          const count = v.kind === 'hist' ? counts[i]! / div : counts[i]!;
          return `{${r.min !== undefined ? `"min": ${jsonInt(r.min)}, ` : ''}${r.max !== undefined ? `"max": ${jsonInt(r.max)}, ` : ''}"count": ${jsonInt(count)}}`;
        });
        // the buckets without a space between them, as bpftrace v0.26 writes arrays (0.17: `, `)
        return { keys: e.keys, json: `[${rows.join(',')}]` };
      });
      return line('hist', keyed(snap, items));
    }
    case 'tseries': {
      const entries = topEntries(snap);
      const rows = seriesRows(v, entries);
      const items = entries.map((e, i) => ({ keys: e.keys, json: tseriesJson(rows[i]!, jsonInt) }));
      return line('tseries', keyed(snap, items));
    }
    case 'stats': {
      // top and div (of the average) apply, as in the text and in bpftrace v0.26 (0.17 ignored both)
      const items = topEntries(snap, opts.top).map((e) => ({
        keys: e.keys,
        json: `{"count": ${jsonInt(e.stats?.count ?? 0n)}, "average": ${jsonInt(e.value / div)}, "total": ${jsonInt(e.stats?.total ?? 0n)}}`,
      }));
      return line('stats', keyed(snap, items));
    }
    case 'avg':
      return line(
        'stats',
        keyed(
          snap,
          topEntries(snap, opts.top).map((e) => ({ keys: e.keys, json: jsonInt(e.value / div) })),
        ),
      );
    default: {
      // the usual map (text.ts integerEntries): `"k": v` pairs written as bytes
      const pairs = snap.layout.keys.length === 1 ? integerEntries(snap, opts, JSON_PAIRS) : undefined;
      if (pairs !== undefined) return line('map', `{${jsonString(snap.layout.name)}: {${pairs}}}`);
      return line(
        'map',
        keyed(
          snap,
          topEntries(snap, opts.top).map((e) => ({
            keys: e.keys,
            json:
              e.data !== undefined
                ? mapValueJson(v, dividedData(e.data, opts.div ?? 0), e.value)
                : jsonInt(e.value / div),
          })),
        ),
      );
    }
  }
}

const JSON_PAIRS = { open: '"', close: '": ', between: ', ' } as const;

/**
 * A map value shown as text: pointers are their number in JSON (the text shows them in hex), as bpftrace
 * v0.26 writes them; the rest as jsonValue.
 */
function mapValueJson(v: MapSnapshot['layout']['value'], data: Value, n: bigint): string {
  if (v.kind === 'value' && v.type.kind === 'int' && v.type.space) return jsonInt(n);
  return jsonValue(data);
}

/** bpftrace v0.26's helper_error line: the errno's words, the helper, its return code and the script location. */
function helperErrorLine(h: { helper: string; retcode: number; strerror: string }, span: Span): string {
  return (
    `{"type": "helper_error", "msg": ${jsonString(h.strerror)}, "helper": ${jsonString(h.helper)}, "retcode": ${h.retcode}, ` +
    `${placeFields(span)}}\n`
  );
}

/** errorf()/warnf() as bpftrace v0.26 gives them: the message and the call's place (JsonOutput::printf) */
function callMessageLine(level: 'error' | 'warning', text: string, span: Span): string {
  return `{"type": "${level === 'error' ? 'errorf' : 'warnf'}", "msg": ${jsonString(text)}, ${placeFields(span)}}\n`;
}

/** A script location as bpftrace v0.26's JSON lines give it: `"filename": …, "line": N, "col": N` */
function placeFields(span: Span): string {
  const { line: ln, col } = lineCol(span.file, span.start);
  return `"filename": ${jsonString(span.file.name)}, "line": ${ln}, "col": ${col}`;
}

/** One trace event as its JSON line ('' for events that print nothing). */
export function jsonEvent(e: TraceEvent, opts: { quiet: boolean }): string {
  switch (e.kind) {
    case 'attached':
      // bpftrace v0.26 gives the number twice: as `count` and in `data` (0.17: in `data` only)
      return opts.quiet ? '' : `{"type": "attached_probes", "count": ${e.probes}, "data": {"probes": ${e.probes}}}\n`;
    case 'printf':
      // join()'s data is the joined text alone: its line end belongs to the text output (bpftrace v0.26)
      return line(e.source ?? 'printf', jsonString(e.source === 'join' ? e.text.replace(/\n$/, '') : e.text));
    case 'value':
      return line('value', jsonValue(e.value));
    case 'map':
      return jsonMap(e.snapshot, { top: e.top, div: e.div });
    case 'lost':
      return `{"type": "lost_events", "count": ${e.count}, "data": {"events": ${e.count}}}\n`;
    case 'message':
      if (e.helperError && e.span) return helperErrorLine(e.helperError, e.span);
      if (!e.helper && e.span) return callMessageLine(e.level, e.text, e.span);
      return line(
        e.level,
        `{"msg": ${jsonString(e.text)}${e.span ? `, "location": ${jsonString(spanLocation(e.span))}` : ''}}`,
      );
    case 'exit':
      return '';
  }
}
