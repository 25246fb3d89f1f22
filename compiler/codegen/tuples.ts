// Tuples: each element in its own 8-aligned slot (layout.ts), so an element is a fixed offset away.
import { R0 } from '../asm/index.ts';
import { tupleIndex, type Expr, type FieldExpr, type Type } from '../../lang/index.ts';
import { packedLayout, slotSize } from '../layout.ts';
import { CodegenError, allocValue, emitInto, ldSlot, scoped, typeOf, type Gen } from './context.ts';
import { emitMapReadInto } from './maps.ts';
import { copyStack, normalize, zeroStack } from './values.ts';

/** A tuple written at r10+off in the layout of `target` (a tuple literal element by element, or a copy). */
export function emitTupleInto(g: Gen, x: Expr, t: TupleType, off: number, size: number, target: TupleType): void {
  const layout = packedLayout(target.elements);
  if (x.kind === 'tuple') {
    x.elements.forEach((el, i) =>
      emitInto(g, el, off + layout.offsets[i]!, slotSize(target.elements[i]!), target.elements[i]),
    );
    return;
  }
  if (x.kind === 'var') return copyTuple(g, variableSlot(g, x.name), t, off, target);
  if (x.kind === 'map') return emitMapReadInto(g, x, off, size);
  // a tuple inside a tuple: $t.1, or has_key(@m, $t) spreading $t over a map's keys
  if (x.kind === 'field' && typeOf(g, x.base).kind === 'tuple')
    return emitTupleElement(g, x, (at) => copyTuple(g, at, t, off, target));
  throw new CodegenError('this tuple expression is not supported yet', x.span);
}

/** Copies a tuple between layouts (its strings may have grown), element by element, zero-padding each. */
function copyTuple(g: Gen, from: number, fromType: TupleType, to: number, toType: TupleType): void {
  const src = packedLayout(fromType.elements);
  const dst = packedLayout(toType.elements);
  if (src.size === dst.size && src.offsets.every((o, i) => o === dst.offsets[i]))
    return copyStack(g, from, to, dst.size);
  fromType.elements.forEach((el, i) => {
    const n = slotSize(el);
    const room = slotSize(toType.elements[i]!);
    zeroStack(g, to + dst.offsets[i]!, room);
    copyStack(g, from + src.offsets[i]!, to + dst.offsets[i]!, Math.min(n, room));
  });
}

type TupleType = Extract<Type, { kind: 'tuple' }>;

/** t.N: puts the tuple somewhere addressable, then hands the element's stack offset to `use`. */
export function emitTupleElement(g: Gen, x: FieldExpr, use: (at: number, t: Type) => void): void {
  const bt = typeOf(g, x.base);
  if (bt.kind !== 'tuple') throw new Error('tuple access on a non-tuple');
  const i = tupleIndex(bt, x.name);
  const elOff = packedLayout(bt.elements).offsets[i]!;
  const elType = bt.elements[i]!;
  const slot = tupleSlot(g, x.base);
  if (slot !== undefined) return use(slot + elOff, elType);
  scoped(g, () => {
    const size = slotSize(bt);
    const tmp = allocValue(g, size);
    emitInto(g, x.base, tmp, size);
    use(tmp + elOff, elType);
  });
}

/** Where a variable, or a tuple element inside one ($kv.0.1), already sits; undefined for computed values. */
function tupleSlot(g: Gen, x: Expr): number | undefined {
  if (x.kind === 'var') return variableSlot(g, x.name);
  if (x.kind !== 'field' || (x.base.kind === 'ident' && x.base.name === 'args')) return undefined;
  const bt = typeOf(g, x.base);
  const base = bt.kind === 'tuple' ? tupleSlot(g, x.base) : undefined;
  if (base === undefined || bt.kind !== 'tuple') return undefined;
  return base + packedLayout(bt.elements).offsets[tupleIndex(bt, x.name)]!;
}

export function loadTupleInt(g: Gen, at: number, t: Type): void {
  g.e.emit(ldSlot(8, R0, at));
  normalize(g, t);
}

export function variableSlot(g: Gen, name: string): number {
  const v = g.vars.get(name);
  if (!v) throw new Error(`variable ${name} has no slot`);
  return v.offset;
}
