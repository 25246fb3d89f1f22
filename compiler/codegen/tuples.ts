// Tuples: each element in its own 8-aligned slot (layout.ts), so an element is a fixed offset away.
import { R0 } from '../asm/index.ts';
import { elementOrder, type Expr, type FieldExpr, type IndexExpr, type Type } from '../../lang/index.ts';
import { packedLayout, slotSize } from '../layout.ts';
import { CodegenError, allocValue, emitInto, ldSlot, scoped, typeOf, type Gen } from './context.ts';
import { emitMemoryInto } from './fields.ts';
import { emitMapReadInto } from './maps.ts';
import { copyStack, normalize, zeroStack } from './values.ts';

/** A tuple written at r10+off in the layout of `target` (a tuple literal element by element, or a copy). */
export function emitTupleInto(g: Gen, x: Expr, t: TupleType, off: number, size: number, target: TupleType): void {
  const layout = packedLayout(target.elements);
  if (x.kind === 'tuple') {
    // evaluated in the order written; a record's fields go where the target's names put them
    const at = targetIndexes(target, t);
    x.elements.forEach((el, i) => {
      const j = at[i]!;
      emitInto(g, el, off + layout.offsets[j]!, slotSize(target.elements[j]!), target.elements[j]);
    });
    return;
  }
  if (x.kind === 'var') return copyTuple(g, variableSlot(g, x.name), t, off, target);
  // `args` whole: each argument read as `args.name` reads it, into its element's slot
  const args = x.kind === 'ident' ? g.shared.checked.wholeArgs.get(x) : undefined;
  if (args) {
    const at = targetIndexes(target, t);
    args.forEach((f, i) => {
      const j = at[i]!;
      emitInto(g, f, off + layout.offsets[j]!, slotSize(target.elements[j]!), target.elements[j]);
    });
    return;
  }
  // *(&$t): read back from the variable's slot through the pointer
  if (g.shared.checked.memory.has(x))
    return scoped(g, () => {
      const tmp = allocValue(g, slotSize(t));
      emitMemoryInto(g, x, tmp, slotSize(t));
      copyTuple(g, tmp, t, off, target);
    });
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
  const at = targetIndexes(toType, fromType);
  if (src.size === dst.size && src.offsets.every((o, i) => o === dst.offsets[i] && at[i] === i))
    return copyStack(g, from, to, dst.size);
  fromType.elements.forEach((el, i) => {
    const j = at[i]!;
    const n = slotSize(el);
    const room = slotSize(toType.elements[j]!);
    zeroStack(g, to + dst.offsets[j]!, room);
    copyStack(g, from + src.offsets[i]!, to + dst.offsets[j]!, Math.min(n, room));
  });
}

/** Where each element of `from` goes in `to`: the same position, or for records the field of the same name. */
function targetIndexes(to: TupleType, from: TupleType): number[] {
  const order = elementOrder(to, from); // order[j]: the element of `from` that lands at j
  if (!order) return from.elements.map((_, i) => i);
  const at: number[] = [];
  order.forEach((i, j) => (at[i] = j));
  return at;
}

type TupleType = Extract<Type, { kind: 'tuple' }>;

/** t.N, r.name, t[N]: puts the tuple somewhere addressable, then hands the element's stack offset to `use`. */
export function emitTupleElement(g: Gen, x: TupleElementExpr, use: (at: number, t: Type) => void): void {
  const bt = typeOf(g, x.base);
  if (bt.kind !== 'tuple') throw new Error('tuple access on a non-tuple');
  const i = elementIndex(g, x);
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
  return base + packedLayout(bt.elements).offsets[elementIndex(g, x)]!;
}

type TupleElementExpr = FieldExpr | IndexExpr;

/** The element a tuple access reads, as the checker recorded it. */
function elementIndex(g: Gen, x: TupleElementExpr): number {
  const i = g.shared.checked.tupleElements.get(x);
  if (i === undefined) throw new Error('tuple access without its element');
  return i;
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
