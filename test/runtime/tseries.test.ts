// How user space puts a tseries slot's per-CPU copies together (runtime/tseries.ts), as bpftrace v0.26 does:
// only CPUs holding the slot's latest interval count; they combine by the series' agg. No kernel needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MapValue, TseriesAgg } from '../../lang/types.ts';
import { TseriesCollector, reduceSlot } from '../../runtime/tseries.ts';

type Tseries = Extract<MapValue, { kind: 'tseries' }>;

const series = (agg: TseriesAgg, signed = true): Tseries => ({
  kind: 'tseries',
  signed,
  interval: 1,
  intervals: 4,
  agg,
});

/** per-CPU [value, meta, epoch] words, 24 bytes a CPU */
function cpus(...slots: [bigint, bigint, bigint][]): DataView {
  const view = new DataView(new ArrayBuffer(24 * slots.length));
  slots.forEach(([v, m, e], c) => {
    view.setBigUint64(c * 24, BigInt.asUintN(64, v), true);
    view.setBigUint64(c * 24 + 8, BigInt.asUintN(64, m), true);
    view.setBigUint64(c * 24 + 16, e, true);
  });
  return view;
}

const reduce = (t: Tseries, view: DataView) => reduceSlot(t, view, 24, view.byteLength / 24);

test('the default keeps the value written last (meta is its time), among CPUs on the latest interval', () => {
  const view = cpus([5n, 300n, 7n], [9n, 200n, 7n], [1n, 900n, 6n], [0n, 0n, 0n]);
  assert.equal(reduce(series('last'), view), { epoch: 7n, value: 5n });
});

test('sum adds, avg divides the summed values by the summed counts (toward zero), min/max keep the best', () => {
  const view = cpus([-7n, 1n, 3n], [-2n, 1n, 3n], [100n, 5n, 2n]);
  assert.equal(reduce(series('sum'), view), { epoch: 3n, value: -9n });
  assert.equal(reduce(series('avg'), cpus([-7n, 1n, 3n], [0n, 1n, 3n])), { epoch: 3n, value: -3n });
  assert.equal(reduce(series('min'), view), { epoch: 3n, value: -7n });
  assert.equal(reduce(series('max'), view), { epoch: 3n, value: -2n });
  // unsigned values compare unsigned: 2^63 is the largest
  const big = cpus([1n << 63n, 1n, 4n], [5n, 1n, 4n]);
  assert.equal(reduce(series('max', false), big), { epoch: 4n, value: 1n << 63n });
  assert.equal(reduce(series('max', true), big), { epoch: 4n, value: 5n });
});

test('a slot no CPU wrote (all epochs 0, as zero() leaves it) is interval 0 with value 0', () => {
  assert.equal(reduce(series('last'), cpus([0n, 0n, 0n], [0n, 0n, 0n])), { epoch: 0n, value: 0n });
});

test("slots gather under their key; the first slot of an interval stands; an entry's value is its latest interval", () => {
  const c = new TseriesCollector();
  let reads = 0;
  const keys = () => (reads++, ['k']);
  c.add('k', keys, { epoch: 9n, value: 1n });
  c.add('k', keys, { epoch: 0n, value: 0n });
  c.add('k', keys, { epoch: 0n, value: 4n });
  c.add('k', keys, { epoch: 8n, value: 2n });
  const [e, ...rest] = c.entries();
  assert.is(rest.length, 0);
  assert.is(reads, 1); // keys are decoded once per script key
  assert.is(e!.value, 9n);
  assert.equal(e!.series, [
    { epoch: 0n, value: 0n },
    { epoch: 8n, value: 2n },
    { epoch: 9n, value: 1n },
  ]);
});

test.run();
