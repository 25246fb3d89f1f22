// Turns assembly items into the kernel's 8-byte instruction slots: resolves
// labels, splits ld_imm64 over two slots, and reports map relocations and a
// per-slot source map. Every error here is a compiler bug, so they throw, except a jump too far for its
// 16-bit offset: a big enough script makes one, so that error says which instruction (JumpRangeError).

import type { Span } from '../../lang/index.ts';
import { isLabel, type AsmItem, type CoreRef, type Insn } from './insn.ts';
import { LD_IMM64 } from './opcodes.ts';

export interface Relocation {
  readonly insn: number; // slot index of the ld_imm64's first slot
  readonly map: string;
  readonly kind: 'fd' | 'value';
  readonly offset: number;
}

/** A CO-RE field offset (Insn.coreRef) at slot `insn`. */
export interface CoreRelocation extends CoreRef {
  readonly insn: number;
}

export interface Encoded {
  readonly bytes: Uint8Array;
  readonly slots: number;
  readonly relocations: readonly Relocation[];
  readonly sourceMap: readonly (Span | undefined)[]; // one per slot; both ld_imm64 slots share its span
  /** the slot each label names (where subprograms start, for func_info) */
  readonly labels: ReadonlyMap<string, number>;
  /** the instructions that carry a CO-RE reference (only code generated for an object file has any) */
  readonly coreRelocations: readonly CoreRelocation[];
}

const SLOT = 8;

function slotsOf(insn: Insn): number {
  return insn.code === LD_IMM64 ? 2 : 1;
}

/** A jump (or call) whose distance does not fit its field: the program is too long, not the compiler wrong. */
export class JumpRangeError extends Error {
  constructor(
    readonly insn: Insn,
    readonly distance: number,
    readonly slot: number,
  ) {
    super(`asm: jump to "${insn.jumpTo}" ${distance} out of range [-32768, 32767] at slot ${slot}`);
  }
}

function checkRange(what: string, value: number, min: number, max: number, slot: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`asm: ${what} ${value} out of range [${min}, ${max}] at slot ${slot}`);
  }
}

/** Slot index of every label; a label names the slot of the next instruction. */
function layout(items: readonly AsmItem[]): { labels: Map<string, number>; slots: number } {
  const labels = new Map<string, number>();
  let slots = 0;
  for (const item of items) {
    if (!isLabel(item)) {
      slots += slotsOf(item);
    } else if (labels.has(item.label)) {
      throw new Error(`asm: duplicate label "${item.label}"`);
    } else {
      labels.set(item.label, slots);
    }
  }
  return { labels, slots };
}

/** Jump and call distances count from the slot after the instruction. */
function distance(labels: Map<string, number>, target: string, slot: number): number {
  const at = labels.get(target);
  if (at === undefined) throw new Error(`asm: unknown label "${target}" at slot ${slot}`);
  return at - (slot + 1);
}

function writeSlot(view: DataView, slot: number, code: number, dst: number, src: number, off: number, imm: number) {
  const at = slot * SLOT;
  view.setUint8(at, code);
  view.setUint8(at + 1, (src << 4) | dst);
  view.setInt16(at + 2, off, true);
  view.setInt32(at + 4, imm, true);
}

function writeInsn(view: DataView, slot: number, insn: Insn, labels: Map<string, number>): void {
  const off = insn.jumpTo === undefined ? insn.off : distance(labels, insn.jumpTo, slot);
  const imm = insn.callTo === undefined ? insn.imm : distance(labels, insn.callTo, slot);
  if (insn.jumpTo !== undefined && (off < -0x8000 || off > 0x7fff)) throw new JumpRangeError(insn, off, slot);
  checkRange('opcode', insn.code, 0, 0xff, slot);
  checkRange('dst register', insn.dst, 0, 10, slot);
  checkRange('src field', insn.src, 0, 15, slot);
  checkRange(insn.jumpTo === undefined ? 'offset' : `jump to "${insn.jumpTo}"`, off, -0x8000, 0x7fff, slot);
  if (insn.code !== LD_IMM64) {
    checkRange('imm', imm, -0x8000_0000, 0x7fff_ffff, slot);
    writeSlot(view, slot, insn.code, insn.dst, insn.src, off, imm);
    return;
  }
  // A function address: the distance sits in the first slot's imm, the second slot's imm stays 0.
  const value =
    insn.funcTo === undefined ? insn.imm64 : BigInt.asUintN(32, BigInt(distance(labels, insn.funcTo, slot)));
  if (value === undefined) throw new Error(`asm: ld_imm64 without imm64 at slot ${slot}`);
  if (BigInt.asIntN(64, value) !== value && BigInt.asUintN(64, value) !== value) {
    throw new Error(`asm: imm64 ${value} out of 64-bit range at slot ${slot}`);
  }
  writeSlot(view, slot, insn.code, insn.dst, insn.src, off, Number(BigInt.asIntN(32, value)));
  writeSlot(view, slot + 1, 0, 0, 0, 0, Number(BigInt.asIntN(32, value >> 32n)));
}

export function encode(items: readonly AsmItem[]): Encoded {
  const { labels, slots } = layout(items);
  const bytes = new Uint8Array(slots * SLOT);
  const view = new DataView(bytes.buffer);
  const relocations: Relocation[] = [];
  const sourceMap: (Span | undefined)[] = [];
  const coreRelocations: CoreRelocation[] = [];
  let slot = 0;
  for (const item of items) {
    if (isLabel(item)) continue;
    writeInsn(view, slot, item, labels);
    if (item.mapRef) relocations.push({ insn: slot, ...item.mapRef });
    if (item.coreRef) coreRelocations.push({ insn: slot, ...item.coreRef });
    for (let i = 0; i < slotsOf(item); i++) sourceMap.push(item.span);
    slot += slotsOf(item);
  }
  return { bytes, slots, relocations, sourceMap, labels, coreRelocations };
}

/** Writes a map fd into the imm of an ld_imm64's first slot (for both relocation kinds). */
export function patchMapFd(bytes: Uint8Array, insn: number, fd: number): void {
  const at = insn * SLOT;
  if (at + 2 * SLOT > bytes.length || bytes[at] !== LD_IMM64) {
    throw new Error(`asm: slot ${insn} is not an ld_imm64`);
  }
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setInt32(at + 4, fd, true);
}
