// kstack and ustack: a stack id from bpf_get_stackid; user space turns it into frames.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R6,
  alu64Imm,
  alu64Reg,
  call,
  ldMapFd,
  mov32Reg,
  mov64Imm,
  mov64Reg,
} from '../../asm/index.ts';
import type { CallExpr, IdentExpr, IntView } from '../../../lang/index.ts';
import { stackMapName } from '../../program.ts';
import { allocOrFail, ldSlot, scoped, stxSlot, typeOf, type Gen } from '../context.ts';
import { checkHelper } from '../helper-errors.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

const BPF_F_USER_STACK = 1 << 8;

type StackView = Extract<IntView, { kind: 'stack' }>;

/** r0 = the stack id (negative when it could not be taken); for ustack the pid sits above it, for symbols. */
function emitStack(g: Gen, view: StackView, span: CallExpr['span']): void {
  const e = g.e;
  g.shared.stackLimits.add(view.limit);
  const user = view.space === 'user';
  e.emit(
    mov64Reg(R1, R6),
    ldMapFd(R2, stackMapName(view.limit)),
    mov64Imm(R3, user ? BPF_F_USER_STACK : 0),
    call(helper.get_stackid),
  );
  checkHelper(g, 'get_stackid', 'other');
  if (!user) return;
  scoped(g, () => {
    const id = allocOrFail(g, 8, span);
    e.emit(
      mov32Reg(R0, R0),
      stxSlot(8, id, R0),
      call(helper.get_current_pid_tgid),
      alu64Imm('rsh', R0, 32),
      alu64Imm('lsh', R0, 32),
    );
    e.emit(ldSlot(8, R1, id), alu64Reg('or', R0, R1));
  });
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
