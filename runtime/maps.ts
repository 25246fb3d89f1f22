// Reads script maps out of the kernel and merges per-CPU aggregations, as the printers need them; and the
// whole-map operations a script asks for (clear, zero), which only user space can do.
import type { MapSpec, UserMapLayout } from '../compiler/index.ts';
import { bucketCount, slotSize } from '../compiler/layout.ts'; // past the facade: see scripts/check-imports.ts
import { bytesText } from '../lang/byte-text.ts'; // past the facade: see scripts/check-imports.ts
import type { Type } from '../lang/index.ts';
import { renderBuffer, renderIntView, renderRecord, type RenderContext } from './render.ts';
import {
  BPF_EXIST,
  isSysError,
  mapDelete,
  mapGetNextKey,
  mapLookup,
  mapLookupBatch,
  mapUpdate,
  perCpuStride,
  possibleCpus,
} from './sys/index.ts';
import { TseriesCollector, reduceSlot } from './tseries.ts';
import type { MapEntry, Value } from './value.ts';

export type { MapEntry } from './value.ts';

export interface MapSnapshot {
  readonly layout: UserMapLayout;
  readonly entries: readonly MapEntry[];
}

/**
 * The usual map as numbers: one plain integer key and one integer value per entry, both exact doubles, in the
 * kernel's order. snapshotMap reads such a map into these alone and makes its `entries` only when something
 * asks for them: printing a 100k-key map sorts and writes the numbers, with no 100k entry objects and bigints
 * made and collected (~200 ms of the 100k-key exit here).
 */
export interface IntegerColumns {
  readonly keys: Float64Array;
  readonly values: Float64Array;
}

const columnsOf = new WeakMap<MapSnapshot, IntegerColumns>();

/** The snapshot's numbers, when snapshotMap read it so (a snapshot made from another, by a spread, has none). */
export function integerColumns(snap: MapSnapshot): IntegerColumns | undefined {
  return columnsOf.get(snap);
}

/** How many entries the snapshot holds, without making them. */
export function entryCount(snap: MapSnapshot): number {
  return columnsOf.get(snap)?.keys.length ?? snap.entries.length;
}

/**
 * A snapshot of columns whose `entries` are made on first use (an own enumerable getter, so spreads and the
 * structured clone to the live view's worker see them as a plain array).
 */
function columnSnapshot(layout: UserMapLayout, columns: IntegerColumns): MapSnapshot {
  let made: MapEntry[] | undefined;
  const snap = Object.defineProperty({ layout } as MapSnapshot, 'entries', {
    enumerable: true,
    get: () => (made ??= columnEntries(columns)),
  });
  columnsOf.set(snap, columns);
  return snap;
}

/** The entries the slow path would have read: [key] and value as bigints. */
function columnEntries(columns: IntegerColumns): MapEntry[] {
  const n = columns.keys.length;
  const out = new Array<MapEntry>(n);
  for (let i = 0; i < n; i++) out[i] = { keys: [BigInt(columns.keys[i]!)], value: BigInt(columns.values[i]!) };
  return out;
}

/**
 * Whether the map is the usual one of IntegerColumns: one integer key printed as a number (no pointer, enum or
 * other view) and a count, sum, min, max or plain integer value.
 */
function columnar(layout: UserMapLayout): boolean {
  const key = layout.keys.length === 1 ? layout.keys[0]!.type : undefined;
  if (key?.kind !== 'int' || key.space || key.view || layout.bucket !== undefined) return false;
  const v = layout.value;
  if (v.kind === 'value') return v.type.kind === 'int' && !v.type.space && !v.type.view;
  return v.kind === 'count' || v.kind === 'sum' || v.kind === 'min' || v.kind === 'max';
}

/** Growing Float64Array columns; `entries` takes over once a key or value is not an exact double. */
class ColumnBuilder {
  keys = new Float64Array(1024);
  values = new Float64Array(1024);
  length = 0;
  push(key: number, value: number): void {
    if (this.length === this.keys.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.keys = grow(this.keys);
      this.values = grow(this.values);
    }
    this.keys[this.length] = key;
    this.values[this.length++] = value;
  }
  columns(): IntegerColumns {
    return { keys: this.keys.subarray(0, this.length), values: this.values.subarray(0, this.length) };
  }
}

/** The 64-bit integer at `off` as a number when it is exact, else undefined. */
function exactInt(view: DataView, off: number, signed: boolean): number | undefined {
  const hi = signed ? view.getInt32(off + 4, true) : view.getUint32(off + 4, true);
  const x = hi * 4294967296 + view.getUint32(off, true);
  return Number.isSafeInteger(x) ? x : undefined;
}

