// Tab completion for the REPL: providers and probe names where a probe goes, builtins, functions, maps and
// scratch variables inside a block, struct fields after `->`/`.`, and the dot commands' arguments.
// Pure apart from what explore.ts looks up; the REPL hands in the lines typed so far and the map names.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { builtinFunctions, builtinVars } from '../lang/index.ts';
import { lookupProvider, providers, type ProviderName } from '../lang/index.ts';
import { hostKernelInfo } from '../runtime/index.ts';
import { kernelBtf, kernelFunctions, probeNames, structFields, uprobeSymbols } from './explore.ts';

/** What readline wants: the candidates, and the text before the cursor they would replace. */
export type Completion = [hits: string[], completeOn: string];

export interface CompletionContext {
  /** lines of a program still being typed (its block is open), before the current line */
  readonly pending: string;
  /** map names known to the session (running programs and kept maps) */
  mapNames(): readonly string[];
  /** program numbers that can be stopped */
  programIds(): readonly number[];
  /** dot command names, with their dot */
  readonly commands: readonly string[];
}

/** More candidates than this are not listed, only their common prefix inserted. */
const MAX_LISTED = 300;

const KEYWORDS = [
  'if',
  'else',
  'while',
  'for',
  'unroll',
  'return',
  'break',
  'continue',
  'let',
  'sizeof',
  'offsetof',
  'args',
  'true',
  'false',
];
const INTERVAL_UNITS = ['s:', 'ms:', 'us:', 'hz:'];

export function complete(line: string, ctx: CompletionContext): Completion {
  if (!ctx.pending && /^\s*\./.test(line)) return completeCommand(line, ctx);
  const text = ctx.pending ? `${ctx.pending}\n${line}` : line;
  const depth = blockDepth(text);
  if (depth === 0) {
    const word = /[^\s,{}]*$/.exec(line)![0];
    return word.includes(':') ? completeProbe(word) : finish(providerWords(), word);
  }
  const member = /(\b[A-Za-z_]\w*)\s*(->|\.)\s*(\w*)$/.exec(line);
  if (member) return finish(memberNames(member[1]!, text), member[3]!);
  const word = /[@$]?\w*$/.exec(line)![0];
  const before = text.slice(0, text.length - word.length); // names used so far, not the one being typed
  if (word.startsWith('@')) return finish(unique([...ctx.mapNames(), ...(before.match(/@\w*/g) ?? [])]), word);
  if (word.startsWith('$')) return finish(unique(before.match(/\$\w+/g) ?? []), word);
  return finish([...builtinVars.map((b) => b.name), ...builtinFunctions.map((f) => `${f.name}(`), ...KEYWORDS], word);
}

/**
 * Whether a Tab that came in one read with other keys (which readline takes for pasted text and inserts
 * as a tab) should complete instead: yes after a word being typed, as when Tab Tab is pressed quickly or
 * keys arrive together over a slow link; no for indentation (after a blank or at the start of a line) or
 * inside a string, where a pasted tab is text.
 */
export function tabCompletes(before: string): boolean {
  if (!/\S$/.test(before)) return false;
  let inString = false;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === '\\' && inString) i++;
    else if (before[i] === '"') inString = !inString;
  }
  return !inString;
}

/** `{` minus `}` outside strings and comments. */
export function blockDepth(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
  }
  return depth;
}

function providerWords(): string[] {
  return providers.map((p) => (p.bare ? p.name : `${p.name}:`));
}

/**
 * What Tab offers for each part of an attach point after its provider, per provider: the candidates for
 * part `parts.length - 1` (parts[0] is the provider). A provider without an entry offers nothing.
 */
type PartCompleter = (parts: readonly string[], last: string) => Completion;

const functionNames: PartCompleter = (parts, last) =>
  parts.length === 2 ? finish([...kernelFunctions(last)], last) : [[], last];
const uprobeParts: PartCompleter = (parts, last) => {
  if (parts.length === 2) return completePath(last);
  return parts.length === 3 ? finish([...(uprobeSymbols(parts[1]!) ?? [])], last) : [[], last];
};
const timerUnits: PartCompleter = (parts, last) => (parts.length === 2 ? finish(INTERVAL_UNITS, last) : [[], last]);
// the listing names perf events `name:`; completion stops before the optional count
const perfEvents =
  (provider: 'software' | 'hardware'): PartCompleter =>
  (parts, last) =>
    parts.length === 2
      ? finish(
          probeNames(provider, last).map((n) => n.replace(/:$/, '')),
          last,
        )
      : [[], last];

