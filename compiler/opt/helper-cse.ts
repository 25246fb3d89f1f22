// A helper whose result cannot change while one run of the program lasts, called again where an earlier call of
// it has run on every path: the later call becomes a copy of the earlier result, kept in a callee-saved register
// the program does not otherwise use.
//   call 14 … call 14   →   call 14; rF = r0 … r0 = rF
// One slot more for the copy after the first call, one helper call fewer per later call (~2-3 ns each, measured
// with kernel.bpf_stats_enabled on a probe reading pid and tid: `/pid == X/ { @[tid] = count(); @l[pid] = … }`).
// Constant within a run: the current task (its pid/tgid and its uid/gid, which only the task itself changes, as it
// does not while it runs this program) and the CPU (the kernel runs tracing programs with migration disabled). A
// replaced call no longer clobbers r1-r5, which no code reads after a call (the verifier refuses it).
import { isLabel, mov64Reg, type AsmItem, type Insn, type Reg } from '../asm/index.ts';
import { buildCfg, type Cfg } from './cfg.ts';
import { hasSubprograms, isHelperCall, unusedCalleeSaved } from './insn-info.ts';
import type { PassResult } from './fold.ts';

/** get_smp_processor_id, get_current_pid_tgid, get_current_uid_gid, get_current_task, get_current_task_btf */
const CONSTANT_IN_A_RUN: ReadonlySet<number> = new Set([8, 14, 15, 35, 158]);

/** Whether every path from the program's entry to item `to` passes through item `through`. */
function dominates(cfg: Cfg, through: number, to: number): boolean {
  if (through === to) return true;
  if (through === 0) return true;
  const seen = new Uint8Array(cfg.items.length);
  seen[through] = 1;
  seen[0] = 1;
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    if (i === to) return false;
    for (const s of cfg.succ[i]!) if (!seen[s]) ((seen[s] = 1), stack.push(s));
  }
  return true;
}

export function reuseHelperResults(items: readonly AsmItem[]): PassResult {
  const unchanged = { items: [...items], changed: false };
  // a subprogram or callback has its own registers and entry: not worth the analysis
  if (hasSubprograms(items)) return unchanged;
  const free = unusedCalleeSaved(items);
  if (free.length === 0) return unchanged;
  // calls by helper, in order
  const calls = new Map<number, number[]>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (isLabel(it) || !isHelperCall(it) || !CONSTANT_IN_A_RUN.has(it.imm)) continue;
    const at = calls.get(it.imm);
    if (at) at.push(i);
    else calls.set(it.imm, [i]);
  }
  const cfg = buildCfg(items);
  const copyAfter = new Map<number, Reg>(); // call index -> register its result is copied to
  const replaced = new Map<number, Reg>(); // call index -> register it reads instead
  // the helpers with the most calls first, while free registers last
  let nextFree = 0;
  for (const at of [...calls.values()].filter((a) => a.length > 1).sort((a, b) => b.length - a.length)) {
    const reg = free[nextFree];
    if (reg === undefined) break;
    const kept: number[] = [];
    const sources = new Set<number>();
    for (const b of at) {
      const a = kept.find((k) => dominates(cfg, k, b));
      if (a === undefined) kept.push(b);
      else {
        sources.add(a);
        replaced.set(b, reg);
      }
    }
    if (sources.size === 0) continue;
    for (const a of sources) copyAfter.set(a, reg);
    nextFree++;
  }
  if (replaced.size === 0) return unchanged;
  const out: AsmItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const from = replaced.get(i);
    if (from !== undefined) {
      out.push({ ...mov64Reg(0, from), span: (it as Insn).span });
      continue;
    }
    out.push(it);
    const to = copyAfter.get(i);
    if (to !== undefined) out.push({ ...mov64Reg(to, 0), span: (it as Insn).span });
  }
  return { items: out, changed: true };
}
