// USDT probes (systemtap's sys/sdt.h format): NT_STAPSDT notes in .note.stapsdt and their argument
// descriptions (`-4@%edi 8@-16(%rbp) 8@$5`), parsed into locations the code generator can read from a
// uprobe's struct pt_regs.
import { EM_X86_64, ElfFile } from './elf-file.ts';

const NT_STAPSDT = 3;

/** A slot of x86_64 `struct pt_regs` (arch/x86/include/uapi/asm/ptrace.h): the 64-bit name and byte offset. */
export interface PtRegsSlot {
  readonly name: string;
  readonly offset: number;
}

export type UsdtLocation =
  /** the argument is (the low `size` bytes of) a register */
  | { readonly kind: 'reg'; readonly reg: PtRegsSlot }
  /**
   * the argument is in memory at base + offset (+ index * scale). A `symbol` (from `sym+8(%rip)`) means
   * the address is that symbol's (+ offset) in the probed file, relocated like the probe; base is then absent.
   */
  | {
      readonly kind: 'mem';
      readonly base?: PtRegsSlot;
      readonly offset: bigint;
      readonly index?: PtRegsSlot;
      readonly scale?: number;
      readonly symbol?: string;
    }
  /** the argument is a constant */
  | { readonly kind: 'imm'; readonly value: bigint };

export interface UsdtArg {
  /** bytes: 1, 2, 4 or 8 */
  readonly size: number;
  readonly signed: boolean;
  readonly location: UsdtLocation;
  /** the spec as written, e.g. `-4@%edi` */
  readonly text: string;
}

export interface UsdtProbe {
  readonly provider: string;
  readonly name: string;
  /** virtual address of the probe's nop, adjusted by .stapsdt.base */
  readonly pc: bigint;
  /** file offset of pc: what the uprobe is attached to */
  readonly offset: bigint;
  /** virtual address of the semaphore (an unsigned short), 0n when the probe has none */
  readonly semaphore: bigint;
  /** file offset of the semaphore: the uprobe PMU's ref_ctr_offset */
  readonly semaphoreOffset?: bigint;
  /** the argument description as stored in the note */
  readonly argsText: string;
  /** the parsed arguments, undefined when argsText could not be parsed (see argsError) */
  readonly args?: readonly UsdtArg[];
  readonly argsError?: string;
}

/** Byte offsets in x86_64 struct pt_regs, by 64-bit register name. */
export const PT_REGS_X86_64: Readonly<Record<string, number>> = {
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  rbp: 32,
  rbx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  rax: 80,
  rcx: 88,
  rdx: 96,
  rsi: 104,
  rdi: 112,
  orig_rax: 120,
  rip: 128,
  cs: 136,
  eflags: 144,
  rsp: 152,
  ss: 160,
};

// Sub-registers name the same pt_regs slot; the argument's size says how many low bytes count.
const ALIASES: Record<string, string> = { eip: 'rip', ip: 'rip' };
for (const [r64, r32, r16, r8] of [
  ['rax', 'eax', 'ax', 'al'],
  ['rbx', 'ebx', 'bx', 'bl'],
  ['rcx', 'ecx', 'cx', 'cl'],
  ['rdx', 'edx', 'dx', 'dl'],
  ['rsi', 'esi', 'si', 'sil'],
  ['rdi', 'edi', 'di', 'dil'],
  ['rbp', 'ebp', 'bp', 'bpl'],
  ['rsp', 'esp', 'sp', 'spl'],
] as const) {
  ALIASES[r32] = r64;
  ALIASES[r16] = r64;
  ALIASES[r8] = r64;
}
for (let n = 8; n <= 15; n++) for (const suffix of ['d', 'w', 'b', 'l']) ALIASES[`r${n}${suffix}`] = `r${n}`;

export class UsdtArgError extends Error {
  override name = 'UsdtArgError';
}

/** The pt_regs slot of an x86_64 register name (without `%`): `edi` → { name: 'rdi', offset: 112 }. */
export function ptRegsSlot(reg: string): PtRegsSlot | undefined {
  const r = reg.toLowerCase();
  const name = PT_REGS_X86_64[r] !== undefined ? r : ALIASES[r];
  const offset = name === undefined ? undefined : PT_REGS_X86_64[name];
  return name === undefined || offset === undefined ? undefined : { name, offset };
}

function register(text: string, spec: string): PtRegsSlot {
  const m = /^%([a-z0-9]+)$/i.exec(text.trim());
  if (!m) throw new UsdtArgError(`'${spec}': expected a register, found '${text}'`);
  if (/^[abcd]h$/i.test(m[1]!)) throw new UsdtArgError(`'${spec}': high-byte register %${m[1]} is not supported`);
  const slot = ptRegsSlot(m[1]!);
  if (!slot) throw new UsdtArgError(`'${spec}': unknown or unsupported register %${m[1]}`);
  return slot;
}

function integer(text: string, spec: string): bigint {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  if (!m) throw new UsdtArgError(`'${spec}': bad number '${text}'`);
  const v = BigInt(m[2]!);
  return m[1] === '-' ? -v : v;
}