const probeParts: Partial<Record<ProviderName, PartCompleter>> = {
  // the listing names tracepoints group:event
  tracepoint: (parts, last) => {
    if (parts.length === 2)
      return finish(unique(probeNames('tracepoint', last).map((n) => n.slice(0, n.indexOf(':') + 1))), last);
    if (parts.length === 3)
      return finish(
        probeNames('tracepoint', `${parts[1]}:${last}`).map((n) => n.slice(n.indexOf(':') + 1)),
        last,
      );
    return [[], last];
  },
  kprobe: functionNames,
  kretprobe: functionNames,
  fentry: functionNames,
  fexit: functionNames,
  rawtracepoint: (parts, last) =>
    parts.length === 2 ? finish([...probeNames('rawtracepoint', last)], last) : [[], last],
  uprobe: uprobeParts,
  uretprobe: uprobeParts,
  interval: timerUnits,
  profile: timerUnits,
  software: perfEvents('software'),
  hardware: perfEvents('hardware'),
};

/** `provider:a:b…`: completes the last part. */
function completeProbe(word: string): Completion {
  const parts = word.split(':');
  const last = parts[parts.length - 1]!;
  const provider = lookupProvider(parts[0]!)?.name;
  const part = provider && probeParts[provider];
  return part ? part(parts, last) : [[], last];
}

/** Field names after `base->` or `base.`: tracepoint fields for `args`, task_struct's for `curtask`. */
function memberNames(base: string, text: string): string[] {
  if (base === 'args') return tracepointArgs(text);
  if (base === 'curtask') return (structFields('task_struct') ?? []).map((f) => f.name);
  return [];
}

/** The fields of the tracepoints named by the probe whose block the cursor is in. */
function tracepointArgs(text: string): string[] {
  // the header of the innermost top-level block: from the last `}` that closed a probe up to its `{`
  let depth = 0;
  let headerStart = 0;
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (text[i] === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) headerStart = i + 1;
    }
  }
  if (open < headerStart) return [];
  const header = text.slice(headerStart, open).replace(/\/[^/]*\/\s*$/, ''); // drop a predicate
  const kernel = hostKernelInfo();
  const names: string[] = [];
  for (const ap of header.split(/[\s,]+/)) {
    const [prov, group, event] = ap.split(':');
    if (lookupProvider(prov ?? '')?.name !== 'tracepoint' || !group || !event || /[*?]/.test(group + event)) continue;
    for (const f of kernel.tracepointFormat(group, event)?.fields ?? []) if (!f.common) names.push(f.name);
  }
  return unique(names);
}

function completeCommand(line: string, ctx: CompletionContext): Completion {
  const m = /^\s*(\.\w*)(\s+)?(.*)$/.exec(line)!;
  const cmd = m[1]!;
  if (m[2] === undefined) return finish([...ctx.commands], cmd);
  const arg = m[3]!;
  switch (cmd) {
    case '.probes':
    case '.args':
      return arg.includes(':')
        ? completeProbe(arg)
        : finish(
            providerWords().filter((p) => p.endsWith(':')),
            arg,
          );
    case '.type':
      return finish(typeNames(), arg);
    case '.load':
    case '.save':
      return completePath(arg);
    case '.stop':
      return finish([...ctx.programIds().map(String), 'all'], arg);
    case '.clear':
      return finish([...ctx.mapNames()], arg);
    default:
      return [[], arg];
  }
}

let typeNameCache: string[] | undefined;
/** struct, union, enum and typedef names of the kernel's BTF (read once). */
function typeNames(): string[] {
  if (typeNameCache) return typeNameCache;
  const btf = kernelBtf();
  if (!btf) return [];
  const names = new Set<string>();
  for (let id = 1; id < btf.typeCount; id++) {
    const k = btf.kind(id);
    if (k === 'struct' || k === 'union' || k === 'enum' || k === 'typedef') {
      const n = btf.name(id);
      if (n) names.add(n);
    }
  }
  return (typeNameCache = [...names].sort());
}

function completePath(word: string): Completion {
  const slash = word.lastIndexOf('/');
  const dir = slash < 0 ? '.' : word.slice(0, slash + 1);
  const base = word.slice(slash + 1);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [[], base];
  }
  const hits = entries
    .filter((e) => e.startsWith(base) && (base.startsWith('.') || !e.startsWith('.')))
    .map((e) => {
      let isDir = false;
      try {
        isDir = statSync(join(dir, e)).isDirectory();
      } catch {}
      return `${e}${isDir ? '/' : ''}`;
    });
  return finish(hits, base);
}

/** The candidates that start with `word`, sorted; too many are cut down to their common prefix. */
function finish(candidates: readonly string[], word: string): Completion {
  const hits = unique(candidates.filter((c) => c.startsWith(word))).sort();
  if (hits.length <= MAX_LISTED) return [hits, word];
  const prefix = commonPrefix(hits);
  return [prefix.length > word.length ? [prefix] : [], word];
}

function commonPrefix(xs: readonly string[]): string {
  let p = xs[0] ?? '';
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