/** A bigint as a number when it is exact, else undefined. */
function exactNumber(n: bigint): number | undefined {
  const x = Number(n);
  return Number.isSafeInteger(x) ? x : undefined;
}

/**
 * A value from a key, map value or event record. With a render context, numbers and bytes that print as
 * something else (stacks, symbols, addresses, buffers: see render.ts) come back as their text.
 */
export function readValue(t: Type, view: DataView, off: number, ctx?: RenderContext): Value {
  switch (t.kind) {
    case 'bool':
      return view.getBigUint64(off, true) !== 0n; // a bool slot is 8 bytes, as an integer's
    case 'int': {
      const n = t.signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
      // a pointer prints as its address in hex, as bpftrace v0.26 prints pointers (JSON: the number)
      if (t.space && !t.view && ctx) return ctx.symbolic === false ? n : `0x${n.toString(16)}`;
      if (!t.view || !ctx || (t.view.kind === 'enum' && ctx.symbolic === false)) return n;
      return renderIntView(t.view, n, ctx);
    }
    case 'buffer': {
      const bytes = new Uint8Array(view.buffer, view.byteOffset + off, 8 + t.size);
      return renderBuffer(t, bytes, ctx ?? {});
    }
    case 'record':
      return renderRecord(t, new Uint8Array(view.buffer, view.byteOffset + off, t.size), ctx); // script types too
    case 'string': {
      const bytes = new Uint8Array(view.buffer, view.byteOffset + off, t.size);
      const nul = bytes.indexOf(0);
      const text = bytesText(bytes.subarray(0, nul < 0 ? bytes.length : nul));
      // str() filled its buffer: the string was probably cut (bpftrace v0.26 prints its trailer after it)
      return t.trailer && (nul < 0 || nul === t.size - 1) ? text + t.trailer : text;
    }
    case 'tuple': {
      const out: Value[] = [];
      let o = off;
      for (const e of t.elements) {
        out.push(readValue(e, view, o, ctx));
        o += slotSize(e);
      }
      // a record prints by field: { .a = 1, .b = 2 }
      return t.names ? { kind: 'struct', fields: out.map((value, i) => ({ name: t.names![i]!, value })) } : out;
    }
    case 'array': {
      // [1,2,3] as bpftrace prints arrays; bools as true/false
      const items: Value[] = [];
      const step = t.elem.kind === 'int' ? t.elem.bits / 8 : 1;
      for (let i = 0; i < t.count; i++) {
        const at = off + i * step;
        if (t.elem.kind !== 'int') items.push(view.getUint8(at) !== 0);
        else items.push(BigInt(readIntOf(view, at, step, t.elem.signed)));
      }
      return { kind: 'array', items };
    }
    case 'void':
      return 0n;
  }
}

function readIntOf(view: DataView, at: number, bytes: number, signed: boolean): bigint | number {
  switch (bytes) {
    case 1:
      return signed ? view.getInt8(at) : view.getUint8(at);
    case 2:
      return signed ? view.getInt16(at, true) : view.getUint16(at, true);
    case 4:
      return signed ? view.getInt32(at, true) : view.getUint32(at, true);
    default:
      return signed ? view.getBigInt64(at, true) : view.getBigUint64(at, true);
  }
}

/** Every key of a map, collected before anything is changed (deleting while iterating restarts the walk). */
function allKeys(fd: number, keySize: number): Uint8Array[] {
  const keys: Uint8Array[] = [];
  let cur: Uint8Array | null = null;
  for (;;) {
    const next = new Uint8Array(keySize);
    if (!mapGetNextKey(fd, cur, next)) return keys;
    keys.push(next);
    cur = next;
  }
}

function cpuCount(spec: MapSpec): number {
  return perCpu(spec) ? possibleCpus().length : 1;
}

/**
 * How snapshotMap reads the kernel: 'auto' uses BPF_MAP_LOOKUP_BATCH and walks key by key where the kernel
 * lacks it; 'batch' and 'per-key' force one way (tests and benchmarks compare them).
 */
export type MapReadMode = 'auto' | 'batch' | 'per-key';

/** One entry as entriesOf hands it over: its key at `koff` of `key`, its value (laid out as mapLookup would write it) at `voff` of `value`; valid during the call only. */
type EntryVisitor = (key: DataView, koff: number, value: DataView, voff: number) => void;

