// kstack and ustack: a stack id from bpf_get_stackid; user space turns it into frames.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  R6,
  alu64Imm,
  alu64Reg,
  call,
  jmpImm,
  ldMapFd,
  mov32Reg,
  mov64Imm,
  mov64Reg,
} from '../../asm/index.ts';
import type { CallExpr, IdentExpr, IntView } from '../../../lang/index.ts';
import { stackMapName } from '../../program.ts';
import { addrOf, allocOrFail, allocValue, ldSlot, scoped, stxSlot, typeOf, type Gen } from '../context.ts';
import { checkHelper } from '../helper-errors.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';
import { emitPidTgid } from './context.ts';

const BPF_F_USER_STACK = 1 << 8;

type StackView = Extract<IntView, { kind: 'stack' }>;

/** r0 = the stack id (negative when it could not be taken); for ustack the pid sits above it, for symbols. */
function emitStack(g: Gen, view: StackView, span: CallExpr['span']): void {
  const e = g.e;
  const buildId = view.mode === 'build_id';
  (buildId ? g.shared.buildIdStackLimits : g.shared.stackLimits).add(view.limit);
  const user = view.space === 'user';
  e.emit(
    mov64Reg(R1, R6),
    ldMapFd(R2, stackMapName(view.limit, buildId)),
    mov64Imm(R3, user ? BPF_F_USER_STACK : 0),
    call(helper.get_stackid),
  );
  checkHelper(g, 'get_stackid', 'other');
  if (!user) return;
  scoped(g, () => {
    const id = allocOrFail(g, 8, span);
    e.emit(mov32Reg(R0, R0), stxSlot(8, id, R0));
    // the pid as the tracer sees it: its /proc names the process's mappings
    emitPidTgid(g, span);
    e.emit(alu64Imm('rsh', R0, 32), alu64Imm('lsh', R0, 32));
    e.emit(ldSlot(8, R1, id), alu64Reg('or', R0, R1));
  });
}

/**
 * len(stack): the frames of the probe's current stack, in r0. A stack value is an id into a stack map, which
 * programs cannot read, so the stack is taken again with bpf_get_stack (kernel 4.18), which returns the
 * bytes it wrote: 8 a frame, up to the type's limit; 0 when it fails.
 */
export function emitStackLen(g: Gen, view: StackView): void {
  const e = g.e;
  const done = e.freshLabel('stacklen.end');
  scoped(g, () => {
    const buf = allocValue(g, view.limit * 8);
    e.emit(
      mov64Reg(R1, R6),
      ...addrOf(R2, buf),
      mov64Imm(R3, view.limit * 8),
      mov64Imm(R4, view.space === 'user' ? BPF_F_USER_STACK : 0),
      call(helper.get_stack),
      mov64Reg(R1, R0),
      mov64Imm(R0, 0),
      jmpImm('jsle', R1, 0, done),
      mov64Reg(R0, R1),
      alu64Imm('rsh', R0, 3),
    );
  });
  e.place(done);
}

/** The stack the checker typed (`kstack` is `kstack(bpftrace, 127)`; the call's arguments pick mode and depth). */
function stack(g: Gen, x: IdentExpr | CallExpr): void {
  const t = typeOf(g, x);
  if (t.kind !== 'int' || t.view?.kind !== 'stack') throw new Error('stack builtin without a stack type');
  emitStack(g, t.view, x.span);
}

const stackRow: BuiltinEmit = { variable: { int: stack }, call: { int: stack } };

export const stackBuiltins: EmitRows = {
  kstack: stackRow,
  ustack: stackRow,
};
