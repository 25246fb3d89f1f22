// printf and its kin (cat, system, errorf, warnf): a ring-buffer event whose schema tells user space how to
// format it (or, for cat and system, what to do with the text).
import type { CallExpr } from '../../../lang/index.ts';
import { packedLayout, slotSize } from '../../layout.ts';
import { allocValue, emitInto, scoped, stSlot, typeOf, type Gen } from '../context.ts';
import { defineEvent, emitEventOutput } from '../events.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

const formatted: BuiltinEmit = { call: { stmt: emitPrintf } };

export const printfBuiltins: EmitRows = {
  printf: formatted,
  system: formatted,
  cat: formatted,
  errorf: formatted,
  warnf: formatted,
};

/** printf(fmt, args…): the arguments laid out as the checker's format info says; user space formats. */
function emitPrintf(g: Gen, c: CallExpr): void {
  const info = g.shared.checked.printfs.get(c);
  if (!info) throw new Error('printf without format info');
  const layout = packedLayout(info.args);
  const id = defineEvent(g, {
    kind: 'printf',
    pieces: info.pieces,
    args: info.args.map((type, i) => ({ type, offset: 8 + layout.offsets[i]! })),
    ...(c.name === 'cat' || c.name === 'system' ? { use: c.name } : {}),
    ...(c.name === 'errorf' || c.name === 'warnf' ? { use: c.name, span: c.span } : {}),
  });
  scoped(g, () => {
    const size = 8 + layout.size;
    const rec = allocValue(g, size);
    c.args.slice(1).forEach((a, i) => {
      const at = rec + 8 + layout.offsets[i]!;
      emitInto(g, a, at, slotSize(typeOf(g, a)));
    });
    g.e.emit(stSlot(8, rec, id));
    emitEventOutput(g, rec, size);
  });
}
