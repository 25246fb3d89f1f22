// Kernel symbols from /proc/kallsyms, read once: address → function (stacks, ksym) and name → address (kaddr).
// The file (~120k lines) is kept as bytes and walked by hand: split into strings, a BigInt and a Map entry a line
// and sorted whole, it took ~250 ms of CPU, which every script printing a kernel stack paid (bpftrace 0.17's user
// time for the same: ~40 ms). Names are decoded when asked for.
import { readFileSync } from 'node:fs';
import { lastAtOrBelow } from './sorted.ts';

/** The function symbols (types t, T, w, W) of a kallsyms text, by address. */
export interface KernelSymbolTable {
  readonly text: Buffer;
  /** addresses, ascending */
  readonly addrs: BigUint64Array;
  /** where each one's name starts in `text` (it ends at a tab or a newline) */
  readonly nameAt: Uint32Array;
}

const NL = 0x0a;
const TAB = 0x09;
const SPACE = 0x20;

/** Each byte's value as a hex digit, or -1. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX[c.toString(16).charCodeAt(0)] = c;
  HEX[c.toString(16).toUpperCase().charCodeAt(0)] = c;
}

/**
 * Lines are `ADDRESS TYPE NAME[\t[MODULE]]`, the address in hex, 16 digits on 64-bit kernels: one pass over the
 * bytes, and a sort of the symbols after the first out of order only (sorting all ~120k took ~50 ms).
 */
export function parseKernelSymbols(text: Buffer): KernelSymbolTable {
  const len = text.length;
  // room for a line of 13 bytes or more (8 digits on 32-bit kernels, the type between spaces, a one-letter name,
  // the newline): only the pages the symbols fill are touched, and the arrays are cut to size below
  const room = Math.ceil(len / 13) + 1;
  let hi = new Uint32Array(room);
  let lo = new Uint32Array(room);
  let nameAt = new Uint32Array(room);
  let n = 0;
  let firstDescent = -1; // the first symbol below the one before it: the kernel's own are in order, modules' not
  let p = 0;
  while (p < len) {
    const line = p;
    // the address: up to 16 digits, high half first
    let h = 0;
    let l = 0;
    let d = HEX[text[p]!]!;
    while (d >= 0 && p < len) {
      h = ((h << 4) | (l >>> 28)) >>> 0;
      l = ((l << 4) | d) >>> 0;
      p++;
      d = p < len ? HEX[text[p]!]! : -1;
    }
    const digits = p - line;
    const type = text[p + 1]!;
    const well = digits > 0 && digits <= 16 && text[p] === SPACE && text[p + 2] === SPACE;
    const name = p + 3;
    while (p < len && text[p] !== NL) p++;
    const named = well && name < p && text[name] !== TAB;
    p++;
    // a malformed line, an address hidden (kptr_restrict: nothing to resolve), not a function (data symbols
    // would shadow code in stacks)
    if (!named || (h | l) === 0 || (type !== 0x74 && type !== 0x54 && type !== 0x77 && type !== 0x57)) continue;
    if (firstDescent < 0 && n > 0 && (h < hi[n - 1]! || (h === hi[n - 1]! && l < lo[n - 1]!))) firstDescent = n;
    hi[n] = h;
    lo[n] = l;
    nameAt[n] = name;
    n++;
  }
  hi = hi.slice(0, n);
  lo = lo.slice(0, n);
  nameAt = nameAt.slice(0, n);
  if (firstDescent < 0) return { text, addrs: joined(hi, lo), nameAt };
  // the rest (modules, BPF programs, ftrace trampolines) sorted, then merged with the ordered run before it; equal
  // addresses keep the file's order (the last of them is the one an address resolves to)
  const rest = Array.from({ length: n - firstDescent }, (_, i) => firstDescent + i);
  rest.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]!);
  const merged = { hi: new Uint32Array(n), lo: new Uint32Array(n), nameAt: new Uint32Array(n) };
  let a = 0;
  let b = 0;
  for (let k = 0; k < n; k++) {
    const r = rest[b];
    const i =
      a >= firstDescent || (r !== undefined && (hi[r]! < hi[a]! || (hi[r] === hi[a] && lo[r]! < lo[a]!)))
        ? rest[b++]!
        : a++;
    merged.hi[k] = hi[i]!;
    merged.lo[k] = lo[i]!;
    merged.nameAt[k] = nameAt[i]!;
  }
  return { text, addrs: joined(merged.hi, merged.lo), nameAt: merged.nameAt };
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The 64-bit values of high and low halves, laid out as the machine's words (no BigInt made for each). */
function joined(hi: Uint32Array, lo: Uint32Array): BigUint64Array {
  const words = new Uint32Array(hi.length * 2);
  const [h, l] = littleEndian ? [1, 0] : [0, 1];
  for (let i = 0; i < hi.length; i++) {
    words[2 * i + h] = hi[i]!;
    words[2 * i + l] = lo[i]!;
  }
  return new BigUint64Array(words.buffer);
}

