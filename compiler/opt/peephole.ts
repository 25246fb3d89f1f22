// Peephole rules for the shapes the generator emits around its r0-centred expression code:
//   rA = rB; <ops on rA, rB untouched>; rB = rA   (rA dead after)  →  <ops on rB>
//     (conditional jumps on the way too, where rA, and rB once they differ, are dead where they land)
//   rA = rB; rB = rA                                               →  rA = rB
//   rA = <value>; rB = rA                          (rA dead after)  →  rB = <value>
//     (also over conditional jumps between them that leave rA and rB dead where they land: `r0 = <field>;
//     if r0 s<= 0 goto out; r6 = r0` is `r6 = <field>; if r6 s<= 0 goto out`)
//   rA = rB; rA op= x; …; wB = wA                  (rA dead after)  →  wB op= x; …
//     (op one whose low 32 result bits depend only on the low 32 input bits: add, sub, mul, and, or, xor,
//     left shifts under 32; the 32-bit op zero-extends as the final move did)
//   rA = rB; <uses of rA, rB untouched>            (rB dead after the copy)  →  <the uses on rB>
//     (the generator copies a kept value into r0 to work on it: `r0 = r9; r0 >>= 32; store r0` is pid from a
//     kept pid_tgid, and r9 is not read again; conditional jumps on the way, where rA is dead, are renamed too)
// No label, call, exit or unconditional jump inside a pattern; conditional jumps only where said.
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_CMPXCHG,
  BPF_LSH,
  BPF_MOV,
  BPF_MUL,
  BPF_OR,
  BPF_SUB,
  BPF_X,
  BPF_XOR,
  CLASS_MASK,
  isLabel,
  type AsmItem,
  type Insn,
  type Reg,
} from '../asm/index.ts';
import { buildCfg, type Cfg } from './cfg.ts';
import { liveRegisters } from './dead.ts';
import {
  cls,
  isAlu,
  isAtomic,
  isCall,
  isCond,
  isJmpClass,
  isLdImm64,
  isLoad,
  isReg,
  op,
  readsSrcReg,
  defMask,
  useMask,
  hasReg,
} from './insn-info.ts';
import type { PassResult } from './fold.ts';

const MOV64_X = BPF_ALU64 | BPF_MOV | BPF_X;
const isCopy = (i: AsmItem | undefined): i is Insn =>
  i !== undefined && !isLabel(i) && i.code === MOV64_X && i.off === 0 && i.src !== 10 && i.src !== i.dst;
const touches = (i: Insn, r: Reg): boolean => hasReg(useMask(i) | defMask(i), r) || i.dst === r;

function rename(i: Insn, from: Reg, to: Reg): Insn {
  return { ...i, dst: i.dst === from ? to : i.dst, src: i.src === from && usesSrcReg(i) ? to : i.src };
}

/** Whether the src field names a register (not a pseudo value or an immediate form). */
function usesSrcReg(i: Insn): boolean {
  if (isLdImm64(i) || isCall(i)) return false;
  if (isLoad(i) || cls(i) === 3 /* stx, atomics */) return true;
  return isAlu(i) ? readsSrcReg(i) : isJmpClass(i) && isReg(i);
}

/** Writes only its destination, without reading it: mov, loads, 64-bit immediates. */
const writesFresh = (i: Insn): boolean => (isAlu(i) && op(i) === BPF_MOV && i.off === 0) || isLoad(i) || isLdImm64(i);

const MOV32_X = BPF_ALU | BPF_MOV | BPF_X;
const LOW_HALF_OPS: ReadonlySet<number> = new Set([BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH]);

/** A 64-bit op on `r` whose low 32 result bits come from the low 32 bits of its inputs alone (none read `not`). */
function lowHalfOp(i: AsmItem | undefined, r: Reg, not: Reg): i is Insn {
  if (i === undefined || isLabel(i) || cls(i) !== BPF_ALU64 || i.dst !== r || i.off !== 0) return false;
  if (!LOW_HALF_OPS.has(op(i))) return false;
  if (isReg(i)) return i.src !== r && i.src !== not && i.src !== 10 && op(i) !== BPF_LSH;
  return op(i) !== BPF_LSH || (i.imm >= 0 && i.imm < 32);
}

/** rA = rB; rA op= x; …; wB = wA  →  wB op= x; … at i, or undefined. */
function narrowed(work: readonly (AsmItem | undefined)[], i: number, live: readonly number[]): Insn[] | undefined {
  const a = work[i];
  if (!isCopy(a)) return undefined;
  const rA = a.dst;
  const rB = a.src as Reg;
  let j = i + 1;
  while (lowHalfOp(work[j], rA, rB)) j++;
  const last = work[j];
  if (j === i + 1 || last === undefined || isLabel(last) || last.code !== MOV32_X || last.off !== 0) return undefined;
  if (last.dst !== rB || last.src !== rA || live[j]! & (1 << rA)) return undefined;
  return (work.slice(i + 1, j) as Insn[]).map((x) => ({
    ...x,
    code: (x.code & ~CLASS_MASK) | BPF_ALU,
    dst: rB,
    ...(last.span && !x.span ? { span: last.span } : {}),
  }));
}

const isCmpxchg = (i: Insn): boolean => isAtomic(i) && i.imm === BPF_CMPXCHG;

