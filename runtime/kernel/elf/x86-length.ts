// x86-64 instruction lengths, for placing a uprobe at FUNC+OFF only on an instruction start (an int3 inside an
// instruction crashes the traced process). Only lengths: no operands, no validity beyond what the length needs.
// Covers what compilers put in function bodies: legacy prefixes, REX, the one-byte map, the 0F, 0F38 and 0F3A
// maps, VEX and EVEX (and AMD's XOP and 3DNow!, which libcrypto has). Opcodes invalid in 64-bit mode and what is
// not decoded (APX's REX2 and map 4) give undefined: the caller then cannot check, which it must say, not guess.

/** The longest instruction the CPU accepts. */
export const MAX_INSTRUCTION_LENGTH = 15;

// One-byte map: operand shape of each opcode. M: ModRM; B/W/Z/V: immediate of 1, 2, 2|4 (by 66), 2|4|8 (B8+r);
// X: invalid in 64-bit mode (or a prefix/escape handled before the table).
const enum Op {
  None,
  M,
  MB,
  MZ,
  B,
  W,
  Z,
  V,
  /** A0-A3: an absolute address of the address size */
  Moffs,
  /** C8 ENTER: imm16, imm8 */
  Enter,
  /** F6/F7: TEST /0 and /1 take an immediate, the rest of the group none */
  Group3B,
  Group3Z,
  X,
}

const ONE_BYTE: readonly Op[] = (() => {
  const t = new Array<Op>(256).fill(Op.None);
  const set = (from: number, to: number, op: Op) => {
    for (let i = from; i <= to; i++) t[i] = op;
  };
  // ALU blocks: op r/m,r ×4, op al,imm8, op eAX,immz, then two bytes that are invalid in 64-bit mode (or prefixes)
  for (let base = 0x00; base < 0x40; base += 8) {
    set(base, base + 3, Op.M);
    t[base + 4] = Op.B;
    t[base + 5] = Op.Z;
    t[base + 6] = Op.X;
    t[base + 7] = Op.X;
  }
  t[0x0f] = Op.X; // escape, decoded before
  set(0x40, 0x4f, Op.X); // REX, decoded before
  set(0x60, 0x62, Op.X); // pusha, popa, bound (62 is EVEX, decoded before)
  t[0x63] = Op.M; // movsxd
  set(0x64, 0x67, Op.X); // prefixes
  t[0x68] = Op.Z;
  t[0x69] = Op.MZ;
  t[0x6a] = Op.B;
  t[0x6b] = Op.MB;
  set(0x70, 0x7f, Op.B); // jcc rel8
  t[0x80] = Op.MB;
  t[0x81] = Op.MZ;
  t[0x82] = Op.X;
  t[0x83] = Op.MB;
  set(0x84, 0x8f, Op.M); // 8F is pop r/m (XOP is decoded before)
  t[0x9a] = Op.X; // far call
  set(0xa0, 0xa3, Op.Moffs);
  t[0xa8] = Op.B;
  t[0xa9] = Op.Z;
  set(0xb0, 0xb7, Op.B);
  set(0xb8, 0xbf, Op.V);
  t[0xc0] = Op.MB;
  t[0xc1] = Op.MB;
  t[0xc2] = Op.W;
  t[0xc4] = Op.X; // VEX, decoded before
  t[0xc5] = Op.X;
  t[0xc6] = Op.MB; // mov r/m8,imm8 (and xabort)
  t[0xc7] = Op.MZ; // mov r/m,immz (and xbegin)
  t[0xc8] = Op.Enter;
  t[0xca] = Op.W;
  t[0xcd] = Op.B;
  t[0xce] = Op.X; // into
  set(0xd0, 0xd3, Op.M);
  set(0xd4, 0xd6, Op.X); // aam, aad, salc (D5 is APX's REX2)
  set(0xd8, 0xdf, Op.M); // x87
  set(0xe0, 0xe7, Op.B); // loop, jrcxz, in, out
  t[0xe8] = Op.Z; // call rel32
  t[0xe9] = Op.Z;
  t[0xea] = Op.X; // far jmp
  t[0xeb] = Op.B;
  t[0xf0] = Op.X; // lock, decoded before
  t[0xf2] = Op.X;
  t[0xf3] = Op.X;
  t[0xf6] = Op.Group3B;
  t[0xf7] = Op.Group3Z;
  t[0xfe] = Op.M;
  t[0xff] = Op.M;
  return t;
})();