/**
 * Visits every entry of the map (entries deleted meanwhile are left out). Batches are visited where they
 * landed, with no copy or view per entry: a 100k-key map is 100k entries read.
 */
function entriesOf(fd: number, spec: MapSpec, ncpu: number, mode: MapReadMode, visit: EntryVisitor): void {
  if (mode !== 'per-key' && batchEntries(fd, spec, ncpu, mode === 'batch', visit)) return;
  const value = new Uint8Array(perCpuStride(spec.valueSize) * ncpu);
  const vview = new DataView(value.buffer);
  for (const key of allKeys(fd, spec.keySize)) {
    if (mapLookup(fd, key, value)) visit(new DataView(key.buffer), 0, vview, 0);
  }
}

/** Bytes of key + value that one batch call may fill (the first call asks for FIRST_BATCH elements, growing while they come back full). */
const BATCH_BYTES = 1 << 20;
const FIRST_BATCH = 256;

/**
 * The map's entries through BPF_MAP_LOOKUP_BATCH (hash maps 5.6, arrays 5.7): many entries a syscall instead
 * of two syscalls each, and a hash map read bucket by bucket, so a concurrent delete cannot restart the walk
 * as it does get_next_key's. undefined when the kernel cannot (EINVAL from a kernel without the command,
 * ENOTSUPP/EOPNOTSUPP for a map type without it), unless `required`.
 */
function batchEntries(fd: number, spec: MapSpec, ncpu: number, required: boolean, visit: EntryVisitor): boolean {
  const ks = spec.keySize;
  // the kernel packs values at value_size (per-CPU: round_up(value_size, 8) per possible CPU), keys at key_size
  const percpu = perCpu(spec);
  const vs = percpu ? perCpuStride(spec.valueSize) * ncpu : spec.valueSize;
  // batches grow while they come back full, up to what the map can hold (or BATCH_BYTES)
  const most = Math.min(spec.maxEntries, Math.max(FIRST_BATCH, Math.floor(BATCH_BYTES / (ks + vs))));
  let count = Math.min(FIRST_BATCH, most);
  let keys = new Uint8Array(count * ks);
  let values = new Uint8Array(count * vs + 8); // + 8: an 8-byte read of the last value stays inside
  // the position: a bucket index (u32) for hash maps, the last key read for arrays
  let inBatch: Uint8Array | null = null;
  let outBatch: Uint8Array = new Uint8Array(Math.max(ks, 4));
  /** One call; a hash bucket with more elements than `count` fails it with ENOSPC, nothing copied: null. */
  const lookup = () => {
    try {
      return mapLookupBatch(fd, { inBatch, outBatch, keys, values, count });
    } catch (e) {
      if (isSysError(e, 'ENOSPC')) return null;
      throw e;
    }
  };
  let first: ReturnType<typeof lookup>;
  try {
    first = lookup();
  } catch (e) {
    if (!required && isSysError(e, 'EINVAL', 'ENOTSUPP', 'EOPNOTSUPP')) return false;
    throw e;
  }
  for (let r = first; ; r = lookup()) {
    if (r) {
      const kview = new DataView(keys.buffer);
      const vview = new DataView(values.buffer);
      for (let i = 0; i < r.count; i++) visit(kview, i * ks, vview, i * vs);
      if (r.done) return true;
      if (r.count > 0) [inBatch, outBatch] = [outBatch, inBatch ?? new Uint8Array(outBatch.length)];
    }
    if (!r || (r.count === count && count < most)) {
      count = r ? Math.min(most, count * 4) : count * 4; // a bucket that did not fit grows it past `most`
      keys = new Uint8Array(count * ks);
      values = new Uint8Array(count * vs + 8);
    }
  }
}

