// tseries maps as user space reads them: each kernel entry is one interval slot of a script key (the slot index
// follows the key, compiler/layout.ts), holding [value, meta, epoch] on every CPU. The CPUs' copies of a slot
// are put together for its latest interval, as bpftrace v0.26 does, and the slots of a key become its series.
import type { MapValue } from '../lang/index.ts';
import type { MapEntry, TseriesPoint, Value } from './value.ts';

export type { TseriesPoint } from './value.ts';

type Tseries = Extract<MapValue, { kind: 'tseries' }>;

/** One interval of a series: epoch = start time / interval. */

/**
 * The slot's value for the latest interval any CPU wrote to it. CPUs holding that interval combine by the
 * series' agg: the most recent write wins for 'last' (meta is its time), sum and avg add up (avg then divides
 * by the summed count, truncating), min/max keep the best. A slot no CPU wrote (every epoch 0) is epoch 0,
 * value 0, which bpftrace keeps as a point too.
 */
export function reduceSlot(v: Tseries, view: DataView, stride: number, ncpu: number): TseriesPoint {
  const word = (c: number, i: number) =>
    v.signed ? view.getBigInt64(c * stride + i * 8, true) : view.getBigUint64(c * stride + i * 8, true);
  let epoch = 0n;
  let value = 0n;
  let meta = 0n;
  for (let c = 0; c < ncpu; c++) {
    const e = view.getBigUint64(c * stride + 16, true);
    if (e === 0n || e < epoch) continue;
    const [val, m] = [word(c, 0), word(c, 1)];
    if (e > epoch) {
      [epoch, value, meta] = [e, val, m];
      continue;
    }
    switch (v.agg) {
      case 'last':
        if (m > meta) [value, meta] = [val, m];
        break;
      case 'avg':
        [value, meta] = [value + val, meta + m];
        break;
      case 'sum':
        value += val;
        break;
      case 'min':
        if (val < value) value = val;
        break;
      case 'max':
        if (val > value) value = val;
        break;
    }
  }
  if (epoch === 0n) return { epoch: 0n, value: 0n };
  if (v.agg === 'avg') value = meta === 0n ? 0n : value / meta;
  return { epoch, value: v.signed ? BigInt.asIntN(64, value) : BigInt.asUintN(64, value) };
}

/**
 * Gathers slots under their script key (identified by the key bytes before the slot index). Each key's entry
 * sorts by its latest interval (`value`), so the least recently updated key prints first, as in bpftrace.
 */
export class TseriesCollector {
  private readonly byKey = new Map<string, { keys: readonly Value[]; points: Map<bigint, bigint> }>();

  add(id: string, keys: () => readonly Value[], p: TseriesPoint): void {
    let k = this.byKey.get(id);
    if (!k) this.byKey.set(id, (k = { keys: keys(), points: new Map() }));
    if (!k.points.has(p.epoch)) k.points.set(p.epoch, p.value); // the first slot of an interval stands (bpftrace's emplace)
  }

  entries(): MapEntry[] {
    return [...this.byKey.values()].map(({ keys, points }) => {
      const series = [...points].map(([epoch, value]) => ({ epoch, value })).sort((a, b) => cmp(a.epoch, b.epoch));
      return { keys, value: series[series.length - 1]?.epoch ?? 0n, series };
    });
  }
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
