// Control: exit() ends the program, signal() signals the current task, override() replaces a return value.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  call,
  ja,
  jmpImm,
  ldMapValue,
  mov64Imm,
  mov64Reg,
  st,
  stx,
} from '../../asm/index.ts';
import type { CallExpr } from '../../../lang/index.ts';
import { EXIT_EVENT_ID, GLOBALS_EXIT_CODE, GLOBALS_EXIT_FLAG, GLOBALS_MAP } from '../../program.ts';
import {
  addrOf,
  allocOrFail,
  allocValue,
  emitInt,
  emitInto,
  ldSlot,
  scoped,
  stSlot,
  stxSlot,
  typeOf,
  type Gen,
} from '../context.ts';
import { slotSize } from '../../layout.ts';
import { emitEventOutput } from '../events.ts';
import { checkHelper } from '../helper-errors.ts';
import { emitConstant } from '../values.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

export const controlBuiltins: EmitRows = {
  exit: { call: { stmt: emitExit } },
  // reached only where the checker found it cannot run (an error otherwise)
  unwatch: { call: { stmt: () => {} } },
  signal: sendSignal('send_signal'),
  signal_thread: sendSignal('send_signal_thread'),
  override: {
    call: {
      stmt: (g, c) =>
        scoped(g, () => {
          emitInt(g, c.args[0]!);
          g.e.emit(mov64Reg(R2, R0), ...g.e.contextToR1(), call(helper.override_return));
        }),
    },
  },
  write_user: { call: { int: emitWriteUser, stmt: emitWriteUser } },
};

/** write_user(dst, src, n): the value on the stack, n capped at its size; r0 = 1 when the kernel wrote it. */
function emitWriteUser(g: Gen, c: CallExpr): void {
  const [dst, src, len] = c.args as [CallExpr['args'][0], CallExpr['args'][0], CallExpr['args'][0]];
  const e = g.e;
  scoped(g, () => {
    const t = typeOf(g, src);
    const size = slotSize(t);
    const value = allocValue(g, size);
    emitInto(g, src, value, size);
    // a buffer's bytes follow its length word
    const from = t.kind === 'buffer' ? value + 8 : value;
    const room = t.kind === 'buffer' ? t.size : t.kind === 'string' ? t.size : size;
    const regs = allocOrFail(g, 16, c.span);
    emitInt(g, dst);
    e.emit(stxSlot(8, regs, R0));
    emitInt(g, len);
    const fits = e.freshLabel('write_user.len');
    const none = e.freshLabel('write_user.none');
    const done = e.freshLabel('write_user.end');
    // the verifier wants a size it can bound: 1…room
    e.emit(jmpImm('jeq', R0, 0, none), jmpImm('jle', R0, room, fits), mov64Imm(R0, room));
    e.place(fits);
    e.emit(mov64Reg(R3, R0), ldSlot(8, R1, regs), ...addrOf(R2, from), call(helper.probe_write_user));
    // true when it returned 0
    e.emit(mov64Reg(R1, R0), mov64Imm(R0, 1), jmpImm('jeq', R1, 0, done));
    e.place(none);
    e.emit(mov64Imm(R0, 0));
    e.place(done);
  });
}

/** exit([code]): tell user space to stop, and end this probe now. */
function emitExit(g: Gen, c: CallExpr): void {
  scoped(g, () => {
    const rec = allocOrFail(g, 16, c.span);
    if (c.args[0]) emitInto(g, c.args[0], rec + 8, 8);
    else g.e.emit(stSlot(8, rec + 8, 0));
    g.e.emit(stSlot(8, rec, EXIT_EVENT_ID));
    emitEventOutput(g, rec, 16, EXIT_EVENT_ID);
    g.shared.usesGlobals = true;
    g.e.emit(
      ldSlot(8, R2, rec + 8),
      ldMapValue(R1, GLOBALS_MAP, 0),
      stx(8, R1, R2, GLOBALS_EXIT_CODE),
      st(8, R1, GLOBALS_EXIT_FLAG, 1),
    );
  });
  g.e.emit(ja(g.exitLabel));
}

/** signal(sig) to the current process, signal_thread(sig) to the current thread. */
function sendSignal(name: 'send_signal' | 'send_signal_thread'): BuiltinEmit {
  return {
    call: {
      stmt: (g, c) =>
        scoped(g, () => {
          const sig = c.args[0]!;
          if (!emitConstant(g, sig)) emitInt(g, sig); // a signal's name became its number in the checker
          g.e.emit(mov64Reg(R1, R0), call(helper[name]));
          checkHelper(g, name, 'other');
        }),
    },
  };
}
