// Disassembly in llvm-objdump's BPF syntax (immediates in decimal, as with
// --no-print-imm-hex), so listings read like clang-compiled BPF. Loads,
// stores and 64-bit atomics use the r-register forms; 32-bit atomics need
// llvm's alu32 forms (w registers) to be expressible at all.

import { lineCol, lineText, type Span } from '../../lang/index.ts';
import type { Relocation } from './encode.ts';
import { helperName } from './helpers.ts';
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
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_FUNC,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  CLASS_MASK,
  LD_IMM64,
  MODE_MASK,
  OP_MASK,
  SIZE_MASK,
  SOURCE_MASK,
} from './opcodes.ts';

const UNKNOWN = '<unknown>';

// Compound-assignment operators by ALU operation; div and mod with off=1 are the signed forms.
const ALU_OPERATOR: Record<number, string> = {
  [BPF_ADD]: '+=',
  [BPF_SUB]: '-=',
  [BPF_MUL]: '*=',
  [BPF_DIV]: '/=',
  [BPF_OR]: '|=',
  [BPF_AND]: '&=',
  [BPF_LSH]: '<<=',
  [BPF_RSH]: '>>=',
  [BPF_MOD]: '%=',
  [BPF_XOR]: '^=',
  [BPF_ARSH]: 's>>=',
};

const JMP_OPERATOR: Record<number, string> = {
  [BPF_JEQ]: '==',
  [BPF_JGT]: '>',
  [BPF_JGE]: '>=',
  [BPF_JSET]: '&',
  [BPF_JNE]: '!=',
  [BPF_JSGT]: 's>',
  [BPF_JSGE]: 's>=',
  [BPF_JLT]: '<',
  [BPF_JLE]: '<=',
  [BPF_JSLT]: 's<',
  [BPF_JSLE]: 's<=',
};

const SIZE_BITS: Record<number, number> = { [BPF_B]: 8, [BPF_H]: 16, [BPF_W]: 32, [BPF_DW]: 64 };

// Atomic operations reuse the ALU operation codes, so ALU_OPERATOR spells them too.
const ATOMIC_NAME: Record<number, string> = { [BPF_ADD]: 'add', [BPF_OR]: 'or', [BPF_AND]: 'and', [BPF_XOR]: 'xor' };

