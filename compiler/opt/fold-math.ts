// The arithmetic of BPF instructions on known constants, exactly as the kernel's interpreter computes it:
// 64-bit ops wrap at 2^64, 32-bit ops work on the low halves and zero-extend, division by zero gives 0 and
// modulo by zero leaves the dividend, shifts take the count modulo the width.
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
  type Insn,
} from '../asm/index.ts';
import { cls, isReg, op } from './insn-info.ts';

export const signExt32 = (imm: number): bigint => BigInt.asUintN(64, BigInt(imm | 0));

/** Whether a 64-bit value can be an instruction's sign-extended 32-bit immediate (and that immediate). */
export function asImm64(v: bigint): number | undefined {
  const s = BigInt.asIntN(64, v);
  return s >= -0x8000_0000n && s <= 0x7fff_ffffn ? Number(s) : undefined;
}

/** dst op src for an ALU instruction, or undefined when the kernel's result is not computed here. */
export function foldAlu(i: Insn, dst: bigint, src: bigint | undefined): bigint | undefined {
  const w = cls(i) === 7 ? 64 : 32;
  const u = (x: bigint) => BigInt.asUintN(w, x);
  const sgn = (x: bigint) => BigInt.asIntN(w, x);
  const a = u(dst);
  if (op(i) === BPF_NEG) return BigInt.asUintN(64, u(-a));
  if (src === undefined) return undefined;
  const b = u(src);
  const signed = i.off === 1;
  let r: bigint;
  switch (op(i)) {
    case BPF_ADD:
      r = a + b;
      break;
    case BPF_SUB:
      r = a - b;
      break;
    case BPF_MUL:
      r = a * b;
      break;
    case BPF_DIV:
      if (b === 0n) r = 0n;
      else if (signed)
        r = sgn(a) / sgn(b); // BigInt division truncates toward zero, as BPF's sdiv
      else r = a / b;
      break;
    case BPF_MOD:
      if (b === 0n) r = a;
      else if (signed)
        r = sgn(a) % sgn(b); // sign of the dividend, as BPF's smod
      else r = a % b;
      break;
    case BPF_OR:
      r = a | b;
      break;
    case BPF_AND:
      r = a & b;
      break;
    case BPF_XOR:
      r = a ^ b;
      break;
    case BPF_LSH:
      r = a << (b & BigInt(w - 1));
      break;
    case BPF_RSH:
      r = a >> (b & BigInt(w - 1));
      break;
    case BPF_ARSH:
      r = sgn(a) >> (b & BigInt(w - 1));
      break;
    default:
      return undefined; // mov is handled by the caller; end (byte swaps) is left alone
  }
  if ((op(i) === BPF_DIV || op(i) === BPF_MOD) && i.off !== 0 && i.off !== 1) return undefined;
  return u(r);
}

/** The outcome of a conditional jump on known operands. */
export function foldCond(i: Insn, dst: bigint, src: bigint): boolean | undefined {
  const w = cls(i) === BPF_JMP32 ? 32 : 64;
  const a = BigInt.asUintN(w, dst);
  const b = BigInt.asUintN(w, src);
  const sa = BigInt.asIntN(w, dst);
  const sb = BigInt.asIntN(w, src);
  switch (op(i)) {
    case BPF_JEQ:
      return a === b;
    case BPF_JNE:
      return a !== b;
    case BPF_JGT:
      return a > b;
    case BPF_JGE:
      return a >= b;
    case BPF_JLT:
      return a < b;
    case BPF_JLE:
      return a <= b;
    case BPF_JSGT:
      return sa > sb;
    case BPF_JSGE:
      return sa >= sb;
    case BPF_JSLT:
      return sa < sb;
    case BPF_JSLE:
      return sa <= sb;
    case BPF_JSET:
      return (a & b) !== 0n;
  }
  return undefined;
}

/**
 * The outcome of a conditional jump whose register holds some value below 2^bits (unsigned), when every such
 * value gives the same one: `x & 0xffff` is never negative, never 65536 or more.
 */
export function foldCondBelow(i: Insn, bits: number, src: bigint): boolean | undefined {
  const w = cls(i) === BPF_JMP32 ? 32 : 64;
  if (bits >= w) return undefined;
  const hi = (1n << BigInt(bits)) - 1n; // the largest value; the least is 0, and both are non-negative at width w
  const b = BigInt.asUintN(w, src);
  switch (op(i)) {
    case BPF_JEQ:
      return b > hi ? false : undefined;
    case BPF_JNE:
      return b > hi ? true : undefined;
    case BPF_JSET:
      return (b & hi) === 0n ? false : undefined;
  }
  // an ordering, signed or not, is monotone over [0, hi]: where both ends answer alike, every value does
  const least = foldCond(i, 0n, src);
  return least !== undefined && least === foldCond(i, hi, src) ? least : undefined;
}

/** The second operand of a jump or ALU instruction as a 64-bit value: the immediate sign-extended, or undefined for a register. */
export function immOperand(i: Insn): bigint | undefined {
  return isReg(i) ? undefined : signExt32(i.imm);
}
