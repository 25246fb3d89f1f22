// Constant folding and propagation, store-to-load forwarding and redundant setup removal, all from the value
// analysis: an ALU op on known operands becomes a move of the result, a register operand known constant becomes
// the immediate, a decided branch becomes a jump (or nothing), a reload of a stack slot whose value is still in a
// register or known becomes a move, and a move (or frame-pointer pair, or map load) of what a register already
// holds goes. Each rewritten instruction keeps its source span.
import {
  BPF_ALU64,
  BPF_JA,
  BPF_JMP,
  BPF_MOV,
  BPF_ST,
  BPF_X,
  BPF_MEM,
  isLabel,
  mov64Imm,
  mov64Reg,
  type AsmItem,
  type Insn,
  type Reg,
} from '../asm/index.ts';
import { buildCfg } from './cfg.ts';
import { asImm64, foldCond, foldCondBelow, signExt32 } from './fold-math.ts';
import {
  cls,
  isAlu,
  isAtomic,
  isCond,
  isLdImm64,
  isLoad,
  isReg,
  isStore,
  memSize,
  op,
  readsSrcReg,
} from './insn-info.ts';
import {
  aluResult,
  analyzeValues,
  ctxKey,
  mayPointToStack,
  slotKey,
  stackAddr,
  valEq,
  zeroUpper,
  type State,
} from './values.ts';

export interface PassResult {
  readonly items: AsmItem[];
  readonly changed: boolean;
}

const keep = (old: Insn, insn: Insn): Insn => (old.span ? { ...insn, span: old.span } : insn);

export function foldConstants(items: readonly AsmItem[]): PassResult {
  const cfg = buildCfg(items);
  const { before } = analyzeValues(cfg);
  const out: AsmItem[] = [];
  let changed = false;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const s = before[i];
    if (isLabel(it) || s === undefined) {
      out.push(it);
      continue;
    }
    // `rX = r10; rX += K` when rX already is r10 + K: both go
    const next = items[i + 1];
    if (next && !isLabel(next) && isFramePair(it, next) && valEq(s.regs[it.dst], { k: 's', off: next.imm })) {
      i++;
      changed = true;
      continue;
    }
    // rX += a; rX += b  →  rX += a + b
    if (next && !isLabel(next) && isAddImm(it) && isAddImm(next) && next.dst === it.dst) {
      const sum = asImm64(BigInt.asUintN(64, BigInt(it.imm) + BigInt(next.imm)));
      if (sum !== undefined) {
        out.push({ ...it, imm: sum });
        i++;
        changed = true;
        continue;
      }
    }
    const r = rewrite(it, s);
    if (r === it) out.push(it);
    else {
      changed = true;
      if (r) out.push(keep(it, r));
    }
  }
  return { items: out, changed };
}

const isAddImm = (i: Insn): boolean => i.code === BPF_ALU64 /* add K */ && i.off === 0;

function isFramePair(a: Insn, b: Insn): boolean {
  return (
    a.code === (BPF_ALU64 | BPF_MOV | BPF_X) &&
    a.off === 0 &&
    a.src === 10 &&
    b.code === BPF_ALU64 /* add K */ &&
    b.dst === a.dst &&
    b.off === 0
  );
}

/** The instruction to keep instead (the same object when nothing changes), or undefined to drop it. */
function rewrite(i: Insn, s: State): Insn | undefined {
  if (isAlu(i)) return rewriteAlu(i, s);
  if (isLdImm64(i)) {
    const now = s.regs[i.dst];
    if (i.src === 0 && i.imm64 !== undefined && valEq(now, { k: 'c', v: BigInt.asUintN(64, i.imm64) }))
      return undefined;
    if (i.mapRef && valEq(now, { k: 'm', ...i.mapRef })) return undefined;
    const imm = i.src === 0 && i.imm64 !== undefined ? asImm64(BigInt.asUintN(64, i.imm64)) : undefined;
    return imm === undefined ? i : mov64Imm(i.dst, imm); // one slot instead of two
  }
  if (isLoad(i) && i.code === (0x01 | BPF_MEM | (i.code & 0x18))) {
    const r = rewriteLoad(i, s);
    return r === i ? viaOrigin(i, s) : r;
  }
  if (isStore(i) && cls(i) === 3) return viaOrigin(rewriteStore(i, s), s);
  if (isLoad(i) || isStore(i) || isAtomic(i)) return viaOrigin(i, s);
  if (isCond(i)) return rewriteCond(i, s);
  return i;
}