/** A conditional jump where none of `regs` (bits) is live at the label it jumps to. */
function leavesDead(cfg: Cfg, live: readonly number[], x: AsmItem, regs: number): x is Insn {
  if (isLabel(x) || !isCond(x)) return false;
  const at = cfg.labelAt.get(x.jumpTo!);
  return at !== undefined && (live[at]! & regs) === 0;
}

/**
 * rA = rB at i, rB dead after it: the items up to rA's last read, renamed to use rB; undefined when rA lives
 * past a label, call, exit or unconditional jump, or a conditional jump to where rA is live, or an item on the
 * way touches rB. (rB dead after the copy is dead where a jump on the way lands too.)
 */
function coalesced(
  work: readonly (AsmItem | undefined)[],
  i: number,
  live: readonly number[],
  cfg: Cfg,
): number | undefined {
  const a = work[i];
  if (!isCopy(a) || a.dst === 10 || live[i]! & (1 << a.src)) return undefined;
  const rA = a.dst;
  for (let j = i + 1; j < work.length; j++) {
    const b = work[j];
    if (b === undefined) continue;
    // (a cmpxchg reads and writes r0 without naming it: no renaming across one)
    if (isLabel(b) || touches(b, a.src as Reg) || isCmpxchg(b)) return undefined;
    if (isJmpClass(b) && !leavesDead(cfg, live, b, 1 << rA)) return undefined;
    if (!(live[j]! & (1 << rA))) return j;
  }
  return undefined;
}

export function peephole(items: readonly AsmItem[]): PassResult {
  const cfg = buildCfg(items);
  const live = liveRegisters(cfg);
  const work: (AsmItem | undefined)[] = [...items];
  let changed = false;
  // first the copy pairs (they save two instructions), then the moves of fresh values (one)
  for (let i = 0; i < work.length; i++) {
    const a = work[i];
    if (!isCopy(a)) continue;
    const rA = a.dst;
    const rB = a.src as Reg;
    const next = work[i + 1];
    // rA = rB; rB = rA  →  rA = rB
    if (isCopy(next) && next.dst === rB && next.src === rA) {
      work[i + 1] = undefined;
      changed = true;
      continue;
    }
    let modified = false; // whether an item since the copy wrote rA (rB, once renamed): rA and rB differ from there
    for (let j = i + 1; j < work.length; j++) {
      const b = work[j];
      // (an item an earlier match removed: its neighbours' liveness is no longer the solver's)
      if (b === undefined || isLabel(b)) break;
      if (isCopy(b) && b.dst === rB && b.src === rA) {
        if (live[j]! & (1 << rA)) break;
        for (let k = i + 1; k < j; k++) work[k] = rename(work[k] as Insn, rA, rB);
        work[i] = undefined;
        work[j] = undefined;
        changed = true;
        break;
      }
      // a conditional jump may come between where rA is dead at its label, and rB too once they differ (a read
      // of rB before then reads the value rA has)
      if (isJmpClass(b)) {
        if (!leavesDead(cfg, live, b, (1 << rA) | (modified ? 1 << rB : 0)) || (modified && touches(b, rB))) break;
        continue;
      }
      if (touches(b, rB)) break;
      if (hasReg(defMask(b), rA)) modified = true;
    }
  }
  // the liveness below is of the items as they came in: when the first sweep changed them, the driver comes back
  if (changed) return { items: work.filter((x): x is AsmItem => x !== undefined), changed };
  for (let i = 0; i < work.length; i++) {
    const ops = narrowed(work, i, live);
    if (!ops) continue;
    work.splice(i, ops.length + 2, ...ops);
    // the liveness indices no longer match the items: the driver comes back for the rest
    return { items: work.filter((x): x is AsmItem => x !== undefined), changed: true };
  }
  for (let i = 0; i < work.length; i++) {
    const a = work[i];
    if (!a || isLabel(a)) continue;
    if (!writesFresh(a) || a.dst === 10) continue;
    // rA = <value>; [if … rA … goto L]; rB = rA  →  rB = <value>; [if … rB … goto L]
    const jumps: number[] = [];
    let n = i + 1;
    for (; n < work.length; n++) {
      const x = work[n];
      if (x === undefined) continue;
      if (!leavesDead(cfg, live, x, 1 << a.dst)) break;
      jumps.push(n);
    }
    const next = work[n];
    if (!isCopy(next) || next.src !== a.dst || live[n]! & (1 << a.dst)) continue;
    const rB = next.dst;
    if (jumps.some((j) => touches(work[j] as Insn, rB) || !leavesDead(cfg, live, work[j]!, 1 << rB))) continue;
    work[i] = { ...a, dst: rB };
    for (const j of jumps) work[j] = rename(work[j] as Insn, a.dst, rB);
    work[n] = undefined;
    changed = true;
  }
  if (changed) return { items: work.filter((x): x is AsmItem => x !== undefined), changed };
  for (let i = 0; i < work.length; i++) {
    const end = coalesced(work, i, live, cfg);
    if (end === undefined) continue;
    const a = work[i] as Insn;
    for (let k = i + 1; k <= end; k++) if (work[k]) work[k] = rename(work[k] as Insn, a.dst, a.src as Reg);
    work[i] = undefined;
    changed = true;
    i = end; // the liveness of the renamed items is no longer the solver's: the next copy starts after them
  }
  return { items: work.filter((x): x is AsmItem => x !== undefined), changed };
}
