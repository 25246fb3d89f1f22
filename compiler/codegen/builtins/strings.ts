// Strings: str() reads one from memory; strlen, strcontains and strncmp compare fixed-size, NUL-padded
// slots, unrolled (no loops for the verifier to bound).
import { R0, R1, R2, ja, jmpImm, jmpReg, mov64Imm } from '../../asm/index.ts';
import type { CallExpr, Expr } from '../../../lang/index.ts';
import { allocValue, emitInt, emitInto, ldSlot, scoped, typeOf, type Gen } from '../context.ts';
import { readString } from '../memory.ts';
import { sizeOfString } from '../values.ts';
import { passThrough } from './data.ts';
import type { EmitRows } from './emit.ts';

export const stringBuiltins: EmitRows = {
  str: {
    call: {
      into: (g, c, off, size) => {
        const t = typeOf(g, c);
        const room = t.kind === 'string' ? Math.min(size, t.size) : size;
        const at = typeOf(g, c.args[0]!);
        if (at.kind === 'string') return emitInto(g, c.args[0]!, off, room);
        emitInt(g, c.args[0]!);
        readString(g, at.kind === 'int' ? at.space : undefined, off, room);
      },
    },
  },
  // the number travels; user space prints its message
  strerror: passThrough,
  strlen: { call: { int: (g, c) => emitStrlen(g, c.args[0]!) } },
  strcontains: { call: { int: (g, c) => emitStrcontains(g, c.args[0]!, c.args[1]!) } },
  strncmp: { call: { int: emitStrncmp } },
};

/** strcontains(h, n): 1 when n occurs in h. Unrolled over every start position and needle byte. */
function emitStrcontains(g: Gen, hay: Expr, needle: Expr): void {
  const hsize = sizeOfString(typeOf(g, hay));
  const nsize = sizeOfString(typeOf(g, needle));
  const found = g.e.freshLabel('strcontains.yes');
  const notFound = g.e.freshLabel('strcontains.no');
  const done = g.e.freshLabel('strcontains.end');
  scoped(g, () => {
    const h = allocValue(g, hsize);
    const n = allocValue(g, nsize);
    emitInto(g, hay, h, Math.ceil(hsize / 8) * 8);
    emitInto(g, needle, n, Math.ceil(nsize / 8) * 8);
    for (let i = 0; i < hsize; i++) {
      const next = g.e.freshLabel('strcontains.next');
      for (let j = 0; j < nsize; j++) {
        g.e.emit(ldSlot(1, R1, n + j), jmpImm('jeq', R1, 0, found)); // the whole needle matched here
        if (i + j >= hsize) {
          g.e.emit(ja(next));
          break;
        }
        g.e.emit(ldSlot(1, R2, h + i + j), jmpReg('jne', R1, R2, next));
      }
      if (i + nsize <= hsize) g.e.emit(ja(found)); // a needle that fills its whole slot matched
      g.e.place(next);
      g.e.emit(ldSlot(1, R2, h + i), jmpImm('jeq', R2, 0, notFound)); // the haystack ended: no later start can match
    }
  });
  g.e.place(notFound);
  g.e.emit(mov64Imm(R0, 0), ja(done));
  g.e.place(found);
  g.e.emit(mov64Imm(R0, 1));
  g.e.place(done);
}

/** strlen(s): bytes before the first NUL, unrolled over the string's fixed size. */
function emitStrlen(g: Gen, arg: Expr): void {
  const size = sizeOfString(typeOf(g, arg));
  const done = g.e.freshLabel('strlen.end');
  scoped(g, () => {
    const slot = allocValue(g, size);
    emitInto(g, arg, slot, Math.ceil(size / 8) * 8);
    for (let i = 0; i < size; i++) g.e.emit(mov64Imm(R0, i), ldSlot(1, R1, slot + i), jmpImm('jeq', R1, 0, done));
    g.e.emit(mov64Imm(R0, size));
  });
  g.e.place(done);
}

/** strncmp(a, b, n): 0 when the first n bytes (up to a NUL) agree, else 1. Unrolled: n is a literal. */
function emitStrncmp(g: Gen, x: CallExpr): void {
  const [a, b, nExpr] = x.args as [Expr, Expr, Expr];
  const n = Number(nExpr.kind === 'int' ? nExpr.value : 0n);
  const size = Math.ceil(Math.max(sizeOfString(typeOf(g, a)), sizeOfString(typeOf(g, b)), 1) / 8) * 8;
  const differ = g.e.freshLabel('strncmp.ne');
  const same = g.e.freshLabel('strncmp.eq');
  const done = g.e.freshLabel('strncmp.end');
  scoped(g, () => {
    const sa = allocValue(g, size);
    const sb = allocValue(g, size);
    emitInto(g, a, sa, size);
    emitInto(g, b, sb, size);
    for (let i = 0; i < Math.min(n, size); i++) {
      g.e.emit(ldSlot(1, R1, sa + i), ldSlot(1, R2, sb + i), jmpReg('jne', R1, R2, differ), jmpImm('jeq', R1, 0, same));
    }
  });
  g.e.place(same);
  g.e.emit(mov64Imm(R0, 0), ja(done));
  g.e.place(differ);
  g.e.emit(mov64Imm(R0, 1));
  g.e.place(done);
}
