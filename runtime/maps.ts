// Reads script maps out of the kernel and merges per-CPU aggregations, as the printers need them.
import type { MapSpec, UserMapLayout } from '../compiler/program.ts';
import { slotSize } from '../compiler/layout.ts';
import type { Type } from '../lang/types.ts';
import { mapGetNextKey, mapLookup, possibleCpus } from './sys/index.ts';

export type Value = bigint | string | readonly Value[];

export interface MapEntry {
  readonly keys: readonly Value[];
  readonly value: bigint;
  readonly text?: string; // for string values
}

export interface MapSnapshot {
  readonly layout: UserMapLayout;
  readonly entries: readonly MapEntry[];
}

export function readValue(t: Type, view: DataView, off: number): Value {
  switch (t.kind) {
    case 'int':
    case 'bool':
      return t.kind === 'int' && t.signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
    case 'string': {
      const bytes = new Uint8Array(view.buffer, view.byteOffset + off, t.size);
      const nul = bytes.indexOf(0);
      return Buffer.from(bytes.subarray(0, nul < 0 ? bytes.length : nul)).toString('utf8');
    }
    case 'tuple': {
      const out: Value[] = [];
      let o = off;
      for (const e of t.elements) {
        out.push(readValue(e, view, o));
        o += slotSize(e);
      }
      return out;
    }
    case 'void':
      return 0n;
  }
}

export function snapshotMap(fd: number, spec: MapSpec): MapSnapshot {
  const layout = spec.user;
  if (!layout) throw new Error(`map ${spec.name} is not a script map`);
  const perCpu = spec.kind === 'percpu_hash' || spec.kind === 'percpu_array';
  const ncpu = perCpu ? possibleCpus().length : 1;
  const stride = Math.ceil(spec.valueSize / 8) * 8;
  const key = new Uint8Array(spec.keySize);
  const next = new Uint8Array(spec.keySize);
  const value = new Uint8Array(stride * ncpu);
  const vview = new DataView(value.buffer);
  const entries: MapEntry[] = [];
  let cur: Uint8Array | null = null;
  while (mapGetNextKey(fd, cur, next)) {
    key.set(next);
    cur = key;
    if (!mapLookup(fd, key, value)) continue; // deleted meanwhile
    const kview = new DataView(key.buffer.slice(0));
    const keys = layout.keys.map((k) => readValue(k.type, kview, k.offset));
    const v = layout.value;
    if (v.kind === 'value') {
      const read = readValue(v.type, vview, 0);
      entries.push(typeof read === 'string' ? { keys, value: 0n, text: read } : { keys, value: typeof read === 'bigint' ? read : 0n });
      continue;
    }
    entries.push({ keys, value: mergeCpus(v.kind, v.kind !== 'count' && v.signed, vview, stride, ncpu) });
  }
  return { layout, entries };
}

/** count/sum add up; min/max take the best value among CPUs that recorded one (the word after the value says so). */
function mergeCpus(kind: 'count' | 'sum' | 'min' | 'max', signed: boolean, view: DataView, stride: number, ncpu: number): bigint {
  let acc: bigint | undefined;
  for (let c = 0; c < ncpu; c++) {
    const off = c * stride;
    const v = signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
    if (kind === 'count' || kind === 'sum') {
      acc = (acc ?? 0n) + v;
      continue;
    }
    if (view.getBigUint64(off + 8, true) === 0n) continue;
    if (acc === undefined || (kind === 'min' ? v < acc : v > acc)) acc = v;
  }
  if (acc === undefined) return 0n;
  return signed ? BigInt.asIntN(64, acc) : BigInt.asUintN(64, acc);
}