// Two-byte map (0F xx): M, MB, Z (jcc rel32), None, or X for what is invalid or not decoded here.
const TWO_BYTE: readonly Op[] = (() => {
  const t = new Array<Op>(256).fill(Op.M);
  const set = (from: number, to: number, op: Op) => {
    for (let i = from; i <= to; i++) t[i] = op;
  };
  set(0x04, 0x0c, Op.None); // syscall, clts, sysret, invd, wbinvd, ud2
  t[0x04] = Op.X;
  t[0x0a] = Op.X;
  t[0x0c] = Op.X;
  t[0x0e] = Op.None; // femms
  t[0x0f] = Op.MB; // 3DNow!: its opcode comes after the operands, as an imm8
  set(0x20, 0x27, Op.X); // mov to/from control and debug registers: privileged, and their ModRM ignores mod
  set(0x30, 0x37, Op.None); // wrmsr, rdtsc, rdmsr, rdpmc, sysenter, sysexit, getsec
  t[0x36] = Op.X;
  set(0x38, 0x3f, Op.X); // 38 and 3A are decoded before
  set(0x70, 0x73, Op.MB); // pshuf*, shifts by imm8
  t[0x77] = Op.None; // emms
  t[0x7a] = Op.X;
  t[0x7b] = Op.X;
  set(0x80, 0x8f, Op.Z); // jcc rel32 (66 ignored in 64-bit mode, as for call)
  set(0xa0, 0xa2, Op.None); // push fs, pop fs, cpuid
  t[0xa4] = Op.MB; // shld imm8
  // A6, A7: VIA PadLock (xsha, xcrypt), whose last byte decodes as a register ModRM
  set(0xa8, 0xaa, Op.None); // push gs, pop gs, rsm
  t[0xac] = Op.MB; // shrd imm8
  t[0xba] = Op.MB; // bt* imm8
  t[0xc2] = Op.MB; // cmpps
  set(0xc4, 0xc6, Op.MB); // pinsrw, pextrw, shufps
  set(0xc8, 0xcf, Op.None); // bswap
  return t;
})();

/** VEX/EVEX map 1 (0F) opcodes that take an imm8, as in the legacy map. */
function vexMap1Imm(op: number): boolean {
  return (op >= 0x70 && op <= 0x73) || op === 0xc2 || (op >= 0xc4 && op <= 0xc6);
}

/**
 * The length of the instruction at `at` in `code`, or undefined when the bytes are not one this decoder knows
 * (or run out before the instruction ends).
 */
