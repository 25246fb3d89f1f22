// One probe block and attach point → one BPF program.
import { BPF_FUNC, JumpRangeError, R0, R1, R2, R6, R7, R10, alu64Imm, call, encode, exit, isLabel, jmpImm, ldMapFd, ldx, mov64Imm, mov64Reg, st, withSpan, type AsmItem } from '../asm/index.ts';
import { SCRATCH_MAP } from '../program.ts';
import { Frame, MAX_INSNS, ProgramTooLong } from './emitter.ts';
import type { CheckedProbe, ResolvedAttach } from '../../lang/check/index.ts';
import type { Type } from '../../lang/types.ts';
import { slotSize } from '../layout.ts';
import type { ProgType, ProgramSpec } from '../program.ts';
import { CodegenError, newGen, type Gen, type PendingCallback, type Shared } from './context.ts';
import { deepest, isStackOverflow } from '../../lang/walk.ts';
import { functionsBtf } from '../btf/index.ts';
import { generateCallback } from './for-map.ts';
import { allocValue, stSlot } from './context.ts';
import { emitInt } from './expr.ts';
import { pruneUnreachable } from './prune.ts';
import { emitBlock } from './stmt.ts';

export function progTypeFor(a: ResolvedAttach): ProgType {
  switch (a.provider) {
    case 'BEGIN':
    case 'END':
      return 'raw_tracepoint'; // run on demand with BPF_PROG_TEST_RUN
    case 'tracepoint':
      return 'tracepoint';
    case 'kprobe':
    case 'kretprobe':
    case 'uprobe':
    case 'uretprobe':
    case 'usdt':
      return 'kprobe';
    case 'rawtracepoint':
      return a.btfId !== undefined ? 'tracing' : 'raw_tracepoint';
    case 'fentry':
    case 'fexit':
    case 'iter':
      return 'tracing';
    case 'interval':
    case 'profile':
    case 'software':
    case 'hardware':
    case 'watchpoint':
      return 'perf_event';
  }
}

/**
 * -p PID: probes that fire in any process test the pid in code. uprobes, USDT and watchpoints are placed in
 * that process when they attach; interval timers, BEGIN/END and iterators are not about a process at all
 * (bpftrace v0.26 filters the same set; profile and software/hardware events it opens on the pid instead).
 */
const FILTERED_BY_PID: ReadonlySet<string> = new Set(['kprobe', 'kretprobe', 'fentry', 'fexit', 'tracepoint', 'rawtracepoint', 'profile', 'software', 'hardware']);

export function generateProbe(shared: Shared, probe: CheckedProbe, attach: ResolvedAttach, index: number, pid?: number): ProgramSpec {
  try {
    return generate(shared, probe, attach, index, pid);
  } catch (e) {
    if (isStackOverflow(e) && deepest(probe.probe).depth >= 64) throw tooDeep(probe); // shallow: a bug, not a limit
    if (e instanceof JumpRangeError) throw tooLong(probe, e);
    if (e instanceof ProgramTooLong)
      throw new CodegenError(`this probe compiles to more than ${MAX_INSNS} BPF instructions, more than the kernel loads`, e.span ?? probe.probe.span, [
        'unroll fewer times (nested unrolls multiply), or split the work across probes',
      ]);
    throw e;
  }
}

/** Code generation recurses over the tree; a tree deeper than the JS stack is the user's to split. */
function tooDeep(probe: CheckedProbe): CodegenError {
  const { node, depth } = deepest(probe.probe);
  return new CodegenError(`this probe nests ${depth} levels deep here, more than scry can compile`, node.span, [
    'split the expression or the nested blocks, e.g. keep parts in $variables',
  ]);
}

/** BPF jumps reach 32767 instructions either way; a longer branch cannot be encoded. */
function tooLong(probe: CheckedProbe, e: JumpRangeError): CodegenError {
  return new CodegenError(
    `this code jumps over ${Math.abs(e.distance)} BPF instructions, more than a BPF jump reaches (32767)`,
    e.insn.span ?? probe.probe.span,
    ['split the probe into several probes, or shorten what this branch skips (long if/else chains, long strings)'],
  );
}

