// Forward value analysis: what each register and each stack slot is known to hold before every instruction.
// A register may be a constant, the frame pointer plus an offset, or a map pseudo-load; a stack slot may hold a
// constant or the value still in some register. Facts die where they could be wrong: a register's when it is
// written, a slot's when a store overlaps it, when a helper that writes memory runs, or when a store goes
// through a pointer that might point into the stack (mayStack: any value derived from r10, or loaded from
// memory once the program has stored a stack pointer somewhere).
import {
  BPF_FUNC,
  BPF_JMP32,
  BPF_JEQ,
  BPF_JNE,
  BPF_MOV,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  isLabel,
} from '../asm/index.ts';
import type { AsmItem, Insn, Reg } from '../asm/index.ts';
import { forward, memoOn, type Cfg } from './cfg.ts';
import { foldAlu, signExt32 } from './fold-math.ts';
import {
  cls,
  isAlu,
  isAtomic,
  isCall,
  isCond,
  isHelperCall,
  isLdImm64,
  isLoad,
  isReg,
  isStore,
  memSize,
  op,
} from './insn-info.ts';

export type Val =
  | { readonly k: 'c'; readonly v: bigint } // a 64-bit constant, as an unsigned value
  | { readonly k: 's'; readonly off: number } // r10 + off
  | { readonly k: 'x' } // the program's context pointer (r1 at entry), read-only memory
  | { readonly k: 'm'; readonly map: string; readonly kind: 'fd' | 'value'; readonly offset: number };

export interface SlotFact {
  readonly off: number;
  readonly size: number;
  /** the bytes, read back at this size (zero-extended) */
  readonly c?: bigint;
  /** a register still holding the same 64 bits (8-byte slots only) */
  readonly r?: Reg;
}

export interface State {
  readonly regs: readonly (Val | undefined)[];
  /** bit r: register r may point into this frame's stack */
  readonly mayStack: number;
  readonly slots: ReadonlyMap<string, SlotFact>;
  /** copy[r] = q: register r holds the same 64 bits as register q (since a `r = q` neither has changed) */
  readonly copy: readonly (Reg | undefined)[];
  /** bits[r]: register r's value is below 2^bits[r] as an unsigned number (64: nothing known) */
  readonly bits: readonly number[];
  /** context loads whose value a register still holds, by `opcode:offset` */
  readonly ctx: ReadonlyMap<string, Reg>;
}

/** Helpers that write no memory through their arguments (so stack facts survive them). */
export const READ_ONLY_HELPERS: ReadonlySet<number> = new Set([1, 2, 3, 5, 7, 8, 14, 15, 25, 27, 35, 130]);

/**
 * Helpers that write memory only through one pointer argument, [ptr, ptr + size) with the size in another argument;
 * `full`: always all of it (probe_read clears the buffer when it fails), not so the string reads (they stop after
 * the terminating zero) nor get_current_comm where the kernel does not pad (6.1 copies with strscpy and leaves the
 * bytes after the name as they were, so a zeroed comm key must keep its zeroing stores; helperWrites' paddedComm).
 */
export const WRITE_HELPERS: Readonly<Record<number, { ptr: Reg; size: Reg; full: boolean }>> = {
  4: { ptr: 1, size: 2, full: true }, // probe_read(dst, size, src)
  16: { ptr: 1, size: 2, full: false }, // get_current_comm(buf, size)
  112: { ptr: 1, size: 2, full: true }, // probe_read_user
  113: { ptr: 1, size: 2, full: true }, // probe_read_kernel
  45: { ptr: 1, size: 2, full: false }, // probe_read_str
  114: { ptr: 1, size: 2, full: false }, // probe_read_user_str
  115: { ptr: 1, size: 2, full: false }, // probe_read_kernel_str
};

/**
 * The stack bytes a write helper call writes (at most), when its pointer and size are known; `paddedComm`: this
 * kernel's get_current_comm writes them all (OptimizeOptions.paddedComm).
 */
export function helperWrites(
  i: Insn,
  s: State,
  paddedComm = false,
): { off: number; size: number; full: boolean } | undefined {
  const w = isHelperCall(i) ? WRITE_HELPERS[i.imm] : undefined;
  if (!w) return undefined;
  const p = s.regs[w.ptr];
  const n = s.regs[w.size];
  if (p?.k !== 's' || n?.k !== 'c' || n.v > 512n) return undefined;
  const full = w.full || (paddedComm && i.imm === BPF_FUNC.get_current_comm);
  return { off: p.off, size: Number(n.v), full };
}

