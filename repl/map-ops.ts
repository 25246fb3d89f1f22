// zero(@x) and delete(@x[key]) typed at the prompt: on the live map of a running program (through the fd the
// session lends, the way the live view reads it), or on the copy kept when its program stopped.
// Session offers clearMap but not these two; until it does, they use the runtime's map primitives directly.
import type { MapSnapshot, Session, Value } from '../runtime/index.ts';
import { readValue, zeroMap } from '../runtime/maps.ts';
import { mapDelete, mapGetNextKey } from '../runtime/sys/index.ts';
import type { KeyLiteral } from './prompt-input.ts';

type Layout = MapSnapshot['layout'];

/** Why `keys` cannot name an entry of a map with this layout, if they cannot. */
export function keyMismatch(name: string, layout: Layout, keys: readonly KeyLiteral[]): string | undefined {
  const want = layout.keys.length;
  if (want === keys.length) return undefined;
  return want === 0 ? `${name} has no keys: clear(${name}) empties it` : `${name} has ${want} key${want === 1 ? '' : 's'}, not ${keys.length}`;
}

function sameKey(a: unknown, b: KeyLiteral): boolean {
  return typeof a === typeof b && a === b;
}

/** Sets every value of the live map to zero (as zero(@x) in a probe); false when the session has no such map. */
export function zeroLive(session: Session, name: string): boolean {
  const src = session.mapSource(name);
  if (!src) return false;
  zeroMap(src.fd, src.spec);
  return true;
}

/** Deletes the live entry whose keys are `keys` (every bucket of a histogram's entry): 1 if it was there, else 0. */
export function deleteLive(session: Session, name: string, keys: readonly KeyLiteral[]): number {
  const src = session.mapSource(name);
  const layout = src?.spec.user;
  if (!src || !layout) return 0;
  const matching: Uint8Array[] = [];
  let cur: Uint8Array | null = null;
  for (;;) {
    const next = new Uint8Array(src.spec.keySize);
    if (!mapGetNextKey(src.fd, cur, next)) break;
    const view = new DataView(next.buffer);
    if (layout.keys.every((k, i) => sameKey(readValue(k.type, view, k.offset), keys[i]!))) matching.push(next);
    cur = next;
  }
  let deleted = false;
  for (const key of matching) deleted = mapDelete(src.fd, key) || deleted;
  // literal keys name one entry (a histogram's entry is one kernel key per bucket)
  return deleted ? 1 : 0;
}

/** A stopped program's copy with every value zero, as the live map reads after zero(@x) (strings empty). */
export function zeroKept(s: MapSnapshot): MapSnapshot {
  const entries = s.entries.map((e) => ({
    ...e,
    value: 0n,
    ...(e.text !== undefined ? { text: '' } : {}),
    ...(e.data !== undefined ? { data: zeroValue(e.data) } : {}),
    ...(e.buckets ? { buckets: e.buckets.map(() => 0n) } : {}),
    ...(e.stats ? { stats: { count: 0n, total: 0n } } : {}),
  }));
  return { ...s, entries };
}

function zeroValue(v: Value): Value {
  return typeof v === 'bigint' ? 0n : typeof v === 'string' ? '' : v.map(zeroValue);
}

/** A stopped program's copy without the entries whose keys are `keys`, and how many went. */
export function deleteKept(s: MapSnapshot, keys: readonly KeyLiteral[]): { snapshot: MapSnapshot; deleted: number } {
  const entries = s.entries.filter((e) => !e.keys.every((k, i) => sameKey(k, keys[i]!)));
  return { snapshot: { ...s, entries }, deleted: s.entries.length - entries.length };
}
