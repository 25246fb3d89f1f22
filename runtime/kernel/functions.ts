// Kernel functions kprobes can attach to: tracefs available_filter_functions (`name` or `name [module]`),
// or, where that file is not readable, the text symbols in /proc/kallsyms. Read once.
import { readFileSync } from 'node:fs';
import type { KernelFunction } from '../../lang/index.ts';
import { readKallsyms } from './kallsyms.ts';
import { tracefsRoot } from './tracefs.ts';

let functions: KernelFunction[] | undefined;

function fromFilterFunctions(): KernelFunction[] | undefined {
  let text: string;
  try {
    text = readFileSync(`${tracefsRoot()}/available_filter_functions`, 'utf8');
  } catch {
    return undefined; // not mounted, or locked down
  }
  const out: KernelFunction[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)(?:\s+\[(\S+)\])?/.exec(line);
    if (m) out.push(m[2] ? { name: m[1]!, module: m[2] } : { name: m[1]! });
  }
  return out;
}

const NL = 0x0a;
const TAB = 0x09;
const DOT = 0x2e;
const SPACE = 0x20;
const PFX = Buffer.from('__pfx_');

/**
 * The text symbols (t, T) of a kallsyms text, each name (and module) once: lines `ADDRESS TYPE NAME[\t[MODULE]]`
 * walked as bytes (a regular expression a line and a string key each took ~60 ms of `scry -l`'s ~360).
 * Compiler-made parts (.cold, .part.N, .isra.N) and padding symbols (__pfx_) are not functions one can probe.
 */
export function kallsymsFunctions(text: Buffer): KernelFunction[] {
  const out: KernelFunction[] = [];
  const seen = new Set<string>();
  const seenIn = new Map<string, Set<string>>();
  const len = text.length;
  // the names are cut from one string of the whole text (byte offsets are its offsets: latin1), not made a line
  const chars = text.toString('latin1');
  let p = 0;
  while (p < len) {
    // the address, a space, the type, a space
    while (p < len && text[p] !== SPACE && text[p] !== NL) p++;
    const type = text[p + 1];
    const name = p + 3;
    let q = name;
    let dot = false;
    for (; q < len && text[q] !== NL && text[q] !== TAB; q++) if (text[q] === DOT) dot = true;
    const nameEnd = q;
    while (q < len && text[q] !== NL) q++;
    const end = q;
    p = end + 1;
    if ((type !== 0x74 && type !== 0x54) || name >= nameEnd || dot || startsWith(text, name, nameEnd, PFX)) continue;
    const fn = chars.slice(name, nameEnd);
    if (nameEnd === end) {
      if (!seen.has(fn)) (seen.add(fn), out.push({ name: fn }));
      continue;
    }
    // \t[module]
    const module = chars.slice(nameEnd + 2, end - 1);
    let names = seenIn.get(module);
    if (!names) seenIn.set(module, (names = new Set()));
    if (!names.has(fn)) (names.add(fn), out.push({ name: fn, module }));
  }
  return out;
}

function startsWith(text: Buffer, from: number, to: number, prefix: Buffer): boolean {
  if (to - from < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (text[from + i] !== prefix[i]) return false;
  return true;
}

function fromKallsyms(): KernelFunction[] {
  return kallsymsFunctions(readKallsyms());
}

export function kernelFunctions(): readonly KernelFunction[] {
  functions ??= fromFilterFunctions() ?? fromKallsyms();
  return functions;
}
