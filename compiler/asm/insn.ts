// The instruction type and one builder per instruction form. Builders only
// assemble fields; range checks and label resolution happen in encode.ts, so
// hand-built Insn objects get the same checks.

import type { Span } from '../../lang/index.ts';
import type { Reg } from './registers.ts';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_H,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  LD_IMM64,
} from './opcodes.ts';

export interface Insn {
  readonly code: number; // opcode byte
  readonly dst: Reg;
  readonly src: number; // a register, or a pseudo value (BPF_PSEUDO_*)
  readonly off: number; // signed 16-bit
  readonly imm: number; // signed 32-bit
  readonly imm64?: bigint; // ld_imm64 only: the full constant, split over two slots
  readonly jumpTo?: string; // label; `off` is computed by encode
  readonly callTo?: string; // bpf-to-bpf call target label; `imm` is computed by encode
  readonly funcTo?: string; // ld_imm64 of a function's address (BPF_PSEUDO_FUNC): `imm` is computed by encode
  readonly mapRef?: { readonly map: string; readonly kind: 'fd' | 'value'; readonly offset: number };
  /**
   * CO-RE (--emit-elf): this instruction's imm is the byte offset of a member of kernel struct `type`, reached by
   * the member indices `path` (anonymous members first); an object file asks libbpf to relocate it
   */
  readonly coreRef?: CoreRef;
  /**
   * the imm is a tag the program stores and never computes with (an event record's id): code that differs only
   * in such tags may share the optimizer's work (codegen/shape-memo.ts)
   */
  readonly opaqueImm?: true;
  readonly span?: Span; // maps verifier errors back to the script
}

export interface CoreRef {
  /** the kernel BTF id of the struct/union the access starts from */
  readonly type: number;
  /** member indices, from that struct through anonymous members to the member read */
  readonly path: readonly number[];
  /** what the imm is (libbpf's relocation kinds): the member's byte offset unless said; bitfield reads also
   * relocate the load size and the two shifts that cut the field out of a u64 */
  readonly kind?: 'byte_size' | 'lshift_u64' | 'rshift_u64';
}

export interface Label {
  readonly label: string;
}

export type AsmItem = Insn | Label;
export type Size = 1 | 2 | 4 | 8;
export type AluOp =
  'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'mod' | 'smod' | 'xor' | 'arsh';
export type JmpOp = 'jeq' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jne' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';
export type AtomicOp =
  'add' | 'or' | 'and' | 'xor' | 'fetch_add' | 'fetch_or' | 'fetch_and' | 'fetch_xor' | 'xchg' | 'cmpxchg';

const ALU_CODE: Record<AluOp, number> = {
  add: BPF_ADD,
  sub: BPF_SUB,
  mul: BPF_MUL,
  div: BPF_DIV,
  sdiv: BPF_DIV,
  or: BPF_OR,
  and: BPF_AND,
  lsh: BPF_LSH,
  rsh: BPF_RSH,
  mod: BPF_MOD,
  smod: BPF_MOD,
  xor: BPF_XOR,
  arsh: BPF_ARSH,
};

const JMP_CODE: Record<JmpOp, number> = {
  jeq: BPF_JEQ,
  jgt: BPF_JGT,
  jge: BPF_JGE,
  jlt: BPF_JLT,
  jle: BPF_JLE,
  jne: BPF_JNE,
  jsgt: BPF_JSGT,
  jsge: BPF_JSGE,
  jslt: BPF_JSLT,
  jsle: BPF_JSLE,
  jset: BPF_JSET,
};

/** The jump taken exactly when `op`'s is not (jset has none). */
export const NEGATED_JMP: Readonly<Partial<Record<JmpOp, JmpOp>>> = {
  jeq: 'jne',
  jne: 'jeq',
  jgt: 'jle',
  jle: 'jgt',
  jge: 'jlt',
  jlt: 'jge',
  jsgt: 'jsle',
  jsle: 'jsgt',
  jsge: 'jslt',
  jslt: 'jsge',
};

/** NEGATED_JMP on an opcode's op bits (BPF_JEQ ↔ BPF_JNE, …), for code already encoded. */
export const NEGATED_JMP_CODE: Readonly<Record<number, number>> = Object.fromEntries(
  Object.entries(NEGATED_JMP).map(([a, b]) => [JMP_CODE[a as JmpOp], JMP_CODE[b!]]),
);