/** The name of symbol `i` of the table. */
function nameOf(t: KernelSymbolTable, i: number): string {
  const start = t.nameAt[i]!;
  let end = start;
  while (end < t.text.length && t.text[end] !== TAB && t.text[end] !== NL) end++;
  return t.text.toString('latin1', start, end);
}

/** The function containing `addr` in table `t`, and the offset into it, if any. */
export function symbolAt(t: KernelSymbolTable, addr: bigint): { name: string; offset: bigint } | undefined {
  if (addr < 0n || addr > 0xffffffffffffffffn) return undefined;
  const i = lastAtOrBelow(t.addrs, addr);
  return i < 0 ? undefined : { name: nameOf(t, i), offset: addr - t.addrs[i]! };
}

/**
 * The address of the first symbol named `name` in a kallsyms text, functions and data alike, whose address is
 * not hidden (zero). A name is the text between ` TYPE ` and a tab or newline, so ` name\n` / ` name\t` can only
 * match a whole one.
 */
export function symbolAddress(text: Buffer, name: string): bigint | undefined {
  if (!name || /[\s]/.test(name)) return undefined;
  const needles = [Buffer.from(` ${name}\n`, 'latin1'), Buffer.from(` ${name}\t`, 'latin1')];
  const from = [0, 0];
  for (;;) {
    const hits = needles.map((x, k) => text.indexOf(x, from[k]));
    const k = hits[0]! < 0 ? 1 : hits[1]! < 0 ? 0 : hits[0]! < hits[1]! ? 0 : 1;
    const at = hits[k]!;
    if (at < 0) return undefined;
    from[k] = at + 1;
    // the type is a single character between two spaces, the address before it starts the line
    if (at < 2 || text[at - 2] !== SPACE) continue;
    const line = text.lastIndexOf(NL, at) + 1;
    const digits = text.toString('latin1', line, at - 2);
    if (!/^[0-9a-fA-F]{1,16}$/.test(digits)) continue;
    const addr = BigInt(`0x${digits}`);
    if (addr !== 0n) return addr;
  }
}

let kallsymsText: Buffer | undefined;
let kallsyms: KernelSymbolTable | undefined;

function text(): Buffer {
  kallsymsText ??= readFileSync('/proc/kallsyms');
  return kallsymsText;
}

/** The function containing a kernel address and the offset into it, if any. */
export function lookupKernelAddress(addr: bigint): { name: string; offset: bigint } | undefined {
  kallsyms ??= parseKernelSymbols(text());
  return symbolAt(kallsyms, addr);
}

/** `name+offset` for a kernel address (stack frames), or the address in hex when no symbol covers it. */
export function kernelSymbol(addr: bigint): string {
  const hit = lookupKernelAddress(addr);
  return hit ? `${hit.name}+${hit.offset}` : `0x${addr.toString(16)}`;
}

/** kaddr(name) */
export function kernelSymbolAddress(name: string): bigint | undefined {
  return symbolAddress(text(), name);
}
