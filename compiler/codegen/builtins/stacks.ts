// kstack and ustack: the frames themselves, taken by value with bpf_get_stack (as bpftrace v0.26 takes them).
import { BPF_FUNC as helper, R0, R2, R3, R4, alu64Imm, call, ja, jmpImm, mov64Imm } from '../../asm/index.ts';
import {
  BUILD_ID_FRAME_SIZE,
  stackViewOf,
  type CallExpr,
  type Expr,
  type IdentExpr,
  type Type,
} from '../../../lang/index.ts';
import { slotSize } from '../../layout.ts';
import { addrOf, allocValue, emitInto, ldSlot, scoped, stSlot, stxSlot, typeOf, type Gen } from '../context.ts';
import { warnAlways } from '../runtime-checks.ts';
import { zeroStack } from '../values.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';
import { emitPid, emitPidTgid } from './context.ts';

const BPF_F_USER_STACK = 1 << 8;
const BPF_F_USER_BUILD_ID = 1 << 11;

/** bpftrace v0.26's words when bpf_get_stack fails */
const READ_FAILED = { kernel: 'Error reading kstack.', user: 'Error reading ustack.' } as const;

/**
 * Writes the stack at r10+at in stackType's layout: bpf_get_stack fills the frames and zeroes the rest of
 * them (all of them when it fails), so the slot needs no zeroing first; then the header, the frame count and,
 * for ustack, the pid whose mappings name its addresses. An empty stack (a kernel stack sampled in user mode,
 * a user stack of a kernel thread) is no frames, not a failure; a failure (no callchain buffer for the
 * kernel to use: rare) is no frames and a warning, as in bpftrace v0.26.
 */
function emitStackInto(g: Gen, x: IdentExpr | CallExpr, at: number, size: number): void {
  const t = typeOf(g, x);
  const view = stackViewOf(t);
  if (!view) throw new Error('stack builtin without a stack type');
  const e = g.e;
  const user = view.space === 'user';
  const buildId = view.mode === 'build_id';
  const frame = buildId ? BUILD_ID_FRAME_SIZE : 8;
  const failed = e.freshLabel('stack.failed');
  const done = e.freshLabel('stack.end');
  e.emit(
    ...e.contextToR1(),
    ...addrOf(R2, at + 8),
    mov64Imm(R3, view.limit * frame),
    mov64Imm(R4, user ? BPF_F_USER_STACK | (buildId ? BPF_F_USER_BUILD_ID : 0) : 0),
    call(helper.get_stack),
    jmpImm('jslt', R0, 0, failed),
    alu64Imm('rsh', R0, Math.log2(frame)),
  );
  if (!user) e.emit(stxSlot(8, at, R0));
  else {
    e.emit(stxSlot(4, at, R0));
    // the pid as the tracer sees it: its /proc names the process's mappings
    emitPid(g, emitPidTgid(g, x.span));
    e.emit(stxSlot(4, at + 4, R0));
  }
  e.emit(ja(done));
  e.place(failed);
  e.emit(stSlot(8, at, 0));
  warnAlways(g, READ_FAILED[view.space], x.span);
  e.place(done);
  // a wider slot (never, while stacks only meet stacks of their own type) keeps the zeroes the caller expects
  zeroStack(g, at + slotSize(t), size - slotSize(t));
}

/** len(stack): its frame count, in r0, from the header (a variable's own slot, else a copy of the value). */
export function emitStackLen(g: Gen, x: Expr, t: Type): void {
  const held = x.kind === 'var' ? g.vars.get(x.name) : undefined;
  if (held) return g.e.emit(ldSlot(4, R0, held.offset));
  scoped(g, () => {
    const size = slotSize(t);
    const at = allocValue(g, size);
    emitInto(g, x, at, size);
    g.e.emit(ldSlot(4, R0, at));
  });
}

/** The stack the checker typed (`kstack` is `kstack(bpftrace, 127)`; the call's arguments pick mode and depth). */
const stackRow: BuiltinEmit = {
  variable: { into: emitStackInto, writesAll: true },
  call: { into: emitStackInto, writesAll: true },
};

export const stackBuiltins: EmitRows = {
  kstack: stackRow,
  ustack: stackRow,
};
