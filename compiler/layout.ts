// Byte layouts shared by the code generator (which writes them) and the runtime decoder (which reads them).
import type { MapValue, Type } from '../lang/index.ts';

const round8 = (n: number) => Math.ceil(n / 8) * 8;

/** Bytes a value occupies in a key, value or event slot: integers widen to 8, everything pads to 8. */
export function slotSize(t: Type): number {
  switch (t.kind) {
    case 'int':
    case 'bool':
      return 8;
    case 'string':
      return round8(t.size);
    case 'buffer':
      return 8 + round8(t.size);
    case 'record':
      return round8(t.size);
    case 'array':
      return round8(t.count * (t.elem.kind === 'int' ? t.elem.bits / 8 : 1));
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

/**
 * Scalar maps (`@x`) use one 8-byte zero key. hist/lhist/tseries maps add a u64 bucket index (a tseries: the
 * interval's slot, epoch % intervals) after the script's keys
 * (for a scalar histogram it is the whole key), so each bucket is its own entry, as in bpftrace.
 */
export function keyLayout(
  keys: readonly Type[],
  value?: MapValue,
): { offsets: number[]; size: number; bucket?: number } {
  if (value && (value.kind === 'hist' || value.kind === 'lhist' || value.kind === 'tseries')) {
    const user = keys.length === 0 ? { offsets: [], size: 0 } : packedLayout(keys);
    return { offsets: user.offsets, size: user.size + 8, bucket: user.size };
  }
  return keys.length === 0 ? { offsets: [], size: 8 } : packedLayout(keys);
}

/**
 * min/max carry a "set on this CPU" word beside the value so an untouched CPU's zero is not mistaken for one;
 * avg/stats hold [count, total]; a histogram bucket holds its count.
 */
export function valueSize(v: MapValue): number {
  switch (v.kind) {
    case 'value':
      return slotSize(v.type);
    case 'count':
    case 'sum':
    case 'hist':
    case 'lhist':
      return 8;
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
      return 16;
    case 'tseries':
      return TSERIES_VALUE_SIZE;
  }
}

/**
 * A tseries slot: [value, meta, epoch]. epoch is the interval the slot holds (time / interval; 0: never used);
 * meta is the time of the last write (agg 'last'), the count (avg) or a "set" flag (min/max), as in bpftrace.
 */
export const TSERIES_VALUE_SIZE = 24;

/** Bucket indexes a histogram uses: 0 is below the range, the last one the top (see codegen/builtins/aggregations.ts). */
export function bucketCount(v: Extract<MapValue, { kind: 'hist' | 'lhist' }>): number {
  if (v.kind === 'lhist') return Math.floor((v.max - v.min) / v.step) + 2;
  // log2 with 2^k sub-buckets: index ((l - k + 1) << k) + x + 1 for the top bit l ≤ 62 (the value is a
  // non-negative int64) and x < 2^k, so at most (64 - k) << k
  return (64 - v.bits) * 2 ** v.bits + 1;
}

export function isPerCpu(v: MapValue): boolean {
  return v.kind !== 'value';
}

/**
 * How many elements a map needs in a per-CPU array instead of a per-CPU hash, or undefined when it cannot
 * live in one. It can with no keys and a count() or sum() (one element; zero is their identity, so CPUs that
 * never wrote add nothing), an avg() or stats() (one [count, total] element: a CPU that never wrote adds 0 to
 * both) or a hist()/lhist() (an element per bucket, the bucket index the key; an untouched bucket counts 0), and
 * no delete() in a probe (an array's element cannot go; user space's clear() zeroes it instead). Not min/max:
 * their per-CPU "has a value" word goes back to 0 on zero(), which would then make the map look unassigned.
 * The verifier inlines an array lookup (no helper call), and the element always exists (no insert path). Each
 * value is followed by a "set" word (setWordOf) that tells a map never assigned, which prints nothing, from one
 * holding 0 (after zero()).
 */
export function perCpuArrayEntries(keys: readonly Type[], v: MapValue, deletedInProbe: boolean): number | undefined {
  if (keys.length > 0 || deletedInProbe) return undefined;
  if (v.kind === 'count' || v.kind === 'sum' || v.kind === 'avg' || v.kind === 'stats') return 1;
  if (v.kind === 'hist' || v.kind === 'lhist') return bucketCount(v);
  return undefined;
}

/**
 * Whether a scalar map holding one integer word (`@start = nsecs`, `@n++`) lives in a one-element array that
 * the code addresses directly (BPF_PSEUDO_MAP_VALUE): a store is two instructions where a hash update is a
 * helper call that takes a bucket lock and swaps in a fresh element, and a read is one load. Its value is
 * followed by a "set" word (setWordOf), as in perCpuArrayEntries. Not when a probe deletes it (an array's
 * element cannot go), nor for a wider value: a store in place of a string or tuple could be read half written,
 * where an update replaces the element whole.
 */
export function inScalarCell(keys: readonly Type[], v: MapValue, deletedInProbe: boolean): boolean {
  return keys.length === 0 && !deletedInProbe && isOneWord(v);
}

/** A value of one integer or bool: one 8-byte word (slotSize), which a single store writes whole. */
function isOneWord(v: MapValue): boolean {
  return v.kind === 'value' && (v.type.kind === 'int' || v.type.kind === 'bool');
}

/**
 * Whether `@m[k] = v` into a hash writes an existing key's value in place: a lookup and one store, where
 * map_update_elem replaces the whole element under the bucket's lock (~110 ns against ~30 for the lookup on a
 * 2-CPU AMD host); a missing key is still inserted by the update. Only for a value one store writes whole (an
 * integer or a bool: a reader sees the old value or the new one, as with the update), and not for a map a probe
 * deletes from: there the store usually follows the delete of its key (`@start[tid] = nsecs` / `delete`), so the
 * lookup would find nothing and only add its cost. The caller leaves out per-CPU and LRU hashes (another CPU's
 * insert into a full LRU map takes an element back at once). As with the aggregations' adds into a looked-up
 * value, a store racing user space's delete of its key (clear()) may land in the element once another key has it.
 */
export function storesInPlace(v: MapValue, deletedInProbe: boolean): boolean {
  return !deletedInProbe && isOneWord(v);
}

/** Where the "set" word sits in the value of a map perCpuArrayEntries put in a per-CPU array: after the value. */
export function setWordOf(v: MapValue): number {
  return valueSize(v);
}