export const slotKey = (off: number, size: number): string => `${off}:${size}`;
const FP_BIT = 1 << 10;

export function valEq(a: Val | undefined, b: Val | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.k !== b.k) return false;
  if (a.k === 'c') return a.v === (b as typeof a).v;
  if (a.k === 's') return a.off === (b as typeof a).off;
  if (a.k === 'x') return true;
  const m = b as typeof a;
  return a.map === m.map && a.kind === m.kind && a.offset === m.offset;
}

function slotEq(a: SlotFact, b: SlotFact): boolean {
  return a.off === b.off && a.size === b.size && a.c === b.c && a.r === b.r;
}

const entry = (root: number): State => ({
  regs: Array.from({ length: 11 }, (_, r) => (root === 0 && r === 1 ? { k: 'x' as const } : undefined)),
  ctx: new Map(),
  mayStack: FP_BIT,
  slots: new Map(),
  copy: new Array(11).fill(undefined),
  bits: ALL_BITS,
});
const ALL_BITS: readonly number[] = new Array(11).fill(64);

/** Whether register r's upper 32 bits are known to be zero. */
export const zeroUpper = (s: State, r: number): boolean => s.bits[r]! <= 32;

/** The bits of an unsigned 64-bit constant (0 for 0). */
export function bitLength(v: bigint): number {
  if (v < 0x1_0000_0000n) return 32 - Math.clz32(Number(v));
  return 64 - Math.clz32(Number(v >> 32n));
}

/** What holds on both paths; `a` itself (or its parts) where nothing of it is lost, as is usual at a join. */
function meet(a: State, b: State): State {
  if (a === b) return a;
  let regs = a.regs;
  let copy = a.copy;
  for (let r = 0; r < 11; r++) {
    if (a.regs[r] !== undefined && !valEq(a.regs[r], b.regs[r])) {
      if (regs === a.regs) regs = [...a.regs];
      (regs as (Val | undefined)[])[r] = undefined;
    }
    if (a.copy[r] !== undefined && a.copy[r] !== b.copy[r]) {
      if (copy === a.copy) copy = [...a.copy];
      (copy as (Reg | undefined)[])[r] = undefined;
    }
  }
  const slots = meetSlots(a, b);
  const ctx = meetCtx(a, b);
  const mayStack = a.mayStack | b.mayStack;
  let bits = a.bits;
  for (let r = 0; r < 11; r++)
    if (b.bits[r]! > bits[r]!) {
      if (bits === a.bits) bits = [...a.bits];
      (bits as number[])[r] = b.bits[r]!;
    }
  if (
    regs === a.regs &&
    copy === a.copy &&
    slots === a.slots &&
    ctx === a.ctx &&
    mayStack === a.mayStack &&
    bits === a.bits
  )
    return a;
  return { regs, mayStack, slots, copy, bits, ctx };
}

// States share their maps until an item changes them, so most meets are of one map with itself
function meetSlots(a: State, b: State): ReadonlyMap<string, SlotFact> {
  if (a.slots === b.slots) return a.slots;
  let kept = true;
  a.slots.forEach((f, k) => {
    const g = b.slots.get(k);
    if (kept && !(g && slotEq(f, g))) kept = false;
  });
  if (kept) return a.slots;
  const slots = new Map<string, SlotFact>();
  for (const [k, f] of a.slots) {
    const g = b.slots.get(k);
    if (!g) continue;
    if (slotEq(f, g)) slots.set(k, f);
    else {
      const c = f.c === g.c ? f.c : undefined;
      const r = f.r === g.r ? f.r : undefined;
      if (c !== undefined || r !== undefined)
        slots.set(k, {
          off: f.off,
          size: f.size,
          ...(c !== undefined ? { c } : {}),
          ...(r !== undefined ? { r } : {}),
        });
    }
  }
  return slots;
}

function meetCtx(a: State, b: State): ReadonlyMap<string, Reg> {
  if (a.ctx === b.ctx) return a.ctx;
  let kept = true;
  a.ctx.forEach((r, k) => {
    if (kept && b.ctx.get(k) !== r) kept = false;
  });
  if (kept) return a.ctx;
  const ctx = new Map<string, Reg>();
  for (const [k, r] of a.ctx) if (b.ctx.get(k) === r) ctx.set(k, r);
  return ctx;
}

