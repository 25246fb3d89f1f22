// Output: printf and its kin (cat, system, errorf, warnf), time(), join(). Each is a ring-buffer event whose
// schema tells user space how to print it.
import { R0, R1, R2, R3, alu64Imm, call, jmpImm, mov64Imm } from '../../asm/index.ts';
import type { CallExpr, Expr } from '../../../lang/index.ts';
import { packedLayout, slotSize } from '../../layout.ts';
import { addrOf, allocOrFail, allocValue, emitInt, emitInto, ldSlot, scoped, stSlot, stxSlot, typeOf, type Gen } from '../context.ts';
import { defineEvent, emitEventOutput } from '../events.ts';
import { checkHelper } from '../helper-errors.ts';
import { readHelper, readStrHelper } from '../memory.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

const formatted: BuiltinEmit = { call: { stmt: emitPrintf } };

export const outputBuiltins: EmitRows = {
  printf: formatted,
  cat: formatted,
  system: formatted,
  errorf: formatted,
  warnf: formatted,
  time: { call: { stmt: emitTime } },
  join: { call: { stmt: emitJoin } },
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

/** time([fmt]): an event with no arguments; user space reads the clock when it prints it. */
function emitTime(g: Gen, c: CallExpr): void {
  const fmt = c.args[0];
  const id = defineEvent(g, { kind: 'time', format: fmt?.kind === 'string' ? fmt.value : '%H:%M:%S\n' });
  scoped(g, () => {
    const rec = allocValue(g, 8);
    g.e.emit(stSlot(8, rec, id));
    emitEventOutput(g, rec, 8);
  });
}

/** Pointers join() reads from the array, and so the most strings one join event carries. */
const JOIN_MAX_ARGS = 16;

/**
 * join(argv[, sep]): an event [id, count, arg 0, …, arg 15], each argument a NUL-terminated string of
 * max_strlen bytes read through the array's pointers until the first NULL.
 */
function emitJoin(g: Gen, x: CallExpr): void {
  const e = g.e;
  const [arr, sep] = x.args as [Expr, Expr | undefined];
  const argSize = Math.ceil(g.shared.checked.config.maxStrlen / 8) * 8;
  const space = (() => {
    const t = typeOf(g, arr);
    return t.kind === 'int' ? t.space : undefined;
  })();
  const id = defineEvent(g, { kind: 'join', separator: sep?.kind === 'string' ? sep.value : ' ', argSize, maxArgs: JOIN_MAX_ARGS });
  const ptrRead = readHelper(space);
  const strRead = readStrHelper(space);
  scoped(g, () => {
    const size = 16 + JOIN_MAX_ARGS * argSize;
    const rec = allocValue(g, size);
    const base = allocOrFail(g, 8, x.span);
    const ptr = allocOrFail(g, 8, x.span);
    const done = e.freshLabel('join.end');
    e.emit(stSlot(8, rec, id), stSlot(8, rec + 8, 0));
    emitInt(g, arr);
    e.emit(stxSlot(8, base, R0));
    for (let i = 0; i < JOIN_MAX_ARGS; i++) {
      e.emit(ldSlot(8, R3, base), alu64Imm('add', R3, 8 * i), ...addrOf(R1, ptr), mov64Imm(R2, 8), call(ptrRead.fn));
      e.emit(jmpImm('jne', R0, 0, done), ldSlot(8, R3, ptr), jmpImm('jeq', R3, 0, done));
      e.emit(...addrOf(R1, rec + 16 + i * argSize), mov64Imm(R2, argSize), call(strRead.fn));
      checkHelper(g, strRead.name, 'read');
      e.emit(stSlot(8, rec + 8, i + 1));
    }
    e.place(done);
    emitEventOutput(g, rec, size);
  });
}