const ATOMIC_IMM: Record<AtomicOp, number> = {
  add: BPF_ADD,
  or: BPF_OR,
  and: BPF_AND,
  xor: BPF_XOR,
  fetch_add: BPF_ADD | BPF_FETCH,
  fetch_or: BPF_OR | BPF_FETCH,
  fetch_and: BPF_AND | BPF_FETCH,
  fetch_xor: BPF_XOR | BPF_FETCH,
  xchg: BPF_XCHG,
  cmpxchg: BPF_CMPXCHG,
};

const SIZE_CODE: Record<Size, number> = { 1: BPF_B, 2: BPF_H, 4: BPF_W, 8: BPF_DW };

function make(code: number, dst: Reg, src: number, off: number, imm: number): Insn {
  return { code, dst, src, off, imm };
}

// cpu v4 encodes signed division and modulo as the unsigned opcode with off = 1.
function aluOff(op: AluOp): number {
  return op === 'sdiv' || op === 'smod' ? 1 : 0;
}

export function isLabel(item: AsmItem): item is Label {
  // an instruction always has its opcode; a property load is cheaper than `'label' in item` on the optimizer's
  // many shapes of items (V8's `in` on a megamorphic site was ~15% of the optimizer's time)
  return (item as Partial<Insn>).code === undefined;
}

export function label(name: string): Label {
  return { label: name };
}

export function withSpan(insn: Insn, span: Span | undefined): Insn {
  return { ...insn, span };
}

// --- moves and arithmetic