function equal(a: State, b: State): boolean {
  if (a === b) return true;
  if (a.mayStack !== b.mayStack || a.slots.size !== b.slots.size || a.ctx.size !== b.ctx.size) return false;
  if (a.bits !== b.bits) for (let r = 0; r < 11; r++) if (a.bits[r] !== b.bits[r]) return false;
  if (a.ctx !== b.ctx) for (const [k, r] of a.ctx) if (b.ctx.get(k) !== r) return false;
  for (let r = 0; r < 11; r++) if (a.copy[r] !== b.copy[r]) return false;
  for (let r = 0; r < 11; r++) if (!valEq(a.regs[r], b.regs[r])) return false;
  if (a.slots !== b.slots)
    for (const [k, f] of a.slots) {
      const g = b.slots.get(k);
      if (!g || !slotEq(f, g)) return false;
    }
  return true;
}

/** The stack offset an access through `base + off` touches, when base is known to be r10-relative. */
export function stackAddr(s: State, base: number, off: number): number | undefined {
  if (base === 10) return off;
  const v = s.regs[base];
  return v?.k === 's' ? v.off + off : undefined;
}

export const mayPointToStack = (s: State, r: number): boolean => (s.mayStack & (1 << r)) !== 0;

/**
 * The facts being changed by one item. Each part (registers, copies, slots, context) is copied only when the item
 * changes it, and an item that changes nothing gives back the state it was given: the analysis runs cold at every
 * start, where what it allocates is most of its cost (the young generation's scavenges).
 */
class Mut {
  private regs: readonly (Val | undefined)[];
  mayStack: number;
  private copy: readonly (Reg | undefined)[];
  private bits: readonly number[];
  private slots: ReadonlyMap<string, SlotFact>;
  private ctx: ReadonlyMap<string, Reg>;
  private ownRegs = false;
  private ownBits = false;
  private ownSlots = false;
  private ownCtx = false;
  constructor(private readonly from: State) {
    this.regs = from.regs;
    this.mayStack = from.mayStack;
    this.slots = from.slots;
    this.copy = from.copy;
    this.bits = from.bits;
    this.ctx = from.ctx;
  }
  private regsToChange(): { regs: (Val | undefined)[]; copy: (Reg | undefined)[] } {
    if (!this.ownRegs) {
      this.regs = [...this.regs];
      this.copy = [...this.copy];
      this.ownRegs = true;
    }
    return { regs: this.regs as (Val | undefined)[], copy: this.copy as (Reg | undefined)[] };
  }
  private slotsToChange(): Map<string, SlotFact> {
    if (!this.ownSlots) {
      this.slots = new Map(this.slots);
      this.ownSlots = true;
    }
    return this.slots as Map<string, SlotFact>;
  }
  private ctxToChange(): Map<string, Reg> {
    if (!this.ownCtx) {
      this.ctx = new Map(this.ctx);
      this.ownCtx = true;
    }
    return this.ctx as Map<string, Reg>;
  }
  setSlot(key: string, f: SlotFact): void {
    this.slotsToChange().set(key, f);
  }
  clearSlots(): void {
    if (this.slots.size === 0) return;
    this.slots = new Map();
    this.ownSlots = true;
  }
  setCtx(key: string, r: Reg): void {
    this.ctxToChange().set(key, r);
  }
  clearCtx(): void {
    if (this.ctx.size === 0) return;
    this.ctx = new Map();
    this.ownCtx = true;
  }
  /** r := v; `copyOf`: a register r now holds the same bits as; `width`: r's value is below 2^width */
  set(r: Reg, v: Val | undefined, mayStack: boolean, copyOf?: Reg, width = 64): void {
    if (copyOf === r) copyOf = undefined;
    let copied = false;
    for (let q = 0; q < 11 && !copied; q++) copied = this.copy[q] === r;
    if (this.regs[r] !== v || this.copy[r] !== copyOf || copied) {
      const { regs, copy } = this.regsToChange();
      regs[r] = v;
      if (copied) for (let q = 0; q < 11; q++) if (copy[q] === r) copy[q] = undefined;
      copy[r] = copyOf;
    }
    // (Map.forEach with a method and this: a for-of over entries, or a closure, allocates at each call in code that
    // is not optimized yet)
    this.target = r;
    if (this.ctx.size) this.ctx.forEach(this.forgetCtx, this);
    const w = v?.k === 'c' ? bitLength(v.v) : width;
    if (w === 0 && v === undefined) this.regsToChange().regs[r] = { k: 'c', v: 0n }; // nothing but 0 fits
    if (this.bits[r] !== w) {
      if (!this.ownBits) {
        this.bits = [...this.bits];
        this.ownBits = true;
      }
      (this.bits as number[])[r] = w;
    }
    this.mayStack = mayStack || v?.k === 's' ? this.mayStack | (1 << r) : this.mayStack & ~(1 << r);
    if (this.slots.size) this.slots.forEach(this.forgetSlotReg, this);
  }
  /** the register set() writes, or the bytes clobber() overwrites: for the forEach callbacks below */
  private target = 0;
  private span = 0;
  private forgetCtx(q: Reg, k: string): void {
    if (q === this.target) this.ctxToChange().delete(k);
  }
  private forgetSlotReg(f: SlotFact, k: string): void {
    if (f.r !== this.target) return;
    // the register no longer holds the slot's value: keep the constant, if any
    if (f.c !== undefined) this.slotsToChange().set(k, { off: f.off, size: f.size, c: f.c });
    else this.slotsToChange().delete(k);
  }
  private dropOverlapping(f: SlotFact, k: string): void {
    if (f.off < this.target + this.span && this.target < f.off + f.size) this.slotsToChange().delete(k);
  }
  clobber(off: number, size: number): void {
    this.target = off;
    this.span = size;
    if (this.slots.size) this.slots.forEach(this.dropOverlapping, this);
  }
  freeze(): State {
    const s = this.from;
    if (
      this.regs === s.regs &&
      this.slots === s.slots &&
      this.ctx === s.ctx &&
      this.mayStack === s.mayStack &&
      this.bits === s.bits
    )
      return s;
    return {
      regs: this.regs,
      mayStack: this.mayStack,
      slots: this.slots,
      copy: this.copy,
      bits: this.bits,
      ctx: this.ctx,
    };
  }
}

