// One probe block and attach point → one BPF program.
import { BPF_FUNC, R0, R1, R2, R6, R7, R10, alu64Imm, call, encode, exit, jmpImm, ldMapFd, mov64Imm, mov64Reg, st, withSpan, type AsmItem } from '../asm/index.ts';
import { SCRATCH_MAP } from '../program.ts';
import { Frame } from './emitter.ts';
import type { CheckedProbe, ResolvedAttach } from '../../lang/check/index.ts';
import type { Type } from '../../lang/types.ts';
import { slotSize } from '../layout.ts';
import type { ProgType, ProgramSpec } from '../program.ts';
import { allocOrFail, newGen, type Gen, type Shared } from './context.ts';
import { addrOf, allocValue, ldSlot, stSlot, stxSlot } from './context.ts';
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
      return 'kprobe';
    case 'interval':
    case 'profile':
      return 'perf_event';
  }
}

export function generateProbe(shared: Shared, probe: CheckedProbe, attach: ResolvedAttach, index: number): ProgramSpec {
  const g = newGen(shared, attach);
  const { e } = g;
  e.span = probe.probe.span;
  // r6 keeps the context for builtins that read it; r1 is clobbered by the first helper call.
  e.emit(mov64Reg(R6, R1));
  allocateVariables(g, shared.checked.varTypes.get(probe.probe));
  e.at(probe.probe.span, () => {
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
  const enc = encode(pruneUnreachable(items));
  return {
    name: programName(attach, index),
    progType: progTypeFor(attach),
    attach,
    bytecode: enc.bytes,
    relocations: enc.relocations,
    sourceMap: enc.sourceMap,
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

/** r7 = this CPU's scratch area, looked up once; the program ends quietly if it is missing (it never is). */
function scratchPrologue(g: Gen): AsmItem[] {
  return [
    st(4, R10, Frame.scratchKey, 0),
    ldMapFd(R1, SCRATCH_MAP),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, Frame.scratchKey),
    call(BPF_FUNC.map_lookup_elem),
    jmpImm('jeq', R0, 0, g.exitLabel),
    mov64Reg(R7, R0),
  ].map((i) => withSpan(i, g.shared.checked.ast.span));
}

/** Kernel program names: ≤ 15 characters of [A-Za-z0-9_]. */
function programName(a: ResolvedAttach, index: number): string {
  const base = a.provider === 'tracepoint' ? a.event : a.provider === 'kprobe' || a.provider === 'kretprobe' ? a.func : a.provider;
  return `${index}_${base}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
}