/**
 * A memory access through a copy of a pointer goes through the original (a copy's verifier state is the
 * original's: same type, offset and id), so the copy may die — `r6 = r1; r0 = *(r6 + 8)` reads through r1.
 */
function viaOrigin(i: Insn, s: State): Insn {
  const base = isLoad(i) ? i.src : i.dst;
  const o = s.copy[base];
  if (o === undefined) return i;
  return isLoad(i) ? { ...i, src: o } : { ...i, dst: o };
}

function rewriteAlu(i: Insn, s: State): Insn | undefined {
  const is64 = cls(i) === 7;
  const now = s.regs[i.dst];
  const v = aluResult(i, s);
  if (v?.k === 'c') {
    // the register already holds the result: nothing to do (64-bit only: a 32-bit op also zero-extends)
    if (is64 && valEq(now, v)) return undefined;
    if (!is64 && now?.k === 'c' && now.v === v.v) return undefined;
    const imm = asImm64(v.v);
    if (imm !== undefined) return op(i) === BPF_MOV && !isReg(i) ? i : mov64Imm(i.dst, imm);
    if (!is64) return { ...i, code: 0x04 | BPF_MOV, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v.v)) }; // mov32 K
    return i;
  }
  const alg = algebra(i, s);
  if (alg !== i) return alg;
  const movReg = op(i) === BPF_MOV && isReg(i) && i.off === 0;
  if (movReg && !is64 && zeroUpper(s, i.src)) {
    // wA = wB of a value whose upper half is zero: a plain copy (or nothing)
    return i.src === i.dst ? undefined : mov64Reg(i.dst, i.src as Reg);
  }
  if (movReg && is64 && (i.src === i.dst || s.copy[i.dst] === i.src || s.copy[i.src] === i.dst)) return undefined;
  if (readsSrcReg(i)) {
    const src = s.regs[i.src];
    if (src?.k === 'c') {
      // a shift by a register takes the count modulo the width; an immediate count must be below it
      const o = op(i);
      const count = o === 0x60 || o === 0x70 || o === 0xc0 ? src.v & BigInt(is64 ? 63 : 31) : src.v;
      const imm = is64 ? asImm64(count) : Number(BigInt.asIntN(32, count));
      // (not movsx, whose immediate form does not exist, nor a division by 0, which the verifier refuses as an
      // immediate and the kernel defines for a register)
      const divByZero = imm === 0 && (op(i) === 0x30 || op(i) === 0x90);
      if (imm !== undefined && !(op(i) === BPF_MOV && i.off !== 0) && !divByZero)
        return { ...i, code: i.code & ~BPF_X, src: 0, imm };
    }
    // a copy's origin instead of the copy, so the copy may die
    const origin = s.copy[i.src];
    if (origin !== undefined && origin !== i.dst && !(movReg && is64 && origin === i.dst)) return { ...i, src: origin };
  }
  return i;
}

