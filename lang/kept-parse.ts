// Parse results kept between runs: the bundled CLI keeps a script's parse (runtime/kept-texts.ts, beside the
// bundle) and a later run of the same text takes it instead of building the parser and parsing, which in a fresh
// process is most of the parse step's time (Chevrotain's parser built cold: ~2 ms; a one-liner's parse ~1 ms more).
// Kept only when the parse had nothing to say (no diagnostic), by the file's name and text, the parse's whole input.
//
// The text form is JSON with the values JSON lacks tagged: an object {"\u0000": [tag, …]} is `undefined`, a
// bigint, the script's SourceFile (every span's `file`) or an object met before (by its index in the order objects
// are first met), so that spans keep pointing at the one SourceFile and a node the parse put in two places is
// one node again. What the form cannot carry whole (a number JSON would change, a Map, a class instance, another
// SourceFile) is not kept, and a text that does not read back as the same result is not kept either.
import type { ParseResult } from './parse.ts';
import type { SourceFile } from './source.ts';
import { isStackOverflow } from './walk.ts';

/** Texts kept between runs, by key (the CLI's are files beside the bundle: runtime/kept-texts.ts). */
export interface TextStore {
  get(key: string): string | undefined;
  set(key: string, text: string): void;
}

const TAG = '\u0000';

/** `parse(file)`, or the result a previous run kept for the same name and text. */
export function parseKept(file: SourceFile, store: TextStore | undefined, parse: (f: SourceFile) => ParseResult) {
  if (!store) return parse(file);
  const key = `${file.name}\n${file.text}`;
  const text = store.get(key);
  const kept = text === undefined ? undefined : parseResultFromText(text, file);
  if (kept) return kept;
  const parsed = parse(file);
  if (parsed.program && !parsed.diagnostics.length) {
    const out = parseResultText(parsed, file);
    if (out !== undefined) store.set(key, out);
  }
  return parsed;
}

class NotKept extends Error {}

/**
 * The result as text, or undefined where the form would not carry it whole, or where the tree is too deep to
 * walk (the parser takes deeper nesting than the checker: that script is parsed each time).
 */
export function parseResultText(result: ParseResult, file: SourceFile): string | undefined {
  try {
    const text = JSON.stringify(encode(result, file, new Map()));
    const back = parseResultFromText(text, file);
    return back && JSON.stringify(encode(back, file, new Map())) === text ? text : undefined;
  } catch (e) {
    if (e instanceof NotKept || isStackOverflow(e)) return undefined;
    throw e;
  }
}

function encode(v: unknown, file: SourceFile, seen: Map<object, number>): unknown {
  switch (typeof v) {
    case 'undefined':
      return { [TAG]: ['u'] };
    case 'bigint':
      return { [TAG]: ['n', `${v}`] };
    case 'number':
      if (!Number.isFinite(v) || Object.is(v, -0)) throw new NotKept();
      return v;
    case 'string':
    case 'boolean':
      return v;
    case 'object': {
      if (v === null) return null;
      if (v === file) return { [TAG]: ['f'] };
      const at = seen.get(v);
      if (at !== undefined) return { [TAG]: ['r', at] };
      seen.set(v, seen.size);
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype || Object.keys(v).length !== v.length) throw new NotKept();
        return v.map((x) => encode(x, file, seen));
      }
      const proto = Object.getPrototypeOf(v);
      if ((proto !== Object.prototype && proto !== null) || 'lineStarts' in v || TAG in v) throw new NotKept();
      if (Object.getOwnPropertySymbols(v).length) throw new NotKept();
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = encode(x, file, seen);
      return out;
    }
    default:
      throw new NotKept(); // functions, symbols
  }
}

/** The kept result, spans in `file`; undefined for text that is not one. */
export function parseResultFromText(text: string, file: SourceFile): ParseResult | undefined {
  try {
    const result = decode(JSON.parse(text), file, []);
    if (typeof result !== 'object' || result === null || !('program' in result) || !('diagnostics' in result))
      return undefined;
    return result as ParseResult;
  } catch {
    return undefined;
  }
}

function decode(v: unknown, file: SourceFile, objects: object[]): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    objects.push(out);
    for (const x of v) out.push(decode(x, file, objects));
    return out;
  }
  const tagged = (v as Record<string, unknown>)[TAG];
  if (tagged !== undefined) {
    const [tag, arg] = tagged as [string, unknown];
    if (tag === 'u') return undefined;
    if (tag === 'n' && typeof arg === 'string') return BigInt(arg);
    if (tag === 'f') return file;
    if (tag === 'r' && typeof arg === 'number' && objects[arg]) return objects[arg];
    throw new Error('not a kept parse');
  }
  const out: Record<string, unknown> = {};
  objects.push(out);
  for (const [k, x] of Object.entries(v)) out[k] = decode(x, file, objects);
  return out;
}
