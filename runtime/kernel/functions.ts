// Kernel functions kprobes can attach to: tracefs available_filter_functions (`name` or `name [module]`),
// or, where that file is not readable, the text symbols in /proc/kallsyms. Read once, kept as bytes: a kprobe on
// one function, or on a wildcard with a plain part, finds its lines by searching the bytes (kernelFunctionsWith);
// the whole list (~60k functions on a distribution kernel: ~50-90 ms of CPU and ~20 MB made of a regular
// expression a line) is made only for listings and "did you mean".
import type { KernelFunction } from '../../lang/index.ts';
import { kallsymsText } from './kallsyms.ts';
import { tracefsRoot } from './tracefs.ts';
import { readUnsizedFile } from './unsized-file.ts';

/** A kernel's list of functions as read. */
interface FunctionSource {
  readonly kind: 'filter' | 'kallsyms';
  readonly text: Buffer;
  /** --traceable-functions: the user's list, which may be empty (the kernel's empty list means it lists none) */
  readonly given?: true;
}

/** Text of a source between two byte offsets (latin1: one character a byte). */
type Cut = (from: number, to: number) => string;

/** A whole walk cuts names from one string of the whole text; a search cuts the few lines it reads from the bytes. */
const cutFromString = (text: Buffer): Cut => {
  const chars = text.toString('latin1');
  return (from, to) => chars.slice(from, to);
};
const cutFromBytes =
  (text: Buffer): Cut =>
  (from, to) =>
    text.toString('latin1', from, to);

let source: FunctionSource | null | undefined;
let functions: KernelFunction[] | undefined;

/** available_filter_functions, else /proc/kallsyms; null when neither can be read. */
function functionSource(): FunctionSource | null {
  if (source !== undefined) return source;
  let kind: FunctionSource['kind'] = 'filter';
  let text: Buffer;
  try {
    text = readUnsizedFile(`${tracefsRoot()}/available_filter_functions`, 4 << 20);
  } catch {
    // not mounted, or locked down
    try {
      kind = 'kallsyms';
      text = kallsymsText();
    } catch {
      return (source = null);
    }
  }
  source = { kind, text };
  return source;
}

const NL = 0x0a;
const TAB = 0x09;
const DOT = 0x2e;
const SPACE = 0x20;
const OPEN = 0x5b; // [
const PFX = Buffer.from('__pfx_');

const isSpace = (c: number | undefined) => c === SPACE || c === TAB || c === 0x0d || c === 0x0c || c === 0x0b;

/**
 * One line of available_filter_functions, text[start, end): `name` or `name [module]` (what the regular
 * expression /^(\S+)(?:\s+\[(\S+)\])?/ takes of it), or undefined for a line that starts with a space or is empty.
 */
function filterLine(text: Buffer, cut: Cut, start: number, end: number): KernelFunction | undefined {
  let q = start;
  while (q < end && !isSpace(text[q])) q++;
  if (q === start) return undefined;
  const name = cut(start, q);
  let r = q;
  while (r < end && isSpace(text[r])) r++;
  if (r > q && text[r] === OPEN) {
    let w = r + 1;
    while (w < end && !isSpace(text[w])) w++;
    const close = text.lastIndexOf(0x5d, w - 1); // ]
    if (close > r + 1) return { name, module: cut(r + 1, close) };
  }
  return { name };
}

/**
 * One line of /proc/kallsyms, text[start, end): `ADDRESS TYPE NAME[\t[MODULE]]`, when it is a text symbol (t, T)
 * one can probe: not a compiler-made part (.cold, .part.N, .isra.N) nor padding (__pfx_).
 */
function kallsymsLine(text: Buffer, cut: Cut, start: number, end: number): KernelFunction | undefined {
  let p = start;
  while (p < end && text[p] !== SPACE) p++;
  const type = text[p + 1];
  const name = p + 3;
  if ((type !== 0x74 && type !== 0x54) || name >= end) return undefined;
  let q = name;
  for (; q < end && text[q] !== TAB; q++) if (text[q] === DOT) return undefined;
  if (q === name || startsWith(text, name, q, PFX)) return undefined;
  const fn = cut(name, q);
  // \t[module]
  return q === end ? { name: fn } : { name: fn, module: cut(q + 2, end - 1) };
}

/** The functions of lines [from, to) of a kallsyms text, each name once per module, in the file's order. */
class KallsymsNames {
  private readonly seen = new Set<string>();
  private readonly seenIn = new Map<string, Set<string>>();
  readonly out: KernelFunction[] = [];

  add(f: KernelFunction | undefined): void {
    if (!f) return;
    let names = this.seen;
    if (f.module !== undefined) {
      names = this.seenIn.get(f.module) ?? new Set();
      this.seenIn.set(f.module, names);
    }
    if (!names.has(f.name)) (names.add(f.name), this.out.push(f));
  }
}

/** Each line of the source, as [start, end) without its newline. */
function eachLine(s: FunctionSource, line: (start: number, end: number) => void): void {
  const len = s.text.length;
  for (let p = 0; p < len;) {
    let end = s.text.indexOf(NL, p);
    if (end < 0) end = len;
    line(p, end);
    p = end + 1;
  }
}