export function instructionLength(code: Uint8Array, at = 0): number | undefined {
  const end = Math.min(code.length, at + MAX_INSTRUCTION_LENGTH);
  let p = at;
  let opsize16 = false;
  let addr32 = false;
  let rexW = false;
  let repne = false;
  // legacy prefixes in any order, then REX, which counts only right before the opcode (the last one, then)
  for (; p < end; p++) {
    const b = code[p]!;
    if (isLegacyPrefix(b)) {
      rexW = false;
      if (b === 0x66) opsize16 = true;
      else if (b === 0x67) addr32 = true;
      else if (b === 0xf2) repne = true;
    } else if ((b & 0xf0) === 0x40) rexW = (b & 8) !== 0;
    else break;
  }
  if (p >= end) return undefined;
  const op = code[p++]!;
  let shape: Op;
  let modrm = true;
  let branch = op === 0xe8 || op === 0xe9;
  // 16-bit operands (66) shrink immediates, unless REX.W makes them 64-bit (still with a 32-bit immediate)
  const word = opsize16 && !rexW;
  let imm = 0;
  if (op === 0xc4 || op === 0xc5 || op === 0x62) {
    // VEX (3 and 2 bytes) and EVEX: the map and the opcode follow; always a ModRM but for vzeroupper/vzeroall
    const size = op === 0xc4 ? 2 : op === 0xc5 ? 1 : 3;
    if (p + size >= end) return undefined;
    const map = op === 0xc5 ? 1 : op === 0xc4 ? code[p]! & 0x1f : code[p]! & 0x07;
    if (op === 0x62 && (code[p]! & 0x08) !== 0) return undefined; // a reserved bit: APX or not EVEX
    p += size;
    const vop = code[p++]!;
    if (map === 1) {
      if (op !== 0x62 && vop === 0x77) return p - at;
      imm = vexMap1Imm(vop) ? 1 : 0;
    } else if (map === 3) imm = 1;
    else if (map === 2 || (op === 0x62 && (map === 5 || map === 6))) imm = 0;
    else return undefined;
    return withModrm(code, p, end, imm, at);
  }
  if (op === 0x8f && p < end && (code[p]! & 0x1f) >= 8) {
    // AMD XOP, laid out as a 3-byte VEX: map 8 takes an imm8, map 9 none, map 0A an imm32
    const map = code[p]! & 0x1f;
    if (map > 0x0a || p + 3 >= end) return undefined;
    return withModrm(code, p + 3, end, map === 8 ? 1 : map === 0x0a ? 4 : 0, at);
  }
  if (op === 0x0f) {
    if (p >= end) return undefined;
    const op2 = code[p++]!;
    if (op2 === 0x38) {
      if (p >= end) return undefined;
      p++;
      return withModrm(code, p, end, 0, at);
    }
    if (op2 === 0x3a) {
      if (p >= end) return undefined;
      p++;
      return withModrm(code, p, end, 1, at);
    }
    // SSE4a's extrq/insertq (66/F2 0F 78) take two imm8; vmread (0F 78) none
    if (op2 === 0x78 && (opsize16 || repne)) return withModrm(code, p, end, 2, at);
    shape = TWO_BYTE[op2]!;
    branch = op2 >= 0x80 && op2 <= 0x8f;
  } else shape = ONE_BYTE[op]!;
  switch (shape) {
    case Op.X:
      return undefined;
    case Op.None:
      modrm = false;
      break;
    case Op.M:
      break;
    case Op.MB:
      imm = 1;
      break;
    case Op.MZ:
      imm = word ? 2 : 4;
      break;
    case Op.B:
      modrm = false;
      imm = 1;
      break;
    case Op.W:
      modrm = false;
      imm = 2;
      break;
    case Op.Z:
      modrm = false;
      // 66 on a near branch: rel16 on AMD, ignored on Intel; compilers never emit it
      if (branch && opsize16) return undefined;
      imm = word ? 2 : 4;
      break;
    case Op.V:
      modrm = false;
      imm = rexW ? 8 : word ? 2 : 4;
      break;
    case Op.Moffs:
      modrm = false;
      imm = addr32 ? 4 : 8;
      break;
    case Op.Enter:
      modrm = false;
      imm = 3;
      break;
    case Op.Group3B:
    case Op.Group3Z: {
      if (p >= end) return undefined;
      const reg = (code[p]! >> 3) & 7;
      // TEST (/0, and /1 its undocumented alias) has an immediate; NOT, NEG, MUL, IMUL, DIV, IDIV none
      if (reg <= 1) imm = shape === Op.Group3B ? 1 : word ? 2 : 4;
      break;
    }
  }
  if (!modrm) return p + imm <= end ? p + imm - at : undefined;
  return withModrm(code, p, end, imm, at);
}

function isLegacyPrefix(b: number): boolean {
  return (
    b === 0x66 ||
    b === 0x67 ||
    b === 0xf0 ||
    b === 0xf2 ||
    b === 0xf3 ||
    b === 0x2e ||
    b === 0x36 ||
    b === 0x3e ||
    b === 0x26 ||
    b === 0x64 ||
    b === 0x65
  );
}

/**
 * ModRM at `p`, its SIB and displacement, then `imm` immediate bytes: the instruction's end minus its start.
 * 32-bit addressing (67) has the same forms as 64-bit; 16-bit addressing does not exist in 64-bit mode.
 */
function withModrm(code: Uint8Array, p: number, end: number, imm: number, at: number): number | undefined {
  if (p >= end) return undefined;
  const m = code[p++]!;
  const mod = m >> 6;
  const rm = m & 7;
  if (mod !== 3) {
    if (rm === 4) {
      if (p >= end) return undefined;
      const sib = code[p++]!;
      if (mod === 0 && (sib & 7) === 5) p += 4; // no base: disp32
    }
    if (mod === 0 && rm === 5)
      p += 4; // RIP-relative disp32
    else if (mod === 1) p += 1;
    else if (mod === 2) p += 4;
  }
  p += imm;
  return p <= end ? p - at : undefined;
}
