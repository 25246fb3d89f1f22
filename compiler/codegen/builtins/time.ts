// Clocks: nsecs, elapsed, jiffies, strftime().
import { BPF_FUNC as helper, R0, R1, alu64Reg, call, ldMapValue, ldx } from '../../asm/index.ts';
import { GLOBALS_MAP, GLOBALS_START_NS } from '../../program.ts';
import { emitInt } from '../context.ts';
import type { EmitRows } from './emit.ts';

export const timeBuiltins: EmitRows = {
  nsecs: { variable: { int: (g) => g.e.emit(call(helper.ktime_get_ns)) } },
  elapsed: {
    variable: {
      int: (g) => {
        g.shared.usesGlobals = true;
        g.e.emit(call(helper.ktime_get_ns), ldMapValue(R1, GLOBALS_MAP, 0), ldx(8, R1, R1, GLOBALS_START_NS), alu64Reg('sub', R0, R1));
      },
    },
  },
  jiffies: { variable: { int: (g) => g.e.emit(call(helper.jiffies64)) } },
  // the nanoseconds travel; user space formats them
  strftime: { call: { int: (g, c) => emitInt(g, c.args[1]!) } },
};