/** x + 0, x * 1, x & -1 … leave x as it is (32-bit: only when x's upper half is already zero); x & 0, x * 0 are 0. */
function algebra(i: Insn, s: State): Insn | undefined {
  if (op(i) === BPF_MOV || op(i) === 0x80 || op(i) === 0xd0) return i;
  const d = s.regs[i.dst];
  if (cls(i) === 7 && isReg(i) && d?.k === 'c' && d.v === 0n && (op(i) === 0x00 || op(i) === 0x40 || op(i) === 0xa0))
    return mov64Reg(i.dst, i.src as Reg); // 0 + x, 0 | x, 0 ^ x
  const b = isReg(i) ? (s.regs[i.src]?.k === 'c' ? (s.regs[i.src] as { v: bigint }).v : undefined) : signExt32(i.imm);
  if (b === undefined) return i;
  const is64 = cls(i) === 7;
  const w = is64 ? 64 : 32;
  const v = BigInt.asUintN(w, b);
  const ones = (1n << BigInt(w)) - 1n;
  const o = op(i);
  if ((o === 0x50 /* and */ || o === 0x20) /* mul */ && v === 0n) return mov64Imm(i.dst, 0);
  const identity =
    ((o === 0x00 || o === 0x10 || o === 0x40 || o === 0xa0) && v === 0n) || // add sub or xor
    ((o === 0x60 || o === 0x70 || o === 0xc0) && v === 0n) || // shifts by 0
    ((o === 0x20 || (o === 0x30 && (i.off === 0 || i.off === 1))) && v === 1n) || // mul, div by 1
    (o === 0x50 && v === ones); // and all ones
  // x & mask where x has no bit outside the mask (a value masked or loaded narrower before)
  const masked = o === 0x50 && (((1n << BigInt(Math.min(s.bits[i.dst]!, w))) - 1n) & ~v) === 0n;
  if (!identity && !masked) return i;
  return is64 || zeroUpper(s, i.dst) ? undefined : i;
}

function rewriteLoad(i: Insn, s: State): Insn | undefined {
  if (s.regs[i.src]?.k === 'x') {
    // the context does not change while the program runs: a value loaded from it before is still in a register
    const held = s.ctx.get(ctxKey(i));
    if (held === undefined) return i;
    return held === i.dst ? undefined : mov64Reg(i.dst, held);
  }
  const at = stackAddr(s, i.src, i.off);
  if (at === undefined) return i;
  const f = s.slots.get(slotKey(at, memSize(i)));
  if (!f) return i;
  if (f.c !== undefined) {
    const imm = asImm64(f.c);
    if (imm !== undefined) return mov64Imm(i.dst, imm);
  }
  if (f.r !== undefined) return f.r === i.dst ? undefined : mov64Reg(i.dst, f.r);
  return i;
}

/** A register store of a known constant becomes an immediate store (8-aligned on the stack, as the verifier then tracks it). */
function rewriteStore(i: Insn, s: State): Insn {
  const v = s.regs[i.src];
  if (v?.k !== 'c') {
    const origin = s.copy[i.src];
    return origin !== undefined ? { ...i, src: origin } : i;
  }
  const size = memSize(i);
  const imm = size === 8 ? asImm64(v.v) : Number(BigInt.asIntN(32, v.v));
  if (imm === undefined) return i;
  const at = stackAddr(s, i.dst, i.off);
  if (at !== undefined ? at % 8 !== 0 : mayPointToStack(s, i.dst)) return i; // the stack: aligned only
  return { ...i, code: BPF_ST | BPF_MEM | (i.code & 0x18), src: 0, imm };
}

function rewriteCond(i: Insn, s: State): Insn | undefined {
  const folded = foldCondInsn(i, s);
  if (folded !== i) return folded;
  // compare a copy's origin, so the copy may die (the verifier links registers copied from each other, so the
  // range this narrows reaches both)
  const d = s.copy[i.dst];
  const o = isReg(i) ? s.copy[i.src] : undefined;
  if (d === undefined && o === undefined) return i;
  return { ...i, dst: d ?? i.dst, ...(o !== undefined ? { src: o } : {}) };
}

function foldCondInsn(i: Insn, s: State): Insn | undefined {
  const d = s.regs[i.dst];
  const b = isReg(i) ? s.regs[i.src] : undefined;
  const src = isReg(i) ? (b?.k === 'c' ? b.v : undefined) : signExt32(i.imm);
  const taken =
    src === undefined ? undefined : d?.k === 'c' ? foldCond(i, d.v, src) : foldCondBelow(i, s.bits[i.dst]!, src);
  if (taken === true) return { ...i, code: BPF_JMP | BPF_JA, dst: 0, src: 0, off: 0, imm: 0 };
  if (taken === false) return undefined;
  if (isReg(i) && b?.k === 'c') {
    const imm = cls(i) === 6 ? Number(BigInt.asIntN(32, b.v)) : asImm64(b.v);
    if (imm !== undefined) return { ...i, code: i.code & ~BPF_X, src: 0, imm };
  }
  return i;
}
