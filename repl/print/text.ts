// bpftrace's text output for maps and values.
import type { MapEntry, MapSnapshot, Value } from '../../runtime/index.ts';

export function formatValue(v: Value): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return v;
  return `(${v.map(formatValue).join(', ')})`;
}

function compareValues(a: Value, b: Value): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const sa = formatValue(a);
  const sb = formatValue(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareKeys(a: MapEntry, b: MapEntry): number {
  for (let i = 0; i < a.keys.length; i++) {
    const c = compareValues(a.keys[i]!, b.keys[i]!);
    if (c) return c;
  }
  return 0;
}

/** Entries in bpftrace's order: ascending by value (string values by text), keys breaking ties. */
export function sortedEntries(snap: MapSnapshot): MapEntry[] {
  const byText = snap.layout.value.kind === 'value' && snap.layout.value.type.kind === 'string';
  return [...snap.entries].sort((a, b) => {
    const c = byText ? compareValues(a.text ?? '', b.text ?? '') : compareValues(a.value, b.value);
    return c || compareKeys(a, b);
  });
}

export function entryLabel(name: string, keys: readonly Value[]): string {
  return keys.length ? `${name}[${keys.map(formatValue).join(', ')}]` : name;
}

/** The lines bpftrace prints for one map at exit or for print(@m). */
export function formatMap(snap: MapSnapshot): string {
  let out = '';
  for (const e of sortedEntries(snap)) out += `${entryLabel(snap.layout.name, e.keys)}: ${e.text ?? e.value.toString()}\n`;
  return out;
}