export function mov64Imm(dst: Reg, imm: number): Insn {
  return make(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

export function mov64Reg(dst: Reg, src: Reg): Insn {
  return make(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

export function mov32Imm(dst: Reg, imm: number): Insn {
  return make(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm);
}

export function mov32Reg(dst: Reg, src: Reg): Insn {
  return make(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
}

/** cpu v4: dst = src sign-extended from its low `bits`; off carries the width. */
export function movsx64(dst: Reg, src: Reg, bits: 8 | 16 | 32): Insn {
  return make(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, bits, 0);
}

export function movsx32(dst: Reg, src: Reg, bits: 8 | 16): Insn {
  return make(BPF_ALU | BPF_MOV | BPF_X, dst, src, bits, 0);
}

export function alu64Imm(op: AluOp, dst: Reg, imm: number): Insn {
  return make(BPF_ALU64 | ALU_CODE[op] | BPF_K, dst, 0, aluOff(op), imm);
}

export function alu64Reg(op: AluOp, dst: Reg, src: Reg): Insn {
  return make(BPF_ALU64 | ALU_CODE[op] | BPF_X, dst, src, aluOff(op), 0);
}

export function alu32Imm(op: AluOp, dst: Reg, imm: number): Insn {
  return make(BPF_ALU | ALU_CODE[op] | BPF_K, dst, 0, aluOff(op), imm);
}

export function alu32Reg(op: AluOp, dst: Reg, src: Reg): Insn {
  return make(BPF_ALU | ALU_CODE[op] | BPF_X, dst, src, aluOff(op), 0);
}

export function neg64(dst: Reg): Insn {
  return make(BPF_ALU64 | BPF_NEG, dst, 0, 0, 0);
}

export function neg32(dst: Reg): Insn {
  return make(BPF_ALU | BPF_NEG, dst, 0, 0, 0);
}

/**
 * Byte swaps; imm is the width. 'le'/'be' convert host order to that order
 * (zero-extending), 'bswap' (cpu v4) swaps unconditionally.
 */
export function endian(dst: Reg, kind: 'le' | 'be' | 'bswap', bits: 16 | 32 | 64): Insn {
  const code =
    kind === 'bswap' ? BPF_ALU64 | BPF_END | BPF_TO_LE : BPF_ALU | BPF_END | (kind === 'be' ? BPF_TO_BE : BPF_TO_LE);
  return make(code, dst, 0, 0, bits);
}

// --- 64-bit immediates

/** imm mirrors the first slot (low 32 bits); encode writes imm64. */
export function ldImm64(dst: Reg, value: bigint): Insn {
  return { ...make(LD_IMM64, dst, 0, 0, Number(BigInt.asIntN(32, value))), imm64: value };
}

/** Loads a map pointer; the loader patches the fd into the first slot. */
export function ldMapFd(dst: Reg, map: string): Insn {
  return { ...make(LD_IMM64, dst, BPF_PSEUDO_MAP_FD, 0, 0), imm64: 0n, mapRef: { map, kind: 'fd', offset: 0 } };
}

/** Loads the address `offset` bytes into an array map's value; the offset lives in the second slot. */
export function ldMapValue(dst: Reg, map: string, offset: number): Insn {
  return {
    ...make(LD_IMM64, dst, BPF_PSEUDO_MAP_VALUE, 0, 0),
    imm64: BigInt(offset) << 32n,
    mapRef: { map, kind: 'value', offset },
  };
}

/**
 * Loads the address of the subprogram at `target` (a callback for bpf_for_each_map_elem and friends):
 * src = BPF_PSEUDO_FUNC, imm = the slot distance from the next slot to the label, as for a call.
 */
export function ldFuncAddr(dst: Reg, target: string): Insn {
  return { ...make(LD_IMM64, dst, BPF_PSEUDO_FUNC, 0, 0), imm64: 0n, funcTo: target };
}

// --- memory

export function ldx(size: Size, dst: Reg, src: Reg, off: number): Insn {
  return make(BPF_LDX | BPF_MEM | SIZE_CODE[size], dst, src, off, 0);
}

/** cpu v4 sign-extending load. */
export function ldxsx(size: 1 | 2 | 4, dst: Reg, src: Reg, off: number): Insn {
  return make(BPF_LDX | BPF_MEMSX | SIZE_CODE[size], dst, src, off, 0);
}

export function st(size: Size, dst: Reg, off: number, imm: number): Insn {
  return make(BPF_ST | BPF_MEM | SIZE_CODE[size], dst, 0, off, imm);
}

export function stx(size: Size, dst: Reg, src: Reg, off: number): Insn {
  return make(BPF_STX | BPF_MEM | SIZE_CODE[size], dst, src, off, 0);
}

/** *(dst + off) op= src; fetch forms and xchg return the old value in src, cmpxchg in r0. */
export function atomic(op: AtomicOp, size: 4 | 8, dst: Reg, src: Reg, off: number): Insn {
  return make(BPF_STX | BPF_ATOMIC | SIZE_CODE[size], dst, src, off, ATOMIC_IMM[op]);
}

// --- control flow

export function ja(target: string): Insn {
  return { ...make(BPF_JMP | BPF_JA, 0, 0, 0, 0), jumpTo: target };
}

export function jmpImm(op: JmpOp, dst: Reg, imm: number, target: string): Insn {
  return { ...make(BPF_JMP | JMP_CODE[op] | BPF_K, dst, 0, 0, imm), jumpTo: target };
}

export function jmpReg(op: JmpOp, dst: Reg, src: Reg, target: string): Insn {
  return { ...make(BPF_JMP | JMP_CODE[op] | BPF_X, dst, src, 0, 0), jumpTo: target };
}

export function jmp32Imm(op: JmpOp, dst: Reg, imm: number, target: string): Insn {
  return { ...make(BPF_JMP32 | JMP_CODE[op] | BPF_K, dst, 0, 0, imm), jumpTo: target };
}

export function jmp32Reg(op: JmpOp, dst: Reg, src: Reg, target: string): Insn {
  return { ...make(BPF_JMP32 | JMP_CODE[op] | BPF_X, dst, src, 0, 0), jumpTo: target };
}

/** Calls a helper by id (see BPF_FUNC in helpers.ts). */
export function call(helper: number): Insn {
  return make(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

/** Calls a kernel function (a kfunc) by its vmlinux BTF id; the verifier checks its arguments. */
export function kfuncCall(btfId: number): Insn {
  return make(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, btfId);
}

/** bpf-to-bpf call; imm becomes the slot distance to the label. */
export function callLabel(target: string): Insn {
  return { ...make(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0), callTo: target };
}

export function exit(): Insn {
  return make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}
