// Byte layouts shared by the code generator (which writes them) and the runtime decoder (which reads them).
import type { MapValue, Type } from '../lang/types.ts';

const round8 = (n: number) => Math.ceil(n / 8) * 8;

/** Bytes a value occupies in a key, value or event slot: integers widen to 8, everything pads to 8. */
export function slotSize(t: Type): number {
  switch (t.kind) {
    case 'int':
    case 'bool':
      return 8;
    case 'string':
      return round8(t.size);
    case 'tuple':
      return t.elements.reduce((n, e) => n + slotSize(e), 0);
    case 'void':
      return 0;
  }
}

/** Consecutive 8-aligned slots, so every store the code generator makes is aligned. */
export function packedLayout(types: readonly Type[]): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let off = 0;
  for (const t of types) {
    offsets.push(off);
    off += slotSize(t);
  }
  return { offsets, size: off };
}

/** Scalar maps (`@x`) use one 8-byte zero key. */
export function keyLayout(keys: readonly Type[]): { offsets: number[]; size: number } {
  return keys.length === 0 ? { offsets: [], size: 8 } : packedLayout(keys);
}

/** min/max carry a "set on this CPU" word beside the value so an untouched CPU's zero is not mistaken for one. */
export function valueSize(v: MapValue): number {
  switch (v.kind) {
    case 'value':
      return slotSize(v.type);
    case 'count':
    case 'sum':
      return 8;
    case 'min':
    case 'max':
      return 16;
  }
}

export function isPerCpu(v: MapValue): boolean {
  return v.kind !== 'value';
}