function wholeList(s: FunctionSource): KernelFunction[] {
  const cut = cutFromString(s.text);
  if (s.kind === 'filter') {
    const out: KernelFunction[] = [];
    eachLine(s, (start, end) => {
      const f = filterLine(s.text, cut, start, end);
      if (f) out.push(f);
    });
    return out;
  }
  const names = new KallsymsNames();
  eachLine(s, (start, end) => names.add(kallsymsLine(s.text, cut, start, end)));
  return names.out;
}

/**
 * The text symbols (t, T) of a kallsyms text, each name (and module) once, walked as bytes (a regular expression a
 * line and a string key each took ~60 ms of `scry -l`'s ~360).
 */
export function kallsymsFunctions(text: Buffer): KernelFunction[] {
  return wholeList({ kind: 'kallsyms', text });
}

/** available_filter_functions' lines as functions (exported for the tests). */
export function filterFunctions(text: Buffer): KernelFunction[] {
  return wholeList({ kind: 'filter', text });
}

/**
 * The functions on the lines of `s` that have `literal` in them, in the file's order (each name once per module, for
 * kallsyms): the lines are found by searching the bytes, so only they are read.
 */
function linesWith(s: FunctionSource, literal: string): KernelFunction[] {
  const { text } = s;
  const cut = cutFromBytes(text);
  const needle = Buffer.from(literal, 'latin1');
  const filter: KernelFunction[] = [];
  const names = new KallsymsNames();
  for (let at = text.indexOf(needle); at >= 0;) {
    const start = text.lastIndexOf(NL, at) + 1;
    let end = text.indexOf(NL, at);
    if (end < 0) end = text.length;
    if (s.kind === 'filter') {
      const f = filterLine(text, cut, start, end);
      if (f) filter.push(f);
    } else names.add(kallsymsLine(text, cut, start, end));
    at = end < text.length ? text.indexOf(needle, end + 1) : -1;
  }
  return s.kind === 'filter' ? filter : names.out;
}

/** linesWith over a text of either kind (for the tests). */
export function functionsOnLinesWith(kind: FunctionSource['kind'], text: Buffer, literal: string): KernelFunction[] {
  return linesWith({ kind, text }, literal);
}

function startsWith(text: Buffer, from: number, to: number, prefix: Buffer): boolean {
  if (to - from < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (text[from + i] !== prefix[i]) return false;
  return true;
}

/**
 * --traceable-functions FILE: kprobes attach to the functions FILE lists, in available_filter_functions' format
 * (`name` or `name [module]` a line), instead of the kernel's list, as bpftrace v0.26 reads it; an empty file lists
 * none. Throws the read's error.
 */
export function useTraceableFunctions(path: string): void {
  source = { kind: 'filter', text: readUnsizedFile(path, 1 << 16), given: true };
  functions = undefined;
}

/**
 * Functions a kprobe must not go to though the kernel lists them, as bpftrace v0.26 leaves them out (the kernel's
 * BPF selftests' list, kprobe_multi_test.c): tracing them can hang or crash the machine (the idle loop, RCU itself).
 */
const UNSAFE_FUNCTIONS = new Set(['arch_cpu_idle', 'default_idle', 'bpf_dispatcher_xdp_func']);
const UNSAFE_PREFIXES = ['rcu_', '__ftrace_invalid_address__'];

let blocklist: ReadonlySet<string> | undefined;

/**
 * The kernel's kprobe blocklist (debugfs kprobes/blacklist: `0xSTART-0xEND\tname` or `… name [module]` a line),
 * as `module:name` (vmlinux for the kernel's own): a kprobe there is refused, so a wildcard leaves them out.
 * Empty where debugfs is not mounted (attaching then says which function was refused).
 */
function blocklisted(): ReadonlySet<string> {
  if (blocklist) return blocklist;
  const out = new Set<string>();
  let text = '';
  try {
    text = readUnsizedFile('/sys/kernel/debug/kprobes/blacklist', 1 << 16).toString('latin1');
  } catch {
    // not mounted, or no kprobes
  }
  for (const m of text.matchAll(/^\S+\t(\S+)(?:\s+\[(\S+)\])?/gm)) out.add(`${m[2] ?? 'vmlinux'}:${m[1]}`);
  return (blocklist = out);
}

/** Not one of the functions a kprobe must not go to (UNSAFE_FUNCTIONS) nor on the kernel's blocklist. */
function probeable(f: KernelFunction): boolean {
  if (UNSAFE_FUNCTIONS.has(f.name) || UNSAFE_PREFIXES.some((p) => f.name.startsWith(p))) return false;
  const blocked = blocklisted();
  return blocked.size === 0 || !blocked.has(`${f.module ?? 'vmlinux'}:${f.name}`);
}

/** The functions kprobes may attach to: the kernel's list (or --traceable-functions'), less what probeable() refuses. */
export function kernelFunctions(): readonly KernelFunction[] {
  if (functions) return functions;
  const s = functionSource();
  functions = s ? wholeList(s).filter(probeable) : [];
  return functions;
}

/** KernelInfo.kernelFunctionsWith: the functions whose line has `literal`; undefined when the kernel lists none. */
export function kernelFunctionsWith(literal: string): readonly KernelFunction[] | undefined {
  const s = functionSource();
  if (!s || (!s.text.length && !s.given)) return undefined;
  if (functions) return functions.filter((f) => f.name.includes(literal) || f.module?.includes(literal));
  return linesWith(s, literal).filter(probeable);
}