/** Parses one x86_64 argument spec: `[-]N@operand` (or a bare operand, taken as 8 bytes unsigned). */
export function parseUsdtArg(spec: string): UsdtArg {
  let size = 8;
  let signed = false;
  let operand = spec;
  const at = /^([+-]?)(\d+)(f?)@(.*)$/.exec(spec);
  if (at) {
    signed = at[1] === '-';
    size = Number(at[2]);
    if (at[3]) throw new UsdtArgError(`'${spec}': floating-point arguments are not supported`);
    operand = at[4]!;
    if (![1, 2, 4, 8].includes(size)) throw new UsdtArgError(`'${spec}': argument size ${size} is not 1, 2, 4 or 8`);
  }
  const text = spec;
  if (operand.startsWith('$'))
    return { size, signed, location: { kind: 'imm', value: integer(operand.slice(1), spec) }, text };
  if (operand.startsWith('%')) {
    if (operand.includes(':')) throw new UsdtArgError(`'${spec}': segment-relative operands are not supported`);
    return { size, signed, location: { kind: 'reg', reg: register(operand, spec) }, text };
  }
  // Memory: disp(base[,index[,scale]]) where disp is a number, a symbol or symbol±number.
  const mem = /^([^(]*)\(([^)]*)\)$/.exec(operand);
  if (!mem) throw new UsdtArgError(`'${spec}': cannot parse operand '${operand}'`);
  const disp = mem[1]!.trim();
  const parts = mem[2]!.split(',').map((p) => p.trim());
  let offset = 0n;
  let symbol: string | undefined;
  if (disp) {
    const sym = /^([A-Za-z_.$][\w.$@]*)(?:([+-])(0x[0-9a-f]+|\d+))?$/i.exec(disp);
    if (sym) {
      symbol = sym[1]!;
      if (sym[3]) offset = sym[2] === '-' ? -BigInt(sym[3]) : BigInt(sym[3]);
    } else offset = integer(disp, spec);
  }
  const baseText = parts[0] ?? '';
  const base = baseText ? register(baseText, spec) : undefined;
  const index = parts[1] ? register(parts[1], spec) : undefined;
  const scale = parts[2] ? Number(integer(parts[2], spec)) : index ? 1 : undefined;
  if (scale !== undefined && ![1, 2, 4, 8].includes(scale))
    throw new UsdtArgError(`'${spec}': scale ${scale} is not 1, 2, 4 or 8`);
  if (parts.length > 3 || (!base && !index && !symbol))
    throw new UsdtArgError(`'${spec}': cannot parse operand '${operand}'`);
  if (symbol) {
    // `sym(%rip)` is the symbol's address (the assembler made it pc-relative): no register involved.
    if (base?.name !== 'rip' || index)
      throw new UsdtArgError(`'${spec}': symbol operands are supported only relative to %rip`);
    return { size, signed, location: { kind: 'mem', offset, symbol }, text };
  }
  if (base?.name === 'rip')
    throw new UsdtArgError(`'${spec}': %rip-relative operands without a symbol are not supported`);
  const location: UsdtLocation = {
    kind: 'mem',
    offset,
    ...(base ? { base } : {}),
    ...(index ? { index, scale: scale ?? 1 } : {}),
  };
  return { size, signed, location, text };
}

/** Parses a probe's whole argument description (space separated); '' → []. */
export function parseUsdtArgs(text: string): UsdtArg[] {
  return text.trim() === '' ? [] : text.trim().split(/\s+/).map(parseUsdtArg);
}

/** The USDT probes of a file, in note order. File offsets come from the PT_LOAD segments. */
export function readUsdtProbes(elf: ElfFile): UsdtProbe[] {
  const notes = elf.notes('.note.stapsdt').filter((n) => n.name === 'stapsdt' && n.type === NT_STAPSDT);
  if (!notes.length) return [];
  // Notes record link-time addresses; if the file was moved since (prelink), .stapsdt.base tells by how much.
  const baseSection = elf.section('.stapsdt.base');
  const probes: UsdtProbe[] = [];
  for (const n of notes) {
    if (n.desc.length < 24 + 3) continue;
    const notePc = n.desc.readBigUInt64LE(0);
    const noteBase = n.desc.readBigUInt64LE(8);
    const semaphore = n.desc.readBigUInt64LE(16);
    const strings = n.desc.subarray(24).toString('latin1').split('\0');
    const [provider = '', name = '', argsText = ''] = strings;
    const pc = baseSection && noteBase !== 0n ? notePc + baseSection.addr - noteBase : notePc;
    const offset = elf.vaddrToOffset(pc);
    if (offset === undefined) continue; // not in a loaded segment: cannot be probed
    let args: UsdtArg[] | undefined;
    let argsError: string | undefined;
    if (elf.header.machine !== EM_X86_64) argsError = 'USDT arguments are only understood on x86_64';
    else {
      try {
        args = parseUsdtArgs(argsText);
      } catch (e) {
        if (!(e instanceof UsdtArgError)) throw e;
        argsError = e.message;
      }
    }
    const semaphoreOffset = semaphore !== 0n ? elf.vaddrToOffset(semaphore) : undefined;
    probes.push({
      provider,
      name,
      pc,
      offset,
      semaphore,
      ...(semaphoreOffset !== undefined ? { semaphoreOffset } : {}),
      argsText,
      ...(args ? { args } : {}),
      ...(argsError !== undefined ? { argsError } : {}),
    });
  }
  return probes;
}