interface Fields {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

function reg(prefix: 'r' | 'w', n: number): string | undefined {
  return n <= 10 ? `${prefix}${n}` : undefined;
}

function target(off: number): string {
  return off >= 0 ? `+${off}` : `${off}`;
}

function mem(base: string, off: number): string {
  return off >= 0 ? `${base} + ${off}` : `${base} - ${-off}`;
}

function alu(f: Fields, prefix: 'r' | 'w'): string | undefined {
  const dst = reg(prefix, f.dst);
  const op = f.code & OP_MASK;
  const byReg = (f.code & SOURCE_MASK) === BPF_X;
  if (dst === undefined) return undefined;
  if (op === BPF_END) return endian(f);
  if (op === BPF_NEG) return byReg ? undefined : `${dst} = -${dst}`;
  const operand = byReg ? reg(prefix, f.src) : `${f.imm}`;
  if (operand === undefined) return undefined;
  if (op === BPF_MOV) {
    if (f.off === 0) return `${dst} = ${operand}`;
    const widths = prefix === 'r' ? [8, 16, 32] : [8, 16];
    return byReg && widths.includes(f.off) ? `${dst} = (s${f.off})${operand}` : undefined;
  }
  const operator = ALU_OPERATOR[op];
  if (operator === undefined) return undefined;
  if (f.off === 0) return `${dst} ${operator} ${operand}`;
  return f.off === 1 && (op === BPF_DIV || op === BPF_MOD) ? `${dst} s${operator} ${operand}` : undefined;
}

// llvm prints byte swaps on the 64-bit register whatever the class.
function endian(f: Fields): string | undefined {
  const dst = reg('r', f.dst);
  if (dst === undefined || ![16, 32, 64].includes(f.imm)) return undefined;
  const toLe = (f.code & SOURCE_MASK) === BPF_TO_LE;
  if ((f.code & CLASS_MASK) === BPF_ALU64) return toLe ? `${dst} = bswap${f.imm} ${dst}` : undefined;
  return `${dst} = ${toLe ? 'le' : 'be'}${f.imm} ${dst}`;
}

function jump(f: Fields, prefix: 'r' | 'w'): string | undefined {
  const op = f.code & OP_MASK;
  const is64 = prefix === 'r';
  if (op === BPF_JA) return is64 ? `goto ${target(f.off)}` : `gotol ${target(f.imm)}`;
  if (f.code === (BPF_JMP | BPF_CALL)) return `call ${f.imm}`;
  if (f.code === (BPF_JMP | BPF_EXIT)) return 'exit';
  const operator = JMP_OPERATOR[op];
  const dst = reg(prefix, f.dst);
  const operand = (f.code & SOURCE_MASK) === BPF_X ? reg(prefix, f.src) : `${f.imm}`;
  if (operator === undefined || dst === undefined || operand === undefined) return undefined;
  return `if ${dst} ${operator} ${operand} goto ${target(f.off)}`;
}

function load(f: Fields): string | undefined {
  const mode = f.code & MODE_MASK;
  const bits = SIZE_BITS[f.code & SIZE_MASK]!;
  const dst = reg('r', f.dst);
  const base = reg('r', f.src);
  if (dst === undefined || base === undefined) return undefined;
  if (mode === BPF_MEM) return `${dst} = *(u${bits} *)(${mem(base, f.off)})`;
  if (mode === BPF_MEMSX && bits !== 64) return `${dst} = *(s${bits} *)(${mem(base, f.off)})`;
  return undefined;
}

function store(f: Fields): string | undefined {
  const mode = f.code & MODE_MASK;
  const bits = SIZE_BITS[f.code & SIZE_MASK]!;
  const base = reg('r', f.dst);
  if (base === undefined) return undefined;
  const isStx = (f.code & CLASS_MASK) === BPF_STX;
  if (isStx && mode === BPF_ATOMIC) return atomic(f, base, bits);
  if (mode !== BPF_MEM) return undefined;
  const value = isStx ? reg('r', f.src) : `${f.imm}`;
  return value === undefined ? undefined : `*(u${bits} *)(${mem(base, f.off)}) = ${value}`;
}

function atomic(f: Fields, base: string, bits: number): string | undefined {
  if (bits !== 32 && bits !== 64) return undefined;
  const prefix = bits === 64 ? 'r' : 'w';
  const src = reg(prefix, f.src);
  if (src === undefined) return undefined;
  const addr = mem(base, f.off);
  if (f.imm === BPF_XCHG) {
    return bits === 64 ? `${src} = xchg_64(${addr}, ${src})` : `${src} = xchg32_32(${addr}, ${src})`;
  }
  if (f.imm === BPF_CMPXCHG) {
    return bits === 64 ? `r0 = cmpxchg_64(${addr}, r0, ${src})` : `w0 = cmpxchg32_32(${addr}, w0, ${src})`;
  }
  const op = f.imm & ~BPF_FETCH;
  const name = ATOMIC_NAME[op];
  if (name === undefined) return undefined;
  if (f.imm & BPF_FETCH) return `${src} = atomic_fetch_${name}((u${bits} *)(${addr}), ${src})`;
  return `lock *(u${bits} *)(${addr}) ${ALU_OPERATOR[op]} ${src}`;
}

// A pseudo load (map fd or value) prints as llvm prints these bytes: the src kind and the raw
// low word. (`r1 = 0 ll` is what objdump shows for an ELF object, where src is still 0.)
function ldImm64(f: Fields, high: number): string | undefined {
  const dst = reg('r', f.dst);
  if (dst === undefined) return undefined;
  if (f.src !== 0) return `ld_pseudo ${dst}, ${f.src}, ${f.imm >>> 0}`;
  // high is signed, so this is the signed 64-bit value llvm prints.
  return `${dst} = ${(BigInt(high) << 32n) | BigInt(f.imm >>> 0)} ll`;
}

function describe(f: Fields): string | undefined {
  switch (f.code & CLASS_MASK) {
    case BPF_ALU64:
      return alu(f, 'r');
    case BPF_ALU:
      return alu(f, 'w');
    case BPF_JMP:
      return jump(f, 'r');
    case BPF_JMP32:
      return jump(f, 'w');
    case BPF_LDX:
      return load(f);
    case BPF_ST:
    case BPF_STX:
      return store(f);
    default:
      return undefined; // BPF_LD: legacy packet access, never produced
  }
}

interface Decoded {
  readonly slot: number;
  readonly fields: Fields;
  readonly text: string;
}

function fieldsAt(view: DataView, slot: number): Fields {
  const at = slot * 8;
  const regs = view.getUint8(at + 1);
  return {
    code: view.getUint8(at),
    dst: regs & 0x0f,
    src: regs >> 4,
    off: view.getInt16(at + 2, true),
    imm: view.getInt32(at + 4, true),
  };
}

function decode(bytes: Uint8Array): Decoded[] {
  if (bytes.length % 8 !== 0) throw new Error(`disasm: ${bytes.length} bytes is not a whole number of instructions`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slots = bytes.length / 8;
  const out: Decoded[] = [];
  for (let slot = 0; slot < slots;) {
    const fields = fieldsAt(view, slot);
    const wide = fields.code === LD_IMM64 && slot + 1 < slots; // a truncated ld_imm64 falls to <unknown>
    const text = wide ? ldImm64(fields, fieldsAt(view, slot + 1).imm) : describe(fields);
    out.push({ slot, fields, text: text ?? UNKNOWN });
    slot += wide ? 2 : 1;
  }
  return out;
}

/** One line per instruction (ld_imm64 is one line), without addresses. */
export function disasm(bytes: Uint8Array): string[] {
  return decode(bytes).map((d) => d.text);
}

function annotation(d: Decoded, reloc: Relocation | undefined): string {
  if (reloc) return reloc.kind === 'fd' ? `  ; map ${reloc.map}` : `  ; map value ${reloc.map} + ${reloc.offset}`;
  if (d.fields.code === LD_IMM64 && d.fields.src === BPF_PSEUDO_FUNC)
    return `  ; function at ${d.slot + 1 + d.fields.imm}`;
  // src 0 calls a helper; other srcs are bpf-to-bpf or kernel function calls.
  if (d.fields.code === (BPF_JMP | BPF_CALL) && d.fields.src === 0) {
    const name = helperName(d.fields.imm);
    if (name) return `  ; bpf_${name}`;
  }
  return '';
}

/**
 * The `-d bytecode` listing: slot numbers, the instruction, helper and map
 * names, and (like `llvm-objdump -S`) each new source line as a `;` comment
 * ahead of the instructions generated from it.
 */
export function disasmListing(
  bytes: Uint8Array,
  sourceMap?: readonly (Span | undefined)[],
  relocations: readonly Relocation[] = [],
  /** by slot: what to say instead of the usual note (--relocs: an object file's relocation records) */
  notes?: ReadonlyMap<number, string>,
): string {
  const decoded = decode(bytes);
  const relocAt = new Map(relocations.map((r) => [r.insn, r]));
  const width = Math.max(4, String(bytes.length / 8 - 1).length);
  const lines: string[] = [];
  let lastSource: string | undefined;
  for (const d of decoded) {
    const span = sourceMap?.[d.slot];
    if (span) {
      const { line } = lineCol(span.file, span.start);
      const key = `${span.file.name}:${line}`;
      if (key !== lastSource) lines.push(`; ${lineText(span.file, line).trim()}`);
      lastSource = key;
    }
    const note = notes?.get(d.slot);
    lines.push(
      `${String(d.slot).padStart(width)}: ${d.text}${note ? `  ; ${note}` : annotation(d, relocAt.get(d.slot))}`,
    );
  }
  return lines.join('\n');
}
