// printf and its kin (cat, system, errorf, warnf): a ring-buffer event whose schema tells user space how to
// format it (or, for cat and system, what to do with the text).
import { BPF_FUNC as helper, R1, R2, R3, R4, R5, call, mov64Imm } from '../../asm/index.ts';
import type { CallExpr } from '../../../lang/index.ts';
import { packedLayout, slotSize } from '../../layout.ts';
import { addrOf, allocValue, emitInto, ldSlot, scoped, typeOf, type Gen } from '../context.ts';
import { storeBytes } from '../values.ts';
import { defineEvent, emitEventOutput, emitIdEvent, stEventId } from '../events.ts';
import { emitProbeIndex } from '../maps.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

const formatted: BuiltinEmit = { call: { stmt: emitPrintf } };

export const printfBuiltins: EmitRows = {
  printf: formatted,
  system: formatted,
  cat: formatted,
  errorf: formatted,
  warnf: formatted,
  debugf: { call: { stmt: emitDebugf } },
};

/** debugf(fmt, a, b, c): bpf_trace_printk(fmt, size, …) with the format on the stack; strings pass by address. */
function emitDebugf(g: Gen, c: CallExpr): void {
  const [fmt, ...args] = c.args;
  if (fmt?.kind !== 'string') throw new Error('debugf without its format');
  const text = Buffer.from(`${fmt.value}\0`, 'utf8');
  scoped(g, () => {
    const at = allocValue(g, Math.ceil(text.length / 8) * 8);
    storeBytes(g, text, at);
    // every value first (each may call helpers), then the registers
    const slots = args.map((a) => {
      const t = typeOf(g, a);
      const size = t.kind === 'string' ? t.size : 8;
      const slot = allocValue(g, Math.ceil(size / 8) * 8);
      emitInto(g, a, slot, size);
      return { slot, byAddress: t.kind === 'string' };
    });
    const regs = [R3, R4, R5] as const;
    slots.forEach(({ slot, byAddress }, i) =>
      g.e.emit(...(byAddress ? addrOf(regs[i]!, slot) : [ldSlot(8, regs[i]!, slot)])),
    );
    g.e.emit(...addrOf(R1, at), mov64Imm(R2, text.length), call(helper.trace_printk));
  });
}

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
  if (!info.args.length) return emitIdEvent(g, id);
  scoped(g, () => {
    const size = 8 + layout.size;
    const rec = allocValue(g, size);
    c.args.slice(1).forEach((a, i) => {
      const at = rec + 8 + layout.offsets[i]!;
      if (!emitProbeIndex(g, a, info.args[i]!, at)) emitInto(g, a, at, slotSize(typeOf(g, a)));
    });
    g.e.emit(stEventId(rec, id));
    emitEventOutput(g, rec, size, id);
  });
}