function generate(shared: Shared, probe: CheckedProbe, attach: ResolvedAttach, index: number, pid?: number): ProgramSpec {
  const g = newGen(shared, attach);
  const { e } = g;
  e.span = probe.probe.span;
  // r6 keeps the context for builtins that read it; r1 is clobbered by the first helper call.
  e.emit(mov64Reg(R6, R1));
  allocateVariables(g, shared.checked.varTypes.get(probe.probe));
  e.at(probe.probe.span, () => {
    if (pid !== undefined && FILTERED_BY_PID.has(attach.provider)) {
      e.emit(call(BPF_FUNC.get_current_pid_tgid), alu64Imm('rsh', R0, 32), jmpImm('jne', R0, pid, g.exitLabel));
    }
    // an iterator runs once more at the end with no object (ctx->task == NULL): nothing to report then
    if (attach.provider === 'iter') e.emit(ldx(8, R0, R6, 8), jmpImm('jeq', R0, 0, g.exitLabel));
    if (probe.probe.predicate) {
      const pred = probe.probe.predicate;
      e.at(pred.span, () => {
        emitInt(g, pred);
        e.emit(jmpImm('jeq', R0, 0, g.exitLabel));
      });
    }
    emitBlock(g, probe.probe.body);
  });
  e.place(g.exitLabel);
  e.emit(mov64Imm(R0, 0), exit());
  const items = g.frame.scratchUsed ? [...e.items.slice(0, 1), ...scratchPrologue(g), ...e.items.slice(1)] : e.items;
  shared.scratchSize = Math.max(shared.scratchSize, g.frame.scratchUsed);
  // for-map loop bodies become functions after the main program's exit, each generated once its caller is
  // complete (its frame size known); generating one may queue more (loops in loops).
  const all = [...items];
  for (let i = 0; i < g.callbacks.length; i++) all.push(...generateCallback(g.callbacks[i]!));
  for (const f of g.functions ?? []) all.push(...f.items);
  const pruned = pruneUnreachable(all);
  const enc = encode(pruned);
  const name = programName(attach, index);
  return {
    name,
    progType: progTypeFor(attach),
    ...tracingFor(attach),
    attach,
    bytecode: enc.bytes,
    relocations: enc.relocations,
    sourceMap: enc.sourceMap,
    ...functionInfo(name, [...g.callbacks, ...(g.functions ?? [])], pruned, enc.labels),
  };
}

/** Every `$x` gets one slot for the whole probe, sized for the widest value the checker saw assigned to it. */
function allocateVariables(g: Gen, types: ReadonlyMap<string, Type> | undefined): void {
  for (const [name, type] of types ?? []) {
    const size = slotSize(type);
    const offset = allocValue(g, size);
    // Zeroed, so a read before the first assignment (or of a shorter string) is defined.
    for (let i = 0; i < size; i += 8) g.e.emit(stSlot(8, offset + i, 0));
    g.vars.set(name, { offset, type });
  }
}

/**
 * BTF and func_info for a program with callbacks: one FUNC per function, at its first slot. A loop in code
 * that can never run (after exit()) lost its callback to pruning and is left out.
 */
function functionInfo(
  name: string,
  callbacks: readonly Pick<PendingCallback, 'label'>[],
  items: readonly AsmItem[],
  labels: ReadonlyMap<string, number>,
): Pick<ProgramSpec, 'btf' | 'funcInfo'> {
  const used = new Set(items.flatMap((i) => (!isLabel(i) && i.funcTo !== undefined ? [i.funcTo] : [])));
  const live = callbacks.map((c) => c.label).filter((l) => used.has(l));
  if (!live.length) return {};
  const btf = functionsBtf(`scry_${name}`, live);
  return {
    btf: btf.data,
    funcInfo: [{ insn: 0, typeId: btf.main }, ...live.map((l, i) => ({ insn: labels.get(l)!, typeId: btf.callbacks[i]! }))],
  };
}

/**
 * r7 = this CPU's scratch area, looked up once; the function ends quietly (at `fail`) if it is missing
 * (it never is). for-loop callbacks run it too (for-map.ts).
 */
export function scratchPrologue(g: Gen, fail: string = g.exitLabel): AsmItem[] {
  return [
    st(4, R10, Frame.scratchKey, 0),
    ldMapFd(R1, SCRATCH_MAP),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, Frame.scratchKey),
    call(BPF_FUNC.map_lookup_elem),
    jmpImm('jeq', R0, 0, fail),
    mov64Reg(R7, R0),
  ].map((i) => withSpan(i, g.shared.checked.ast.span));
}

function tracingFor(a: ResolvedAttach): { tracing?: ProgramSpec['tracing'] } {
  if (a.provider === 'fentry' || a.provider === 'fexit') return { tracing: { attach: a.provider, btfId: a.btfId, ...(a.module ? { module: a.module } : {}) } };
  if (a.provider === 'iter') return { tracing: { attach: 'iter', btfId: a.btfId } };
  if (a.provider === 'rawtracepoint' && a.btfId !== undefined) return { tracing: { attach: 'raw_tp', btfId: a.btfId } };
  return {};
}

/** Kernel program names: ≤ 15 characters of [A-Za-z0-9_]. */
function programName(a: ResolvedAttach, index: number): string {
  const base =
    a.provider === 'tracepoint' || a.provider === 'rawtracepoint'
      ? a.event
      : a.provider === 'kprobe' || a.provider === 'kretprobe' || a.provider === 'fentry' || a.provider === 'fexit' || a.provider === 'uprobe' || a.provider === 'uretprobe'
        ? a.func || 'addr'
        : a.provider === 'usdt'
          ? a.site.name
        : a.provider === 'iter'
          ? `iter_${a.target}`
          : a.provider;
  return `${index}_${base}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
}
