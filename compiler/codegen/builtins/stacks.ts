// kstack and ustack: a stack id from bpf_get_stackid; user space turns it into frames.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  alu64Imm,
  call,
  jmpImm,
  ldMapFd,
  mov64Imm,
  mov64Reg,
} from '../../asm/index.ts';
import type { CallExpr, IdentExpr, IntView } from '../../../lang/index.ts';
import { stackMapName } from '../../program.ts';
import { addrOf, allocOrFail, allocValue, ldSlot, scoped, stxSlot, typeOf, type Gen } from '../context.ts';
import { checkHelper } from '../helper-errors.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';
import { emitPid, emitPidTgid } from './context.ts';

const BPF_F_USER_STACK = 1 << 8;
const EFAULT = 14;

type StackView = Extract<IntView, { kind: 'stack' }>;

/**
 * The stack id from bpf_get_stackid in r0 (negative when it could not be taken). For ustack the value is
 * tgid << 32 | the id as u32, the pid for symbols: written as its two halves at r10+at, an 8-byte slot the
 * caller gives (a map key, a record) or a temporary, rather than shifted together in registers.
 */
function emitStack(g: Gen, view: StackView, span: CallExpr['span'], at?: number): void {
  const e = g.e;
  const buildId = view.mode === 'build_id';
  (buildId ? g.shared.buildIdStackLimits : g.shared.stackLimits).add(view.limit);
  const user = view.space === 'user';
  e.emit(
    ...e.contextToR1(),
    ldMapFd(R2, stackMapName(view.limit, buildId)),
    mov64Imm(R3, user ? BPF_F_USER_STACK : 0),
    call(helper.get_stackid),
  );
  // An empty stack (a kernel stack sampled in user mode, a user stack of a kernel thread) is -EFAULT from
  // get_stackid where bpftrace v0.26's bpf_get_stack returns no frames without a warning: the stack prints
  // empty. Its other failures (a full stack map, -EEXIST on a hash collision) print empty too, with a warning
  // where they print (runtime/stacks.ts takeStackFailures), and -kk reports each as it happens.
  checkHelper(g, 'get_stackid', 'read', -EFAULT);
  if (!user) {
    if (at !== undefined) e.emit(stxSlot(8, at, R0));
    return;
  }
  scoped(g, () => {
    const id = at ?? allocOrFail(g, 8, span);
    e.emit(stxSlot(4, id, R0));
    // the pid as the tracer sees it: its /proc names the process's mappings
    emitPid(g, emitPidTgid(g, span));
    e.emit(stxSlot(4, id + 4, R0));
    if (at === undefined) e.emit(ldSlot(8, R0, id));
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
      ...e.contextToR1(),
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
function stack(g: Gen, x: IdentExpr | CallExpr, at?: number): void {
  const t = typeOf(g, x);
  if (t.kind !== 'int' || t.view?.kind !== 'stack') throw new Error('stack builtin without a stack type');
  emitStack(g, t.view, x.span, at);
}

const stackInto = (g: Gen, x: IdentExpr | CallExpr, at: number): void => stack(g, x, at);
const stackRow: BuiltinEmit = {
  variable: { int: stack, intInto: stackInto },
  call: { int: stack, intInto: stackInto },
};

export const stackBuiltins: EmitRows = {
  kstack: stackRow,
  ustack: stackRow,
};
