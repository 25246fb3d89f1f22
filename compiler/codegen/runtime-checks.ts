// Checks a program makes as it runs, where bpftrace makes them: a failed one becomes a `runtime-warning`
// event that user space prints as a warning at the script location (once a second per location).
import { R0, jmpImm } from '../asm/index.ts';
import type { Span } from '../../lang/index.ts';
import { allocOrFail, ldSlot, scoped, stxSlot, type Gen } from './context.ts';
import { defineEvent, emitIdEvent } from './events.ts';

/** bpftrace v0.26's words for a division or modulo by zero (whose result is 1, as there) */
export const DIVIDE_BY_ZERO =
  'Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.';

/** bpftrace v0.26's words for an index past an array's end (the read still happens, as there) */
export const ARRAY_OUT_OF_BOUNDS = 'Array access out of bounds. This can lead to unexpected results';

/** Unless r0 < bound (unsigned: a negative index is past the end too), a warning about `span`; r0 is kept. */
export function warnUnlessBelow(g: Gen, bound: number, text: string, span: Span): void {
  const e = g.e;
  const ok = e.freshLabel('bound.ok');
  e.emit(jmpImm('jlt', R0, bound, ok));
  scoped(g, () => {
    const kept = allocOrFail(g, 8, span);
    e.emit(stxSlot(8, kept, R0));
    warnAlways(g, text, span);
    e.emit(ldSlot(8, R0, kept));
  });
  e.place(ok);
}

/**
 * A warning about `span`, always (for a path the program has already found wrong); clobbers r0-r5. Nothing where
 * warnings are off (--no-warnings: no one would print it).
 */
export function warnAlways(g: Gen, text: string, span: Span): void {
  if (!g.shared.runtimeWarnings) return;
  emitIdEvent(g, defineEvent(g, { kind: 'runtime-warning', text, span }));
}