export interface ValueFacts {
  /** facts before each item (undefined: unreachable) */
  readonly before: readonly (State | undefined)[];
  /** a stack pointer was stored to memory somewhere: loaded values may point into the stack */
  readonly spilled: boolean;
}

export function analyzeValues(cfg: Cfg): ValueFacts {
  return memoOn(valueFacts, cfg, solveValues);
}
const valueFacts = new WeakMap<Cfg, ValueFacts>();

function solveValues(cfg: Cfg): ValueFacts {
  let before = run(cfg, false);
  if (!storesStackPointer(cfg.items, before)) return { before, spilled: false };
  before = run(cfg, true);
  return { before, spilled: true };
}

function storesStackPointer(items: readonly AsmItem[], before: readonly (State | undefined)[]): boolean {
  return items.some((it, i) => {
    const s = before[i];
    return !isLabel(it) && s !== undefined && cls(it) === 3 /* STX */ && mayPointToStack(s, it.src);
  });
}

function run(cfg: Cfg, spilled: boolean): (State | undefined)[] {
  return forward(
    cfg,
    { entry, meet, equal },
    (i, s) => step(cfg.items[i]!, s, spilled),
    (from, to, s) => edgeState(cfg, from, to, s),
  );
}

/** Along a branch that tests a register against a constant for equality, the register is that constant. */
/** The facts along the edge from item `from` to item `to`. */
export function edgeState(cfg: Cfg, from: number, to: number, s: State): State {
  const item = cfg.items[from]!;
  if (isLabel(item) || !isCond(item) || isReg(item) || cls(item) === BPF_JMP32) return s;
  if (cfg.labelAt.get(item.jumpTo!) === from + 1) return s; // both edges lead to the same place
  const taken = to !== from + 1;
  if ((op(item) === BPF_JEQ && taken) || (op(item) === BPF_JNE && !taken)) {
    // the register keeps its value (and every fact about it); only now it is known
    const v = BigInt.asUintN(64, BigInt(item.imm));
    const regs = [...s.regs];
    regs[item.dst] = { k: 'c', v };
    const bits = [...s.bits];
    bits[item.dst] = bitLength(v);
    return { ...s, regs, bits };
  }
  return s;
}

