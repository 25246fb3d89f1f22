// Kernel symbols from /proc/kallsyms, read once: address → function (stacks, ksym) and name → address (kaddr).
// The file (~120k lines, ~5 MB) is kept as bytes. The kernel's own symbols, the bulk of it, come first and in
// address order (the kernel's own lookups binary-search the same table), so an address is found by a binary search
// over the bytes, a few dozen lines read, instead of indexing every line first: that walk, cold at each start, was
// 20-40 ms of CPU for the first ksym() or kernel stack printed. Modules', BPF programs' and trampolines' symbols
// follow (each line names its `[module]`), out of order: those few are indexed and sorted. A script that resolves
// thousands of distinct addresses gets the whole table after all (FULL_TABLE_AFTER). Names are decoded when asked.
import { lastAtOrBelow } from './sorted.ts';
import { readUnsizedFile } from './unsized-file.ts';

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
 * bytes from `from` (a line's start), and a sort of the symbols after the first out of order only (sorting all
 * ~120k took ~50 ms).
 */
export function parseKernelSymbols(text: Buffer, from = 0): KernelSymbolTable {
  const len = text.length;
  // room for a line of 13 bytes or more (8 digits on 32-bit kernels, the type between spaces, a one-letter name,
  // the newline): only the pages the symbols fill are touched, and the arrays are cut to size below
  const room = Math.ceil((len - from) / 13) + 1;
  let hi = new Uint32Array(room);
  let lo = new Uint32Array(room);
  let nameAt = new Uint32Array(room);
  let n = 0;
  let firstDescent = -1; // the first symbol below the one before it: the kernel's own are in order, modules' not
  let p = from;
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
    if (!named || (h | l) === 0 || !isFunctionType(type)) continue;
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

/** Symbol types t, T, w and W: functions (data symbols would shadow code in stacks). */
function isFunctionType(type: number | undefined): boolean {
  return type === 0x74 || type === 0x54 || type === 0x77 || type === 0x57;
}

/** The name that starts at `start` of a kallsyms text: up to a tab (before `[module]`) or the line's end. */
function nameFrom(text: Buffer, start: number): string {
  let end = start;
  while (end < text.length && text[end] !== TAB && text[end] !== NL) end++;
  return text.toString('latin1', start, end);
}

/** The name of symbol `i` of the table. */
function nameOf(t: KernelSymbolTable, i: number): string {
  return nameFrom(t.text, t.nameAt[i]!);
}

/** The function containing `addr` in table `t`, and the offset into it, if any. */
export function symbolAt(t: KernelSymbolTable, addr: bigint): SymbolHit | undefined {
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

/** A symbol an address resolved to: its name and the address' offset into it. */
export interface SymbolHit {
  name: string;
  offset: bigint;
}

/** Distinct addresses resolved by binary search before the whole table is built instead (~3 µs each against ~20 ms). */
const FULL_TABLE_AFTER = 4096;
/** Lines stepped back over (data symbols, hidden addresses) before the whole table is asked instead. */
const MAX_STEP_BACK = 64;
/** coreSymbolAt's answer when the text is not as expected there: the whole table answers instead. */
const UNSURE = -2;

/**
 * Address → function over a kallsyms text, the same answers as symbolAt over parseKernelSymbols(text) (the last
 * function symbol at or below the address, of equal ones the last in the file), without indexing the kernel's own
 * symbols: they are binary-searched in the text (see the top of this file).
 */
export function symbolResolver(text: Buffer): (addr: bigint) => SymbolHit | undefined {
  const coreEnd = coreEndOf(text);
  const rest = parseKernelSymbols(text, coreEnd);
  const seen = new Map<bigint, SymbolHit | undefined>();
  let full: KernelSymbolTable | undefined;
  const whole = (addr: bigint) => symbolAt((full ??= parseKernelSymbols(text)), addr);
  return (addr) => {
    if (full) return symbolAt(full, addr);
    if (seen.has(addr)) return seen.get(addr);
    if (addr < 0n || addr > 0xffffffffffffffffn) return undefined;
    if (seen.size >= FULL_TABLE_AFTER) return whole(addr);
    const line = coreSymbolAt(text, coreEnd, addr);
    if (line === UNSURE) return whole(addr);
    let hit: SymbolHit | undefined;
    if (line >= 0) {
      const base = lineAddress(text, line)!;
      hit = { name: nameAtLine(text, line), offset: addr - base };
    }
    // a module's symbol at the same address or above wins: it comes later in the file
    const other = symbolAt(rest, addr);
    if (other && (!hit || other.offset <= hit.offset)) hit = other;
    seen.set(addr, hit);
    return hit;
  };
}

/** Where the kernel's own symbols end: the start of the first line naming a module (`\t[`), or the end. */
function coreEndOf(text: Buffer): number {
  const at = text.indexOf('\t[', 0, 'latin1');
  return at < 0 ? text.length : text.lastIndexOf(NL, at) + 1;
}

/**
 * The address of the line starting at `at` when it reads `ADDRESS T NAME` (up to 16 hex digits, a type between
 * spaces, a name), else undefined.
 */
function lineAddress(text: Buffer, at: number): bigint | undefined {
  let p = at;
  let h = 0;
  let l = 0;
  for (let d = HEX[text[p]!]!; d >= 0 && p - at < 16; d = HEX[text[++p]!]!) {
    h = ((h << 4) | (l >>> 28)) >>> 0;
    l = ((l << 4) | d) >>> 0;
  }
  if (p === at || text[p] !== SPACE || text[p + 2] !== SPACE) return undefined;
  const name = text[p + 3];
  if (name === undefined || name === TAB || name === NL) return undefined;
  return (BigInt(h) << 32n) | BigInt(l);
}

/** Whether the line at `at` (well formed) is a function symbol: type t, T, w or W. */
function isFunctionLine(text: Buffer, at: number): boolean {
  return isFunctionType(text[text.indexOf(SPACE, at) + 1]);
}

/** The name on the (well formed) line at `at`: after the address and the type. */
function nameAtLine(text: Buffer, at: number): string {
  return nameFrom(text, text.indexOf(SPACE, at) + 3);
}

/**
 * The start of the last function line in text[0, end) (address order) whose address is at or below `x` and not
 * hidden (zero); -1 if none; UNSURE where a line read is not a symbol line or the nearest function is far back.
 */
function coreSymbolAt(text: Buffer, end: number, x: bigint): number {
  if (end === 0) return -1;
  const first = lineAddress(text, 0);
  if (first === undefined) return UNSURE;
  if (first > x) return -1;
  // good: a line start whose address is <= x; every line starting at or after bad is above x (or past end)
  let good = 0;
  let bad = end;
  for (;;) {
    const mid = (good + bad) >>> 1;
    if (mid <= good) break;
    let s = mid;
    if (text[s - 1] !== NL) {
      const nl = text.indexOf(NL, s);
      s = nl < 0 || nl + 1 > end ? end : nl + 1;
    }
    if (s >= bad) {
      bad = mid;
      continue;
    }
    const a = lineAddress(text, s);
    if (a === undefined) return UNSURE;
    if (a <= x) good = s;
    else bad = s;
  }
  // back to the nearest function line: data symbols may sit between (CONFIG_KALLSYMS_ALL)
  for (let line = good, steps = 0; ; steps++) {
    const a = lineAddress(text, line);
    if (a === undefined || steps > MAX_STEP_BACK) return UNSURE;
    if (a === 0n) return -1; // hidden, as every one before it
    if (isFunctionLine(text, line)) return line;
    if (line === 0) return -1;
    line = text.lastIndexOf(NL, line - 2) + 1;
  }
}

let kallsymsBytes: Buffer | undefined;
let resolve: ((addr: bigint) => SymbolHit | undefined) | undefined;

/** /proc/kallsyms (~5 MB on a 6.x kernel). */
export function readKallsyms(): Buffer {
  return readUnsizedFile('/proc/kallsyms', 8 << 20);
}

/** /proc/kallsyms, read once and kept for the symbols asked later (and kprobes' functions where tracefs has none). */
export function kallsymsText(): Buffer {
  kallsymsBytes ??= readKallsyms();
  return kallsymsBytes;
}

/** The function containing a kernel address and the offset into it, if any. */
export function lookupKernelAddress(addr: bigint): SymbolHit | undefined {
  resolve ??= symbolResolver(kallsymsText());
  return resolve(addr);
}

/** `name+offset` for a kernel address (stack frames), or the address in hex when no symbol covers it. */
export function kernelSymbol(addr: bigint): string {
  const hit = lookupKernelAddress(addr);
  return hit ? `${hit.name}+${hit.offset}` : `0x${addr.toString(16)}`;
}

/** kaddr(name) */
export function kernelSymbolAddress(name: string): bigint | undefined {
  return symbolAddress(kallsymsText(), name);
}
