// Hand-encoded BPF instructions for runtime tests (kept independent of the compiler's encoder).
// struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }
import { BPF_PSEUDO_MAP_FD } from '../../../runtime/sys/constants.ts';

export function insn(code: number, dst: number, src: number, off: number, imm: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, code);
  v.setUint8(1, (src << 4) | dst);
  v.setInt16(2, off, true);
  v.setInt32(4, imm | 0, true);
  return b;
}

export function prog(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

export const R0 = 0,
  R1 = 1,
  R2 = 2,
  R3 = 3,
  R4 = 4,
  R6 = 6,
  R10 = 10;

export const movImm = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm); // ALU64 | MOV | K
export const movReg = (dst: number, src: number) => insn(0xbf, dst, src, 0, 0); // ALU64 | MOV | X
export const addImm = (dst: number, imm: number) => insn(0x07, dst, 0, 0, imm); // ALU64 | ADD | K
export const ldxDw = (dst: number, src: number, off: number) => insn(0x79, dst, src, off, 0);
export const stxDw = (dst: number, src: number, off: number) => insn(0x7b, dst, src, off, 0);
export const stW = (dst: number, off: number, imm: number) => insn(0x62, dst, 0, off, imm); // ST | MEM | W
export const call = (helper: number) => insn(0x85, 0, 0, 0, helper);
export const jeqImm = (dst: number, imm: number, off: number) => insn(0x15, dst, 0, off, imm);
export const atomicAddDw = (dst: number, src: number, off: number) => insn(0xdb, dst, src, off, 0); // STX | ATOMIC | DW, imm BPF_ADD
export const exit = () => insn(0x95, 0, 0, 0, 0);

/** ld_imm64 dst = map (src_reg = BPF_PSEUDO_MAP_FD, imm = the map fd). */
export function ldMapFd(dst: number, fd: number): Uint8Array {
  return prog(insn(0x18, dst, BPF_PSEUDO_MAP_FD, 0, fd), insn(0, 0, 0, 0, 0));
}

export const HELPER_MAP_LOOKUP_ELEM = 1;
export const HELPER_RINGBUF_OUTPUT = 130;

/** r0 = 0; exit */
export const RETURN_0 = prog(movImm(R0, 0), exit());

/** r0 = imm; exit */
export const returns = (imm: number) => prog(movImm(R0, imm), exit());

/** Adds 1 to the u64 at key 0 of an array map (u32 key, u64 value); returns 0. */
export function countInto(mapFd: number): Uint8Array {
  return prog(
    stW(R10, -4, 0), //                    key = 0
    ldMapFd(R1, mapFd),
    movReg(R2, R10),
    addImm(R2, -4),
    call(HELPER_MAP_LOOKUP_ELEM),
    jeqImm(R0, 0, 2), //                   if !value goto out
    movImm(R1, 1),
    atomicAddDw(R0, R1, 0), //             lock *value += 1
    movImm(R0, 0), //                      out:
    exit(),
  );
}

/** Raw tracepoint program: emits 12 bytes, u64 args[0] then u32 0xdeadbeef, to a ring buffer. */
export function ringbufEmit(mapFd: number): Uint8Array {
  return prog(
    ldxDw(R6, R1, 0),
    stxDw(R10, R6, -16),
    stW(R10, -8, 0xdeadbeef),
    ldMapFd(R1, mapFd),
    movReg(R2, R10),
    addImm(R2, -16),
    movImm(R3, 12),
    movImm(R4, 0),
    call(HELPER_RINGBUF_OUTPUT),
    movImm(R0, 0),
    exit(),
  );
}

export const R7 = 7;
export const andImm = (dst: number, imm: number) => insn(0x57, dst, 0, 0, imm); // ALU64 | AND | K
export const ja = (off: number) => insn(0x05, 0, 0, off, 0);
export const HELPER_RINGBUF_RESERVE = 131;
export const HELPER_RINGBUF_SUBMIT = 132;
export const HELPER_RINGBUF_DISCARD = 133;

/** Raw tracepoint program: reserves 8 bytes, writes args[0]; submits when it is even, discards when odd. */
export function ringbufReserve(mapFd: number): Uint8Array {
  return prog(
    movReg(R7, R1), //                0
    ldMapFd(R1, mapFd), //            1-2
    movImm(R2, 8), //                 3
    movImm(R3, 0), //                 4
    call(HELPER_RINGBUF_RESERVE), //  5
    jeqImm(R0, 0, 9), //              6: → 16
    ldxDw(R6, R7, 0), //              7
    stxDw(R0, R6, 0), //              8
    movReg(R1, R0), //                9
    movImm(R2, 0), //                 10
    andImm(R6, 1), //                 11
    jeqImm(R6, 0, 2), //              12: → 15
    call(HELPER_RINGBUF_DISCARD), //  13
    ja(1), //                         14: → 16
    call(HELPER_RINGBUF_SUBMIT), //   15
    movImm(R0, 0), //                 16
    exit(), //                        17
  );
}