export function snapshotMap(
  fd: number,
  spec: MapSpec,
  ctx: RenderContext = {},
  mode: MapReadMode = 'auto',
): MapSnapshot {
  const layout = spec.user;
  if (!layout) throw new Error(`map ${spec.name} is not a script map`);
  const ncpu = cpuCount(spec);
  const stride = perCpuStride(spec.valueSize);
  const v = layout.value;
  const entries: MapEntry[] = [];
  const histograms = new Map<string, { keys: readonly Value[]; buckets: bigint[]; total: bigint }>();
  // a key is text even in JSON (bpftrace v0.26 writes a key's text form: an enum's name, a pointer in hex)
  const keyCtx = ctx?.symbolic === false ? { ...ctx, symbolic: true } : ctx;
  const readKeys = (kview: DataView, koff: number) =>
    layout.keys.map((k) => readValue(k.type, kview, koff + k.offset, keyCtx));
  const keyBytes = (kview: DataView, koff: number, n: number) =>
    Buffer.from(kview.buffer, kview.byteOffset + koff, n).toString('latin1');
  const series = new TseriesCollector();
  const setWord = layout.setWord;
  // the usual map is read as numbers until an entry does not fit them (then its entries so far are made)
  let columns = columnar(layout) ? new ColumnBuilder() : undefined;
  const columnKey = layout.keys[0];
  const keySigned = columnKey?.type.kind === 'int' && columnKey.type.signed;
  entriesOf(fd, spec, ncpu, mode, (kview, koff, vview, voff) => {
    // a per-CPU array's element always exists: the map holds a value once any CPU wrote one
    if (setWord !== undefined && !anyCpuSet(vview, voff + setWord, stride, ncpu)) return;
    if (columns) {
      const key = exactInt(kview, koff + columnKey!.offset, keySigned);
      const value = key === undefined ? undefined : columnValue(v, vview, voff, stride, ncpu);
      if (value !== undefined) return columns.push(key!, value);
      for (const e of columnEntries(columns.columns())) entries.push(e); // (a spread of 100k+ overflows the stack)
      columns = undefined;
    }
    if (v.kind === 'tseries') {
      // one kernel entry per interval slot, gathered under the script's key like histogram buckets
      const slot = new DataView(vview.buffer, vview.byteOffset + voff, stride * ncpu);
      series.add(
        keyBytes(kview, koff, layout.bucket ?? 0),
        () => readKeys(kview, koff),
        reduceSlot(v, slot, stride, ncpu),
      );
      return;
    }
    if (v.kind === 'hist' || v.kind === 'lhist') {
      // one kernel entry per bucket: gather them under the script's key (the key bytes before the bucket),
      // whose values are read once, for its first bucket
      const at = layout.bucket ?? 0;
      const id = keyBytes(kview, koff, at);
      let h = histograms.get(id);
      if (!h)
        histograms.set(
          id,
          (h = { keys: readKeys(kview, koff), buckets: new Array<bigint>(bucketCount(v)).fill(0n), total: 0n }),
        );
      // a u64 after the script's keys; a per-CPU array's u32 index (compiler/layout.ts perCpuArrayEntries)
      const index =
        spec.keySize - at >= 8 ? Number(kview.getBigUint64(koff + at, true)) : kview.getUint32(koff + at, true);
      if (index < h.buckets.length) {
        const n = sumCpus(vview, voff, stride, ncpu, false);
        h.total += n - h.buckets[index]!; // summed as they come: adding ~65 buckets per key again at the end cost more than reading
        h.buckets[index] = n;
      }
      return;
    }
    const keys = readKeys(kview, koff);
    switch (v.kind) {
      case 'value': {
        const read = readValue(v.type, vview, voff, ctx);
        if (typeof read === 'bigint') entries.push({ keys, value: read });
        else if (v.type.kind === 'int' || v.type.kind === 'bool')
          entries.push({ keys, value: vview.getBigUint64(voff, true), data: read }); // a pointer (by address), a bool
        else entries.push({ keys, value: 0n, data: read });
        break;
      }
      case 'avg':
      case 'stats': {
        const count = sumCpus(vview, voff, stride, ncpu, false);
        const total = sumCpus(vview, voff + 8, stride, ncpu, v.signed);
        entries.push({ keys, value: count ? total / count : 0n, stats: { count, total } });
        break;
      }
      default:
        entries.push({ keys, value: mergeCpus(v.kind, v.kind !== 'count' && v.signed, vview, voff, stride, ncpu) });
    }
  });
  if (columns) return columnSnapshot(layout, columns.columns());
  for (const h of histograms.values()) entries.push({ keys: h.keys, value: h.total, buckets: h.buckets });
  for (const e of series.entries()) entries.push(e); // one key of a tseries each, any number of them
  return { layout, entries };
}

/** A columnar map's value as an exact number (what the entry's bigint would be), or undefined. */
function columnValue(
  v: UserMapLayout['value'],
  view: DataView,
  off: number,
  stride: number,
  ncpu: number,
): number | undefined {
  switch (v.kind) {
    case 'count':
    case 'sum':
      return (
        smallSum(view, off, stride, ncpu) ?? exactNumber(sumCpus(view, off, stride, ncpu, v.kind === 'sum' && v.signed))
      );
    case 'min':
    case 'max':
      return exactNumber(mergeCpus(v.kind, v.signed, view, off, stride, ncpu));
    case 'value':
      return v.type.kind === 'int' ? exactInt(view, off, v.type.signed) : undefined;
    default:
      return undefined;
  }
}

