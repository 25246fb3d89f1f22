// What one instruction reads and writes, as the optimizer's passes need it: registers defined and used, whether
// it has effects beyond its destination register, and how control leaves it. The single place that decodes
// opcode bits for the optimizer, so every pass agrees on them.
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_CALL,
  BPF_ST,
  BPF_STX,
  BPF_X,
  CLASS_MASK,
  LD_IMM64,
  MODE_MASK,
  OP_MASK,
  SIZE_MASK,
  SOURCE_MASK,
  BPF_B,
  BPF_DW,
  BPF_H,
  BPF_W,
  isLabel,
  type AsmItem,
  type Insn,
  type Reg,
} from '../asm/index.ts';

export const cls = (i: Insn): number => i.code & CLASS_MASK;
export const op = (i: Insn): number => i.code & OP_MASK;
export const isReg = (i: Insn): boolean => (i.code & SOURCE_MASK) === BPF_X;

export const isAlu = (i: Insn): boolean => cls(i) === BPF_ALU || cls(i) === BPF_ALU64;
export const isLdImm64 = (i: Insn): boolean => i.code === LD_IMM64;
export const isLoad = (i: Insn): boolean => cls(i) === BPF_LDX;
/** A plain store (BPF_MEM), by immediate or register; atomics are not. */
export const isStore = (i: Insn): boolean =>
  (cls(i) === BPF_ST || cls(i) === BPF_STX) && (i.code & MODE_MASK) === BPF_MEM;
export const isAtomic = (i: Insn): boolean => cls(i) === BPF_STX && (i.code & MODE_MASK) === BPF_ATOMIC;
export const isJmpClass = (i: Insn): boolean => cls(i) === BPF_JMP || cls(i) === BPF_JMP32;
export const isCall = (i: Insn): boolean => cls(i) === BPF_JMP && op(i) === BPF_CALL;
export const isHelperCall = (i: Insn): boolean => isCall(i) && i.src === 0;
export const isPseudoCall = (i: Insn): boolean => isCall(i) && i.src === BPF_PSEUDO_CALL;
export const isExit = (i: Insn): boolean => cls(i) === BPF_JMP && op(i) === BPF_EXIT;
export const isJa = (i: Insn): boolean => cls(i) === BPF_JMP && op(i) === BPF_JA;
/** A conditional jump (not ja, call or exit). */
export const isCond = (i: Insn): boolean => isJmpClass(i) && i.jumpTo !== undefined && !isJa(i);

export function memSize(i: Insn): 1 | 2 | 4 | 8 {
  switch (i.code & SIZE_MASK) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    case BPF_DW:
      return 8;
  }
  throw new Error(`opt: no size in opcode ${i.code}`);
}

/**
 * The registers an instruction writes, as a bit set (bit r: register r). Bit sets, not arrays: the optimizer asks
 * for every instruction in every analysis, in code that runs cold at each start, where each array is an allocation.
 */
export function defMask(i: Insn): number {
  if (isAlu(i) || isLdImm64(i) || isLoad(i)) return 1 << i.dst;
  if (isCall(i)) return 0b111111; // r0-r5
  if (isAtomic(i)) {
    if (i.imm === BPF_CMPXCHG) return 1;
    if (i.imm & BPF_FETCH) return 1 << i.src;
  }
  return 0;
}

/** Whether the bit set holds register r. */
export const hasReg = (mask: number, r: number): boolean => (mask & (1 << r)) !== 0;

/**
 * Whether the src field of an ALU instruction names a register. neg and the byte swaps have none: their
 * BPF_X bit means "to big-endian", and the verifier refuses a nonzero src ("BPF_END uses reserved fields").
 */
export function readsSrcReg(i: Insn): boolean {
  return isReg(i) && op(i) !== BPF_NEG && op(i) !== BPF_END;
}

/**
 * How many argument registers a helper reads, for the helpers the generator calls whose arity is fixed (the
 * kernel's bpf_func_proto); any other call, and a subprogram, reads all five.
 */
const HELPER_ARGS: Readonly<Record<number, number>> = {
  1: 2, // map_lookup_elem(map, key)
  2: 4, // map_update_elem(map, key, value, flags)
  3: 2, // map_delete_elem(map, key)
  4: 3, // probe_read(dst, size, src)
  5: 0, // ktime_get_ns()
  7: 0, // get_prandom_u32()
  8: 0, // get_smp_processor_id()
  14: 0, // get_current_pid_tgid()
  15: 0, // get_current_uid_gid()
  16: 2, // get_current_comm(buf, size)
  27: 3, // get_stackid(ctx, map, flags)
  35: 0, // get_current_task()
  45: 3, // probe_read_str(dst, size, src)
  112: 3, // probe_read_user
  113: 3, // probe_read_kernel
  114: 3, // probe_read_user_str
  115: 3, // probe_read_kernel_str
  125: 0, // ktime_get_boot_ns()
  130: 4, // ringbuf_output(map, data, size, flags)
  158: 0, // get_current_task_btf()
};

/** r1..rn as a bit set, by n */
const ARGS = [0, 0b10, 0b110, 0b1110, 0b11110, 0b111110];

/**
 * The registers an instruction reads, as a bit set (see defMask). A call reads its helper's argument registers
 * (HELPER_ARGS), else all five.
 */
export function useMask(i: Insn): number {
  if (isAlu(i)) return (op(i) === BPF_MOV ? 0 : 1 << i.dst) | (readsSrcReg(i) ? 1 << i.src : 0); // mov only writes dst; neg and end read it
  if (isLdImm64(i)) return 0;
  if (isLoad(i)) return 1 << i.src;
  if (cls(i) === BPF_ST) return 1 << i.dst;
  if (cls(i) === BPF_STX) return (1 << i.dst) | (1 << i.src) | (i.imm === BPF_CMPXCHG && isAtomic(i) ? 1 : 0);
  if (isCall(i)) return ARGS[isHelperCall(i) ? (HELPER_ARGS[i.imm] ?? 5) : 5]!;
  if (isExit(i)) return 1;
  if (isCond(i)) return (1 << i.dst) | (isReg(i) ? 1 << i.src : 0);
  return 0;
}

/** An instruction whose only effect is its destination register (removable once that register is dead). */
export function isPure(i: Insn): boolean {
  return isAlu(i) || isLdImm64(i) || isLoad(i);
}

/** Does control go on to the next item after this one? */
export function fallsThrough(item: AsmItem): boolean {
  return isLabel(item) || !(isExit(item) || (isJa(item) && item.jumpTo !== undefined));
}

/**
 * Whether the items call a subprogram or take a callback's address: functions with their own entry and
 * registers, which the passes that keep a value in a callee-saved register leave alone.
 */
export function hasSubprograms(items: readonly AsmItem[]): boolean {
  return items.some((it) => !isLabel(it) && (it.callTo !== undefined || it.funcTo !== undefined));
}

/** The callee-saved registers (r6-r9) that no instruction of `items` reads or writes, lowest first. */
export function unusedCalleeSaved(items: readonly AsmItem[]): Reg[] {
  let used = 0;
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!;
    if (!isLabel(it)) used |= defMask(it) | useMask(it);
  }
  return ([6, 7, 8, 9] as Reg[]).filter((r) => !hasReg(used, r));
}
