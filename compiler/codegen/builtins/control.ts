// Control: exit() ends the program, signal() signals the current task, override() replaces a return value.
import { BPF_FUNC as helper, R0, R1, R2, R6, call, ja, ldMapValue, mov64Reg, st, stx } from '../../asm/index.ts';
import type { CallExpr } from '../../../lang/index.ts';
import { EXIT_EVENT_ID, GLOBALS_EXIT_CODE, GLOBALS_EXIT_FLAG, GLOBALS_MAP } from '../../program.ts';
import { allocOrFail, emitInt, emitInto, ldSlot, scoped, stSlot, type Gen } from '../context.ts';
import { emitEventOutput } from '../events.ts';
import { checkHelper } from '../helper-errors.ts';
import { emitConstant } from '../values.ts';
import type { EmitRows } from './emit.ts';

export const controlBuiltins: EmitRows = {
  exit: { call: { stmt: emitExit } },
  signal: {
    call: {
      stmt: (g, c) =>
        scoped(g, () => {
          const sig = c.args[0]!;
          if (!emitConstant(g, sig)) emitInt(g, sig); // a signal's name became its number in the checker
          g.e.emit(mov64Reg(R1, R0), call(helper.send_signal));
          checkHelper(g, 'send_signal', 'other');
        }),
    },
  },
  override: {
    call: {
      stmt: (g, c) =>
        scoped(g, () => {
          emitInt(g, c.args[0]!);
          g.e.emit(mov64Reg(R2, R0), mov64Reg(R1, R6), call(helper.override_return));
        }),
    },
  },
};

/** exit([code]): tell user space to stop, and end this probe now. */
function emitExit(g: Gen, c: CallExpr): void {
  scoped(g, () => {
    const rec = allocOrFail(g, 16, c.span);
    if (c.args[0]) emitInto(g, c.args[0], rec + 8, 8);
    else g.e.emit(stSlot(8, rec + 8, 0));
    g.e.emit(stSlot(8, rec, EXIT_EVENT_ID));
    emitEventOutput(g, rec, 16);
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
