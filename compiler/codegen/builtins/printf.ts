// printf and its kin (cat, system, errorf, warnf): a ring-buffer event whose schema tells user space how to
// format it (or, for cat and system, what to do with the text).
import { BPF_FUNC as helper, R0, R1, R2, R3, R4, R5, call, ldx, mov64Imm } from '../../asm/index.ts';
import type { CallExpr, Expr } from '../../../lang/index.ts';
import { packedLayout, slotSize } from '../../layout.ts';
import {
  addrOf,
  allocOrFail,
  allocValue,
  emitInt,
  emitInto,
  inScratch,
  ldSlot,
  scoped,
  stSlot,
  stxSlot,
  typeOf,
  type Gen,
} from '../context.ts';
import { storeWords } from '../values.ts';
import { defineEvent, emitEventOutput, emitIdEvent, stEventId } from '../events.ts';
import { emitProbeIndex } from '../maps.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';
import { stringBuiltins } from './strings.ts';
import { textBytes } from '../../../lang/index.ts';

const formatted: BuiltinEmit = { call: { stmt: emitPrintf } };

export const printfBuiltins: EmitRows = {
  printf: formatted,
  system: formatted,
  cat: formatted,
  errorf: formatted,
  warnf: formatted,
  debugf: { call: { stmt: emitDebugf } },
};

/**
 * A pinned iterator's printf: bpf_seq_printf(ctx->meta->seq, fmt, size, data, 8 × n) writes into what the file's
 * reader reads. The format (the checker's, for the kernel) on the stack; each value a u64 of `data`, a string by
 * the address of its copy, which ends in a NUL even where the string fills its size.
 */
function emitSeqPrintf(g: Gen, c: CallExpr, format: string): void {
  const text = textBytes(`${format}\0`);
  const args = c.args.slice(1);
  const { e } = g;
  scoped(g, () => {
    const fmt = allocValue(g, Math.ceil(text.length / 8) * 8);
    storeWords(g, text, fmt);
    const data = args.length ? allocOrFail(g, 8 * args.length, c.span) : 0;
    args.forEach((a, i) => {
      const t = typeOf(g, a);
      if (t.kind !== 'string') {
        emitInt(g, a);
        e.emit(stxSlot(8, data + 8 * i, R0));
        return;
      }
      const room = Math.ceil((t.size + 1) / 8) * 8;
      const at = allocValue(g, room);
      e.emit(stSlot(8, at + room - 8, 0));
      emitInto(g, a, at, t.size);
      e.emit(...addrOf(R1, at), stxSlot(8, data + 8 * i, R1));
    });
    // the iterator's context starts with its meta, whose first field is the seq_file
    e.emit(ldx(8, R1, e.context(), 0), ldx(8, R1, R1, 0), ...addrOf(R2, fmt), mov64Imm(R3, text.length));
    e.emit(...(args.length ? addrOf(R4, data) : [mov64Imm(R4, 0)]), mov64Imm(R5, 8 * args.length));
    e.emit(call(helper.seq_printf));
  });
}

/** debugf(fmt, a, b, c): bpf_trace_printk(fmt, size, …) with the format on the stack; strings pass by address. */
function emitDebugf(g: Gen, c: CallExpr): void {
  const [fmt, ...args] = c.args;
  if (fmt?.kind !== 'string') throw new Error('debugf without its format');
  const text = textBytes(`${fmt.value}\0`);
  scoped(g, () => {
    const at = allocValue(g, Math.ceil(text.length / 8) * 8);
    storeWords(g, text, at);
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
  if (info.seqFormat !== undefined) return emitSeqPrintf(g, c, info.seqFormat);
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
      if (!emitProbeIndex(g, a, info.args[i]!, at)) emitRecordValue(g, a, at, slotSize(typeOf(g, a)));
    });
    g.e.emit(stEventId(rec, id));
    emitEventOutput(g, rec, size, id);
  });
}

/**
 * A value for an output record: as emitInto, except that a string str() reads from memory into scratch space is not
 * zeroed first. User space reads it to its NUL (a failed read is all NUL), and the bytes after that, never read,
 * cost a store a word: 129 an event at max_strlen 1024. Not on the stack, whose bytes the verifier must see
 * written; not str($N + k), whose stores leave out zero words.
 */
function emitRecordValue(g: Gen, x: Expr, off: number, size: number): void {
  const read =
    x.kind === 'call' &&
    x.name === 'str' &&
    x.args[0] !== undefined &&
    typeOf(g, x.args[0]).kind === 'int' &&
    inScratch(off) &&
    !g.shared.checked.constants.has(x) &&
    !g.shared.checked.memory.has(x);
  const into = stringBuiltins.str!.call!.into!;
  if (read) g.e.at(x.span, () => into(g, x, off, size));
  else emitInto(g, x, off, size);
}