export function step(item: AsmItem, s: State, spilled: boolean): State {
  if (isLabel(item)) return s;
  const i = item;
  const m = new Mut(s);
  if (isAlu(i)) {
    const dst = i.dst;
    if (op(i) === BPF_MOV && isReg(i) && i.off === 0 && cls(i) === 7) {
      const src = i.src as Reg;
      m.set(
        dst,
        src === 10 ? { k: 's', off: 0 } : s.regs[src],
        mayPointToStack(s, src),
        src !== 10 ? (s.copy[src] ?? src) : undefined,
        src !== 10 ? s.bits[src] : 64,
      );
    } else {
      const v = aluResult(i, s);
      m.set(
        dst,
        v,
        isReg(i) ? mayPointToStack(s, i.src) || mayPointToStack(s, dst) : mayPointToStack(s, dst) && op(i) !== BPF_MOV,
        undefined,
        resultBits(i, s),
      );
    }
  } else if (isLdImm64(i)) {
    if (i.src === 0 && i.imm64 !== undefined) m.set(i.dst, { k: 'c', v: BigInt.asUintN(64, i.imm64) }, false);
    else if ((i.src === BPF_PSEUDO_MAP_FD || i.src === BPF_PSEUDO_MAP_VALUE) && i.mapRef)
      m.set(i.dst, { k: 'm', ...i.mapRef }, false);
    else m.set(i.dst, undefined, false);
  } else if (isLoad(i)) {
    const plain = (i.code & 0xe0) === 0x60;
    const key = s.regs[i.src]?.k === 'x' ? ctxKey(i) : undefined;
    const held = key !== undefined ? s.ctx.get(key) : undefined;
    if (held !== undefined) m.set(i.dst, s.regs[held], false, s.copy[held] ?? held, s.bits[held]);
    else m.set(i.dst, loadResult(i, s), spilled, undefined, plain ? loadBits(i, s) : 64);
    if (key !== undefined && i.dst !== 10) m.setCtx(key, i.dst);
  } else if (isStore(i)) {
    if (s.regs[i.dst]?.k !== 's' && i.dst !== 10) m.clearCtx(); // the context is read-only; anything else: forget
    const size = memSize(i);
    const at = stackAddr(s, i.dst, i.off);
    if (at !== undefined) {
      m.clobber(at, size);
      const fact = storeFact(i, s, at, size);
      if (fact) m.setSlot(slotKey(at, size), fact);
    } else if (mayPointToStack(s, i.dst)) m.clearSlots();
  } else if (isAtomic(i)) {
    if (s.regs[i.dst]?.k !== 's' && i.dst !== 10) m.clearCtx();
    const at = stackAddr(s, i.dst, i.off);
    if (at !== undefined) m.clobber(at, memSize(i));
    else if (mayPointToStack(s, i.dst)) m.clearSlots();
    // fetch forms and cmpxchg write these
    m.set(0, undefined, spilled);
    m.set(i.src as Reg, undefined, spilled);
  } else if (isCall(i)) {
    // a helper, a subprogram or a kernel function (kfunc): r0–r5 change
    if (!(isHelperCall(i) && (READ_ONLY_HELPERS.has(i.imm) || WRITE_HELPERS[i.imm]))) m.clearCtx();
    const w = helperWrites(i, s);
    if (w) {
      // it writes there and nowhere else, unless another argument may point into the stack too
      m.clobber(w.off, w.size);
      for (const r of [1, 2, 3, 4, 5]) if (r !== WRITE_HELPERS[i.imm]!.ptr && mayPointToStack(s, r)) m.clearSlots();
    } else if (!(isHelperCall(i) && READ_ONLY_HELPERS.has(i.imm))) m.clearSlots();
    for (let r = 1; r <= 5; r++) m.set(r as Reg, undefined, false);
    m.set(0, undefined, !isHelperCall(i)); // helpers never return stack pointers; a subprogram might return its argument
  }
  return m.freeze();
}

/**
 * How many low bits an ALU op's result may have set (its value is below 2^n), from what is known of its operands:
 * a mask or a load's size bounds a value, and a shift or a narrower op keeps the bound (64: nothing known).
 */