function anyCpuSet(view: DataView, off: number, stride: number, ncpu: number): boolean {
  for (let c = 0; c < ncpu; c++) if (view.getBigUint64(c * stride + off, true) !== 0n) return true;
  return false;
}

/** The sum of one u64 word over all CPUs, wrapped to 64 bits as the kernel would. */
function sumCpus(view: DataView, off: number, stride: number, ncpu: number, signed: boolean): bigint {
  const small = smallSum(view, off, stride, ncpu);
  if (small !== undefined) return BigInt(small);
  let acc = 0n;
  for (let c = 0; c < ncpu; c++) acc += view.getBigUint64(c * stride + off, true);
  return signed ? BigInt.asIntN(64, acc) : BigInt.asUintN(64, acc);
}

/**
 * The sum as a number when every CPU's word is below 2^32 (counts almost always are): exact (below 2^53 for
 * any CPU count), the same as the 64-bit sum, and one bigint made instead of two per CPU.
 */
function smallSum(view: DataView, off: number, stride: number, ncpu: number): number | undefined {
  let sum = 0;
  for (let c = 0; c < ncpu; c++) {
    const at = c * stride + off;
    if (view.getUint32(at + 4, true) !== 0) return undefined;
    sum += view.getUint32(at, true);
  }
  return sum;
}

/** count/sum add up; min/max take the best value among CPUs that recorded one (the word after the value says so). */
function mergeCpus(
  kind: 'count' | 'sum' | 'min' | 'max',
  signed: boolean,
  view: DataView,
  base: number,
  stride: number,
  ncpu: number,
): bigint {
  if (kind === 'count' || kind === 'sum') return sumCpus(view, base, stride, ncpu, signed);
  let acc: bigint | undefined;
  for (let c = 0; c < ncpu; c++) {
    const off = base + c * stride;
    if (view.getBigUint64(off + 8, true) === 0n) continue; // this CPU recorded no value
    const v = signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
    if (acc === undefined || (kind === 'min' ? v < acc : v > acc)) acc = v;
  }
  if (acc === undefined) return 0n;
  return signed ? BigInt.asIntN(64, acc) : BigInt.asUintN(64, acc);
}

/** clear(@m): delete every entry (an array's, which cannot go: every byte, its set words too, made zero). */
export function clearMap(fd: number, spec: MapSpec): void {
  const zero = new Uint8Array(perCpuStride(spec.valueSize) * cpuCount(spec));
  const array = spec.user?.setWord !== undefined;
  for (const key of allKeys(fd, spec.keySize)) {
    if (array) mapUpdate(fd, key, zero, BPF_EXIST);
    else mapDelete(fd, key);
  }
}

/** zero(@m): keep every entry, with all its bytes (on every CPU) set to zero, as bpftrace does. */
export function zeroMap(fd: number, spec: MapSpec): void {
  const stride = perCpuStride(spec.valueSize);
  const zero = new Uint8Array(stride * cpuCount(spec));
  const setWord = spec.user?.setWord;
  if (setWord !== undefined) {
    // the set words stay as they are: a map assigned before still prints its zero, one never assigned nothing
    // (a write between the read and the update is lost, as one between zeroing and a hash update would be)
    const view = new DataView(zero.buffer);
    for (const key of allKeys(fd, spec.keySize)) {
      if (!mapLookup(fd, key, zero)) continue;
      for (let at = 0; at < zero.length; at += stride)
        for (let w = 0; w < stride; w += 8) if (w !== setWord) view.setBigUint64(at + w, 0n, true);
      mapUpdate(fd, key, zero, BPF_EXIST);
    }
    return;
  }
  for (const key of allKeys(fd, spec.keySize)) {
    try {
      mapUpdate(fd, key, zero, BPF_EXIST);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // deleted meanwhile
    }
  }
}

/** Each CPU keeps its own value (the live-view worker cannot import compiler/index.ts: see check-imports.ts). */
function perCpu(spec: MapSpec): boolean {
  return spec.kind === 'percpu_hash' || spec.kind === 'lru_percpu_hash' || spec.kind === 'percpu_array';
}
