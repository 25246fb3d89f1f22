// How types meet: the type a variable or map value keeps when assigned again, and the layout of map entries.
import {
  elementOrder,
  i64,
  isPointer,
  isScalar,
  mapValueName,
  samePointer,
  sameBufferView,
  sameType,
  sameView,
  stringType,
  u64,
  type MapValue,
  type Type,
} from '../types.ts';
import { promoteInts } from './literals.ts';
import type { MapInfo } from './tables.ts';
import { textByteLength } from '../byte-text.ts';

/** (key, value) of a map's entries: several keys make a tuple. */
export function forMapType(info: MapInfo): Type {
  const key: Type = info.keys.length === 1 ? info.keys[0]! : { kind: 'tuple', elements: [...info.keys] };
  return { kind: 'tuple', elements: [key, readType(info.value)] };
}

/** Same bytes in memory: integers of any signedness are 8-byte slots, strings and tuples must match exactly. */
export function sameLayout(a: Type, b: Type): boolean {
  if ((a.kind === 'int' || a.kind === 'bool') && (b.kind === 'int' || b.kind === 'bool')) return true;
  if (a.kind === 'tuple' && b.kind === 'tuple')
    return a.elements.length === b.elements.length && a.elements.every((e, i) => sameLayout(e, b.elements[i]!));
  return sameType(a, b);
}

/** Plain map values and variables keep 64-bit integers (pointers keep what they point to); strings keep their size. */
export function valueType(t: Type): Type {
  if (isPointer(t)) return t;
  if (t.kind === 'int' && t.view) return { kind: 'int', bits: 64, signed: t.signed, view: t.view };
  if (t.kind === 'int') return t.signed ? i64 : u64;
  return t; // a bool stays one: it prints true/false (bpftrace v0.26)
}

export function readType(v: MapValue): Type {
  switch (v.kind) {
    case 'value':
      return v.type;
    case 'count':
      return u64;
    default:
      return 'signed' in v && v.signed ? i64 : u64;
  }
}

/**
 * The type a variable needs to hold both: plain integers promote as bpftrace v0.26 does (`$x = (int8)1;
 * $x = 1000` is int16; `flexible` says which side is a literal, which takes the other side's sign), strings
 * widen to the larger size.
 */
export function widen(a: Type, b: Type, flexible?: { a: boolean; b: boolean }): Type {
  if (a.kind === 'int' && b.kind === 'int' && !a.view && !a.space && !b.view && !b.space)
    return promoteInts(a, b, flexible);
  if (a.kind === 'int' || a.kind === 'bool') return a;
  return unify(a, b) ?? a;
}

export function compatible(a: Type, b: Type): boolean {
  if (isScalar(a) && isScalar(b)) return true;
  return unify(a, b) !== undefined;
}

/** One type that holds values of both: integers widen to 64 bits, strings to the larger size, tuples element-wise. */
export function unify(a: Type, b: Type): Type | undefined {
  if (a.kind === 'int' && b.kind === 'int' && (a.view || b.view)) {
    if (sameView(a.view, b.view)) return a;
    // an enum value met by another number is a number (bpftrace v0.26: `@[ONE] = 1; @[ONE + 1] = 2` prints 1 and 2)
    const plain = (v: typeof a.view) => v === undefined || v.kind === 'enum';
    return plain(a.view) && plain(b.view) ? (a.signed || b.signed ? i64 : u64) : undefined;
  }
  if (a.kind === 'buffer' && b.kind === 'buffer' && sameBufferView(a.view, b.view))
    return { kind: 'buffer', size: Math.max(a.size, b.size), ...(a.view ? { view: a.view } : {}) };
  // a pointer stays one while it meets the same pointer; mixed with other numbers it is an address (u64)
  if (samePointer(a, b)) return a;
  if (a.kind === 'int' && b.kind === 'int') return a.signed || b.signed ? i64 : u64;
  if (a.kind === 'string' && b.kind === 'string') return stringType(Math.max(a.size, b.size));
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    if (a.elements.length !== b.elements.length) return undefined;
    const order = elementOrder(a, b);
    if (!order) return undefined;
    const elements = a.elements.map((x, i) => unify(x, b.elements[order[i]!]!));
    if (!elements.every((x) => x !== undefined)) return undefined;
    return a.names
      ? { kind: 'tuple', elements: elements as Type[], names: a.names }
      : { kind: 'tuple', elements: elements as Type[] };
  }
  return sameType(a, b) ? a : undefined;
}

/** Two uses of one key position; `probe` (an index into the attach points' names) met by a string is a string. */
export function mergeKey(a: Type, b: Type): Type | undefined {
  const names = (t: Type) => (t.kind === 'int' && t.view?.kind === 'probe' ? t.view.names : undefined);
  const asString = (n: readonly string[], s: Extract<Type, { kind: 'string' }>) =>
    stringType(Math.max(s.size, 1 + Math.max(1, ...n.map((x) => textByteLength(x)))));
  const na = names(a);
  const nb = names(b);
  if (na && b.kind === 'string') return asString(na, b);
  if (nb && a.kind === 'string') return asString(nb, a);
  return unify(a, b);
}

export function mergeValue(a: MapValue, b: MapValue): MapValue | undefined {
  if (a.kind === 'value' && b.kind === 'value') {
    const type = unify(a.type, b.type);
    return type && { kind: 'value', type };
  }
  if (a.kind !== b.kind) return undefined;
  // histograms of one map must agree on their buckets: hist(n, 2) and hist(n) cannot share a map
  if (a.kind === 'hist' || a.kind === 'lhist') return mapValueName(a) === mapValueName(b) ? a : undefined;
  // and tseries on interval, count and agg (bpftrace: "Different tseries bounds in a single map unsupported")
  if (a.kind === 'tseries' && mapValueName(a) !== mapValueName(b)) return undefined;
  if (!('signed' in a) || !('signed' in b)) return a;
  return { ...a, signed: a.signed || b.signed } as MapValue;
}