export function resultBits(i: Insn, s: State): number {
  const dst = s.bits[i.dst]!;
  const is64 = cls(i) === 7;
  const src = isReg(i)
    ? s.bits[i.src]!
    : bitLength(is64 ? BigInt.asUintN(64, signExt32(i.imm)) : BigInt.asUintN(32, BigInt(i.imm)));
  const k = isReg(i) ? undefined : i.imm & (is64 ? 63 : 31);
  const w = is64 ? 64 : 32;
  let n: number;
  switch (op(i)) {
    case BPF_MOV:
      n = i.off === 0 ? src : 64; // movsx: a negative value is all ones above
      break;
    case 0x50: // and
      n = Math.min(dst, src);
      break;
    case 0x40: // or
    case 0xa0: // xor
      n = Math.max(dst, src);
      break;
    case 0x70: // rsh
      n = k === undefined ? dst : Math.max(0, Math.min(dst, w) - k);
      break;
    case 0xc0: // arsh: as rsh while the sign bit is clear
      n = dst < w ? (k === undefined ? dst : Math.max(0, dst - k)) : 64;
      break;
    case 0x60: // lsh
      n = k !== undefined && (dst === 0 || dst + k <= w) ? (dst === 0 ? 0 : dst + k) : 64;
      break;
    case 0x00: // add
      n = Math.max(dst, src) + 1;
      break;
    case 0x20: // mul
      n = dst === 0 || src === 0 ? 0 : dst + src;
      break;
    case 0x30: // div
      n = i.off === 0 ? dst : 64;
      break;
    case 0xd0: // a byte swap (or endianness conversion) is as wide as its immediate, 32-bit class or not
      return i.imm === 16 || i.imm === 32 ? i.imm : 64;
    case 0x90: // mod: below the divisor, or the dividend itself where the divisor may be 0
      n = i.off !== 0 ? 64 : isReg(i) || i.imm === 0 ? dst : Math.min(dst, src);
      break;
    default:
      n = 64;
  }
  return Math.min(n, w); // a 32-bit op zero-extends its result
}

/** A context load's identity: its opcode (size, sign extension) and offset. */
export const ctxKey = (i: Insn): string => `${i.code}:${i.off}`;

function operand(i: Insn, s: State): bigint | undefined {
  if (!isReg(i)) return BigInt.asUintN(64, BigInt(i.imm));
  const v = s.regs[i.src];
  return v?.k === 'c' ? v.v : undefined;
}

export function aluResult(i: Insn, s: State): Val | undefined {
  const d = s.regs[i.dst];
  const b = operand(i, s);
  const is64 = cls(i) === 7;
  if (op(i) === BPF_MOV) {
    if (i.off !== 0) return undefined; // movsx
    return b === undefined ? undefined : { k: 'c', v: is64 ? b : BigInt.asUintN(32, b) };
  }
  if (d?.k === 's' && is64 && b !== undefined && !isReg(i)) {
    if (op(i) === 0x00) return { k: 's', off: d.off + i.imm }; // add
    if (op(i) === 0x10) return { k: 's', off: d.off - i.imm }; // sub
  }
  if (d?.k === 'c') {
    const v = foldAlu(i, d.v, b);
    if (v !== undefined) return { k: 'c', v };
  }
  return resultBits(i, s) === 0 ? { k: 'c', v: 0n } : undefined; // e.g. a 16-bit value shifted right by 32
}

/** The bits a plain load may set: its size's, or fewer when it reloads a register's value from the stack. */
function loadBits(i: Insn, s: State): number {
  const size = memSize(i);
  const at = size === 8 ? stackAddr(s, i.src, i.off) : undefined;
  const f = at !== undefined ? s.slots.get(slotKey(at, 8)) : undefined;
  return f?.r !== undefined ? s.bits[f.r]! : size * 8;
}

function loadResult(i: Insn, s: State): Val | undefined {
  const at = stackAddr(s, i.src, i.off);
  if (at === undefined) return undefined;
  const f = s.slots.get(slotKey(at, memSize(i)));
  if (!f) return undefined;
  if (f.c !== undefined) return { k: 'c', v: f.c };
  if (f.r !== undefined) return s.regs[f.r];
  return undefined;
}

function storeFact(i: Insn, s: State, off: number, size: number): SlotFact | undefined {
  const bits = BigInt(size * 8);
  if (cls(i) === 2) return { off, size, c: BigInt.asUintN(Number(bits), signExt32(i.imm)) }; // st imm
  const v = s.regs[i.src];
  const c = v?.k === 'c' ? BigInt.asUintN(Number(bits), v.v) : undefined;
  const r = size === 8 && i.src !== 10 ? (i.src as Reg) : undefined;
  if (c === undefined && r === undefined) return undefined;
  return { off, size, ...(c !== undefined ? { c } : {}), ...(r !== undefined ? { r } : {}) };
}
