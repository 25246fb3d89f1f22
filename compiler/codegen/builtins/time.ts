// Clocks: nsecs, elapsed, jiffies; time() prints the time, strftime() formats one.
import { BPF_FUNC as helper, R0, R1, alu64Reg, call, ldMapValue, ldx } from '../../asm/index.ts';
import { GLOBALS_MAP, GLOBALS_START_NS } from '../../program.ts';
import type { CallExpr } from '../../../lang/index.ts';
import { emitInt, type Gen } from '../context.ts';
import { defineEvent, emitIdEvent } from '../events.ts';
import type { EmitRows } from './emit.ts';

export const timeBuiltins: EmitRows = {
  // bpftrace v0.26's nsecs (and nsecs() with no clock) is CLOCK_BOOTTIME: time suspended counts
  nsecs: {
    variable: { int: (g) => g.e.emit(call(helper.ktime_get_boot_ns)) },
    call: {
      int: (g, c) => {
        const mode = c.args[0];
        const clock = mode?.kind === 'ident' ? mode.name : 'boot';
        // bpftrace computes sw_tai from the boot clock for kernels before 6.1; this one reads TAI itself
        if (clock === 'boot') g.e.emit(call(helper.ktime_get_boot_ns));
        else if (clock === 'tai' || clock === 'sw_tai') g.e.emit(call(helper.ktime_get_tai_ns));
        else g.e.emit(call(helper.ktime_get_ns));
      },
    },
  },
  elapsed: {
    variable: {
      int: (g) => {
        g.shared.usesGlobals = true;
        // the start is the boot clock's too (runtime/session.ts writeGlobals)
        g.e.emit(
          call(helper.ktime_get_boot_ns),
          ldMapValue(R1, GLOBALS_MAP, 0),
          ldx(8, R1, R1, GLOBALS_START_NS),
          alu64Reg('sub', R0, R1),
        );
      },
    },
  },
  jiffies: { variable: { int: (g) => g.e.emit(call(helper.jiffies64)) } },
  time: { call: { stmt: emitTime } },
  // the nanoseconds travel; user space formats them
  strftime: { call: { int: (g, c) => emitInt(g, c.args[1]!) } },
};

/** time([fmt]): an event with no arguments; user space reads the clock when it prints it. */
function emitTime(g: Gen, c: CallExpr): void {
  const fmt = c.args[0];
  const id = defineEvent(g, { kind: 'time', format: fmt?.kind === 'string' ? fmt.value : '%H:%M:%S\n' });
  emitIdEvent(g, id);
}
