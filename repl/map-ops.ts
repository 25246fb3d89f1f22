// zero(@x) and delete(@x[key]) typed at the prompt: on the live map of a running program (through the fd the
// session lends, the way the live view reads it), or on the copy kept when its program stopped.
import { sameValue, type CValue, type MapSnapshot, type Value } from '../runtime/index.ts';
import type { ScriptRun } from './script-run.ts';
import type { KeyLiteral } from './prompt-input.ts';

type Layout = MapSnapshot['layout'];

/** Why `keys` cannot name an entry of a map with this layout, if they cannot. */
export function keyMismatch(name: string, layout: Layout, keys: readonly KeyLiteral[]): string | undefined {
  const want = layout.keys.length;
  if (want === keys.length) return undefined;
  return want === 0
    ? `${name} has no keys: clear(${name}) empties it`
    : `${name} has ${want} key${want === 1 ? '' : 's'}, not ${keys.length}`;
}

/** Sets every value of the live map to zero (as zero(@x) in a probe); false when the session has no such map. */
export function zeroLive(session: ScriptRun, name: string): boolean {
  return session.zeroMap(name);
}

/** Deletes the live entry whose keys are `keys`: 1 if it was there, else 0. */
export function deleteLive(session: ScriptRun, name: string, keys: readonly KeyLiteral[]): number {
  return session.deleteEntry(name, keys);
}

/** A stopped program's copy with every value zero, as the live map reads after zero(@x) (strings empty). */
export function zeroKept(s: MapSnapshot): MapSnapshot {
  const entries = s.entries.map((e) => ({
    ...e,
    value: 0n,
    ...(e.data !== undefined ? { data: zeroValue(e.data) } : {}),
    ...(e.buckets ? { buckets: e.buckets.map(() => 0n) } : {}),
    ...(e.stats ? { stats: { count: 0n, total: 0n } } : {}),
  }));
  return { ...s, entries };
}

function zeroValue(v: Value): Value {
  if (typeof v === 'bigint') return 0n;
  if (typeof v === 'boolean') return false;
  if (typeof v === 'string') return '';
  if (Array.isArray(v)) return (v as readonly Value[]).map(zeroValue);
  const c = v as CValue;
  if (c.kind === 'struct')
    return { kind: 'struct', fields: c.fields.map((f) => ({ name: f.name, value: zeroValue(f.value) })) };
  if (c.kind === 'array') return { kind: 'array', items: c.items.map(zeroValue) };
  if (c.kind === 'buffer') return { kind: 'buffer', bytes: new Uint8Array(0) }; // zeroed length: no bytes
  return c;
}

/** A stopped program's copy without the entries whose keys are `keys`, and how many went. */
export function deleteKept(s: MapSnapshot, keys: readonly KeyLiteral[]): { snapshot: MapSnapshot; deleted: number } {
  const entries = s.entries.filter((e) => !e.keys.every((k, i) => sameValue(k, keys[i]!)));
  return { snapshot: { ...s, entries }, deleted: s.entries.length - entries.length };
}
