// Small building blocks for values in registers and stack slots, shared by the expression dispatcher,
// the map code and the builtin rows.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  alu64Imm,
  call,
  ldImm64,
  ldx,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  type Reg,
  type Size,
} from '../asm/index.ts';
import type { Expr, Type } from '../../lang/index.ts';
import { addrOf, inScratch, ldSlot, stSlot, stxSlot, type Gen } from './context.ts';

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

export function fitsImm32(v: bigint): boolean {
  return v >= I32_MIN && v <= I32_MAX;
}

/** Loads a 64-bit constant into a register, with the short form when it fits. */
export function loadConst(g: Gen, reg: Reg, v: bigint): void {
  const s = BigInt.asIntN(64, v);
  if (fitsImm32(s)) g.e.emit(mov64Imm(reg, Number(s)));
  else g.e.emit(ldImm64(reg, BigInt.asUintN(64, v)));
}

/**
 * Keeps the invariant that an integer in a register holds its type's value extended to 64 bits
 * (zero-extended when unsigned, sign-extended when signed): wrap-around and casts happen here.
 */
export function normalize(g: Gen, t: Type): void {
  if (t.kind !== 'int' || t.bits === 64) return;
  if (!t.signed) {
    if (t.bits === 32) g.e.emit(mov32Reg(R0, R0));
    else g.e.emit(alu64Imm('and', R0, t.bits === 16 ? 0xffff : 0xff));
    return;
  }
  g.e.emit(alu64Imm('lsh', R0, 64 - t.bits), alu64Imm('arsh', R0, 64 - t.bits));
}

/** r0 = a value the checker already computed (kaddr(), cgroupid(), a signal's number); false when it did not. */
export function emitConstant(g: Gen, x: Expr): boolean {
  const v = g.shared.checked.constants.get(x);
  if (v === undefined) return false;
  loadConst(g, R0, v);
  return true;
}

/** Zeroes `size` bytes (a multiple of 8 is assumed by rounding up) at r10+off. */
export function zeroStack(g: Gen, off: number, size: number): void {
  for (let i = 0; i < size; i += 8) g.e.emit(stSlot(8, off + i, 0));
}

/**
 * Stores literal bytes at r10+off in whole words, zero words and the NUL-padded tail too: for a slot nothing
 * zeroed (a format the kernel reads to its last byte).
 */
export function storeWords(g: Gen, bytes: Uint8Array, off: number): void {
  zeroStack(g, off + Math.floor(bytes.length / 8) * 8, bytes.length % 8 ? 8 : 0);
  storeBytes(g, bytes, off);
}

/** Stores literal bytes at r10+off, 8 at a time (the slot was zeroed, so a short tail is NUL-padded). */
export function storeBytes(g: Gen, bytes: Uint8Array, off: number): void {
  for (let i = 0; i < bytes.length; i += 8) {
    let word = 0n;
    for (let j = 0; j < 8 && i + j < bytes.length; j++) word |= BigInt(bytes[i + j]!) << BigInt(8 * j);
    if (word === 0n) continue;
    loadConst(g, R1, word);
    g.e.emit(stxSlot(8, off + i, R1));
  }
}

/** The loads that cover `bytes` bytes from their start: 8 at a time, then what is left in 4, 2 and 1. */
export function pieces(bytes: number): { at: number; size: Size }[] {
  const out: { at: number; size: Size }[] = [];
  for (let at = 0; at < bytes;) {
    const left = bytes - at;
    const size = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    out.push({ at, size });
    at += size;
  }
  return out;
}

/**
 * Values at least this big in scratch space (strings at max_strlen 1024) are zeroed and copied by the kernel, one
 * bpf_probe_read_kernel call (4-5 instructions) instead of a store, or a load and a store, a word: 129 or 258
 * instructions for a 1 KiB string. Reading from address 0 fails, and the helper then zeroes its buffer (as
 * bpftrace v0.26 zeroes and copies past 512 bytes).
 */
const BULK_FROM = 256;

/**
 * Zeroes a value's slot, through the kernel when it is big and in scratch space: r0-r5 are then the helper's.
 * For where a value's computation starts (emitInto), which keeps nothing in those registers.
 */
export function zeroValue(g: Gen, off: number, size: number): void {
  if (size < BULK_FROM || !inScratch(off)) return zeroStack(g, off, size);
  g.e.emit(...addrOf(R1, off), mov64Imm(R2, size), mov64Imm(R3, 0), call(helper.probe_read_kernel));
}

/** Copies a value between slots as copyStack does, through the kernel when big and both in scratch (see zeroValue). */
export function copyValue(g: Gen, from: number, to: number, size: number): void {
  if (size < BULK_FROM || !inScratch(from) || !inScratch(to)) return copyStack(g, from, to, size);
  g.e.emit(...addrOf(R1, to), mov64Imm(R2, size), ...addrOf(R3, from), call(helper.probe_read_kernel));
}

/** Copies `size` bytes from the address in `src` (a map value) to a slot, through the kernel when big (see zeroValue). */
export function copyFromPointer(g: Gen, src: Reg, to: number, size: number): void {
  if (size < BULK_FROM || !inScratch(to)) {
    for (let i = 0; i < size; i += 8) g.e.emit(ldx(8, R1, src, i), stxSlot(8, to + i, R1));
    return;
  }
  g.e.emit(mov64Reg(R3, src), ...addrOf(R1, to), mov64Imm(R2, size), call(helper.probe_read_kernel));
}

/** Copies `size` bytes between stack slots, 8 at a time (slots are 8-byte multiples). */
export function copyStack(g: Gen, from: number, to: number, size: number): void {
  for (let i = 0; i < size; i += 8) g.e.emit(ldSlot(8, R1, from + i), stxSlot(8, to + i, R1));
}

/** The size a string-like operand occupies (an integer counts as 8 bytes). */
export function sizeOfString(t: Type): number {
  return t.kind === 'string' ? t.size : 8;
}
