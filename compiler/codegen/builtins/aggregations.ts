// Aggregations: count, sum, min, max, avg, stats, hist, lhist, tseries. Their maps are per-CPU hashes (keyless
// ones but min/max: per-CPU arrays, layout.ts perCpuArrayEntries): each CPU updates its own copy of an entry
// without atomics, and user space merges the CPUs (runtime/maps.ts).
import {
  R0,
  R1,
  R2,
  R3,
  alu64Imm,
  alu64Reg,
  atomic,
  ja,
  jmpImm,
  jmpReg,
  ldx,
  mov64Imm,
  mov64Reg,
  st,
  stx,
  type JmpOp,
  type Reg,
  BPF_FUNC as helper,
  call,
} from '../../asm/index.ts';
import type { CallExpr, MapExpr, MapValue } from '../../../lang/index.ts';
import { TSERIES_VALUE_SIZE } from '../../layout.ts';
import type { MapSpec } from '../../program.ts';
import { CodegenError, addrOf, allocOrFail, emitInt, ldSlot, scoped, stSlot, stxSlot, type Gen } from '../context.ts';
import { buildBucketKey, buildKey, emitScalarValue, lookup, lookupOrInsert, mapSpecFor } from '../maps.ts';
import { copyStack, fitsImm32, loadConst } from '../values.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

type Histogram = Extract<MapValue, { kind: 'hist' | 'lhist' }>;
type Tseries = Extract<MapValue, { kind: 'tseries' }>;

/** `@m[k] = count() | sum(v) | min(v) | max(v) | avg(v) | stats(v) | hist(v[, k]) | lhist(v, min, max, step) | tseries(…)` */
function emitAggregation(g: Gen, target: MapExpr, c: CallExpr): void {
  const spec = mapSpecFor(g, target);
  const value = spec.user!.value;
  if (value.kind === 'hist' || value.kind === 'lhist') return emitHistogram(g, target, c, spec, value);
  if (value.kind === 'tseries') return emitTseries(g, target, c, spec, value);
  if (value.kind === 'avg' || value.kind === 'stats') return emitStats(g, target, c, spec);
  const e = g.e;
  const kind = c.name as 'count' | 'sum' | 'min' | 'max';
  if (spec.kind === 'percpu_array') return emitArrayAggregation(g, target, c, spec);
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span); // (count's 1 is an immediate: the slot stays unused)
    if (kind !== 'count') {
      emitInt(g, c.args[0]!);
      e.emit(stxSlot(8, operand, R0));
    }
    const key = buildKey(g, target);
    const inPlace = (insert: string) => {
      // count and sum: one atomic add, as the optimizer would make of a load, add and store (atomicAdds)
      if (kind === 'count') return e.emit(mov64Imm(R2, 1), atomic('add', 8, R0, R2, 0));
      if (kind === 'sum') return e.emit(ldSlot(8, R1, operand), atomic('add', 8, R0, R1, 0));
      // min/max: [value, set]; take the operand when this CPU has no value yet or it beats the stored one, by
      // the insert's update (per-CPU maps update this CPU's value in place): after the first events the value
      // rarely changes, and one path for a new key and a new value is 3 instructions fewer than two
      const signed = value.kind === kind && value.signed;
      const better = kind === 'min' ? (signed ? 'jslt' : 'jlt') : signed ? 'jsgt' : 'jgt';
      e.emit(ldSlot(8, R1, operand), ldx(8, R2, R0, 8), jmpImm('jeq', R2, 0, insert));
      e.emit(ldx(8, R2, R0, 0), jmpReg(better, R1, R2, insert));
    };
    lookupOrInsert(g, spec, key, inPlace, () => {
      const val = allocOrFail(g, spec.valueSize, c.span);
      if (kind === 'count') e.emit(stSlot(8, val, 1));
      else copyStack(g, operand, val, 8);
      if (spec.valueSize > 8) e.emit(stSlot(8, val + 8, 1));
      return val;
    });
  });
}

/**
 * count/sum in a one-element per-CPU array (layout.ts perCpuArrayEntries): the element always exists, so the
 * value is added in place with no insert path, and its "set" word marks the map as assigned.
 */
function emitArrayAggregation(g: Gen, target: MapExpr, c: CallExpr, spec: MapSpec): void {
  const e = g.e;
  const setWord = arraySetWord(spec)!;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span); // (count's 1 is an immediate: the slot stays unused)
    if (c.name !== 'count') {
      emitInt(g, c.args[0]!);
      e.emit(stxSlot(8, operand, R0));
    }
    const key = buildKey(g, target);
    inArrayElement(g, spec, key, () => {
      // one atomic add, as the optimizer would make of a load, add and store (atomicAdds)
      if (c.name === 'count') e.emit(mov64Imm(R2, 1), atomic('add', 8, R0, R2, 0));
      else e.emit(ldSlot(8, R1, operand), atomic('add', 8, R0, R1, 0));
      e.emit(st(8, R0, setWord, 1));
    });
  });
}

/**
 * The element of a per-CPU array at the key in slot `key`, which always exists: `inPlace` works on it (r0). The
 * verifier still wants the null check; it is never taken.
 */
function inArrayElement(g: Gen, spec: MapSpec, key: number, inPlace: () => void): void {
  const done = g.e.freshLabel('agg.end');
  lookup(g, spec.name, key);
  g.e.emit(jmpImm('jeq', R0, 0, done));
  inPlace();
  g.e.place(done);
}

/** Where a per-CPU array aggregation's "set" word sits (layout.ts perCpuArrayEntries); undefined for a hash. */
function arraySetWord(spec: MapSpec): number | undefined {
  if (spec.kind !== 'percpu_array') return undefined;
  const at = spec.user!.setWord;
  if (at === undefined) throw new Error(`${spec.name}: a per-CPU array aggregation without its set word`);
  return at;
}

/** avg/stats: [count, total] for this CPU; user space divides. */
function emitStats(g: Gen, target: MapExpr, c: CallExpr, spec: MapSpec): void {
  const e = g.e;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span);
    emitInt(g, c.args[0]!);
    e.emit(stxSlot(8, operand, R0));
    const key = buildKey(g, target);
    // atomic adds, as the optimizer would make of loads, adds and stores (atomicAdds)
    const addTo = () => {
      e.emit(ldSlot(8, R1, operand), mov64Imm(R2, 1), atomic('add', 8, R0, R2, 0), atomic('add', 8, R0, R1, 8));
    };
    // a per-CPU array's element always exists (layout.ts perCpuArrayEntries): no insert path, the set word marked
    const setWord = arraySetWord(spec);
    if (setWord !== undefined) return inArrayElement(g, spec, key, () => (addTo(), e.emit(st(8, R0, setWord, 1))));
    lookupOrInsert(g, spec, key, addTo, () => {
      const val = allocOrFail(g, 16, c.span);
      e.emit(stSlot(8, val, 1));
      copyStack(g, operand, val + 8, 8);
      return val;
    });
  });
}

/** hist/lhist: the bucket index joins the key; each bucket entry counts its values on this CPU. */
function emitHistogram(g: Gen, target: MapExpr, c: CallExpr, spec: MapSpec, value: Histogram): void {
  const e = g.e;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span);
    emitInt(g, c.args[0]!);
    // the value waits in a slot while the key is built, unless that takes no instruction (a keyless map)
    e.emit(stxSlot(8, operand, R0));
    const spilled = e.items.length;
    const { key, bucket } = buildBucketKey(g, target, spec);
    if (e.items.length === spilled) e.items.pop();
    else e.emit(ldSlot(8, R0, operand));
    if (value.kind === 'hist') emitLog2Bucket(g, value.bits);
    else emitLinearBucket(g, value);
    e.emit(stxSlot(8, bucket, R0));
    const setWord = arraySetWord(spec);
    // the bucket's count goes up by one atomic add (as the optimizer's atomicAdds would make of load, add, store)
    const addOne = () => e.emit(mov64Imm(R1, 1), atomic('add', 8, R0, R1, 0));
    // an element per bucket (layout.ts perCpuArrayEntries), which always exists: add 1, mark it set
    if (setWord !== undefined) return inArrayElement(g, spec, key, () => (addOne(), e.emit(st(8, R0, setWord, 1))));
    lookupOrInsert(g, spec, key, addOne, () => {
      const val = allocOrFail(g, 8, c.span);
      e.emit(stSlot(8, val, 1));
      return val;
    });
  });
}

/**
 * tseries: the time picks the interval (epoch = now / interval) and its slot (epoch % intervals), which joins
 * the key. A slot still holding an older interval starts over when values combine (sum/avg/min/max); the
 * default keeps the last value with its time, so user space can tell which CPU wrote last (runtime/tseries.ts).
 * The value layout is compiler/layout.ts's [value, meta, epoch]. The time is CLOCK_TAI, the clock bpftrace's
 * tseries reads (it adds the TAI-boottime offset to the boot clock; bpf_ktime_get_tai_ns, helper 208, kernel
 * 6.1, reads it directly).
 */
function emitTseries(g: Gen, target: MapExpr, c: CallExpr, spec: MapSpec, value: Tseries): void {
  const e = g.e;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span);
    const now = allocOrFail(g, 8, c.span);
    const epoch = allocOrFail(g, 8, c.span);
    emitInt(g, c.args[0]!);
    e.emit(stxSlot(8, operand, R0));
    emitTseriesNow(g, c);
    e.emit(stxSlot(8, now, R0));
    divideR0(g, value.interval, 'div');
    e.emit(stxSlot(8, epoch, R0));
    const { key, bucket } = buildBucketKey(g, target, spec);
    e.emit(ldSlot(8, R0, epoch));
    divideR0(g, value.intervals, 'mod');
    e.emit(stxSlot(8, bucket, R0));
    const inPlace = () => {
      const write = e.freshLabel('tseries.write');
      if (value.agg !== 'last') {
        // the slot holds an older interval: its value and meta start over
        e.emit(ldx(8, R1, R0, 16), ldSlot(8, R2, epoch), jmpReg('jeq', R1, R2, write));
        e.emit(st(8, R0, 0, 0), st(8, R0, 8, 0));
      }
      e.place(write);
      emitTseriesWrite(g, value, R0, { operand, now, epoch });
    };
    lookupOrInsert(g, spec, key, inPlace, () => {
      const val = allocOrFail(g, TSERIES_VALUE_SIZE, c.span);
      e.emit(stSlot(8, val, 0), stSlot(8, val + 8, 0), ...addrOf(R0, val));
      emitTseriesWrite(g, value, R0, { operand, now, epoch });
      return val;
    });
  });
}

/** Folds the operand into the [value, meta, epoch] at `ptr` (a map value or the stack slot for a new entry). Uses r1, r2. */
function emitTseriesWrite(g: Gen, v: Tseries, ptr: Reg, slots: { operand: number; now: number; epoch: number }): void {
  const e = g.e;
  e.emit(ldSlot(8, R1, slots.operand));
  switch (v.agg) {
    case 'last':
      e.emit(stx(8, ptr, R1, 0), ldSlot(8, R1, slots.now), stx(8, ptr, R1, 8));
      break;
    case 'avg':
      e.emit(ldx(8, R2, ptr, 8), alu64Imm('add', R2, 1), stx(8, ptr, R2, 8));
      e.emit(ldx(8, R2, ptr, 0), alu64Reg('add', R2, R1), stx(8, ptr, R2, 0));
      break;
    case 'sum':
      e.emit(ldx(8, R2, ptr, 0), alu64Reg('add', R2, R1), stx(8, ptr, R2, 0));
      break;
    case 'min':
    case 'max': {
      // meta says the interval has a value yet; take the operand when it has none or the operand beats it
      const take = e.freshLabel('tseries.take');
      const kept = e.freshLabel('tseries.kept');
      const better = v.agg === 'min' ? (v.signed ? 'jslt' : 'jlt') : v.signed ? 'jsgt' : 'jgt';
      e.emit(
        ldx(8, R2, ptr, 8),
        jmpImm('jeq', R2, 0, take),
        ldx(8, R2, ptr, 0),
        jmpReg(better, R1, R2, take),
        ja(kept),
      );
      e.place(take);
      e.emit(stx(8, ptr, R1, 0), st(8, ptr, 8, 1));
      e.place(kept);
      break;
    }
  }
  e.emit(ldSlot(8, R1, slots.epoch), stx(8, ptr, R1, 16));
}

/** r0 = the time tseries() files values under: CLOCK_TAI, or the clock map's value when one is set (0 when empty). */
function emitTseriesNow(g: Gen, c: CallExpr): void {
  const name = g.shared.tseriesClockMap;
  if (!name) return g.e.emit(call(helper.ktime_get_tai_ns));
  const spec = g.shared.maps.get(name);
  const held = spec?.user?.value;
  // (bpftrace wants it unsigned; here `@ts += 100ms` makes the map signed, so any integer will do)
  if (!spec?.user || spec.user.keys.length || held?.kind !== 'value' || held.type.kind !== 'int')
    throw new CodegenError(`the tseries clock map ${name} must be a map without keys holding an integer`, c.span, [
      `assign it one, e.g. ${name} = (uint64)0, and step it: ${name} += 100ms`,
    ]);
  emitScalarValue(g, spec, c.span);
}

/** r0 = r0 / n or r0 % n, unsigned, for a constant n ≥ 1 (in r1 when it does not fit an immediate). */
function divideR0(g: Gen, n: number, op: 'div' | 'mod'): void {
  if (fitsImm32(BigInt(n))) return g.e.emit(alu64Imm(op, R0, n));
  loadConst(g, R1, BigInt(n));
  g.e.emit(alu64Reg(op, R0, R1));
}

/**
 * r0 = bpftrace's log2 bucket of the signed value in r0, with 2^k buckets per power of two:
 *   0 for n < 0;  n + 1 for 0 ≤ n < 2^k;  else ((l - k + 1) << k) + x + 1, where l is the top set bit of n
 *   and x the k bits below it. The top bit is found by an unrolled binary search (no loops): 3 instructions a
 *   step where the step's bound is an immediate. Uses r1-r3.
 */
function emitLog2Bucket(g: Gen, k: number): void {
  const e = g.e;
  const mask = 2 ** k - 1;
  const nonNegative = e.freshLabel('log2.nonneg');
  const big = e.freshLabel('log2.big');
  const done = e.freshLabel('log2.end');
  e.emit(jmpImm('jsge', R0, 0, nonNegative), mov64Imm(R0, 0), ja(done));
  e.place(nonNegative);
  e.emit(jmpImm('jgt', R0, mask, big), alu64Imm('add', R0, 1), ja(done));
  e.place(big);
  e.emit(mov64Reg(R1, R0), mov64Imm(R3, 0));
  // 2^32 is no 32-bit immediate: that step shifts a copy and tests it; the others compare, then shift
  const skip32 = e.freshLabel('log2.skip');
  e.emit(mov64Reg(R2, R1), alu64Imm('rsh', R2, 32), jmpImm('jeq', R2, 0, skip32), mov64Reg(R1, R2));
  e.emit(mov64Imm(R3, 32));
  e.place(skip32);
  for (const shift of [16, 8, 4, 2, 1]) {
    const skip = e.freshLabel('log2.skip');
    e.emit(jmpImm('jlt', R1, 2 ** shift, skip));
    if (shift > 1) e.emit(alu64Imm('rsh', R1, shift)); // r1 is not read after the last step
    e.emit(alu64Imm('add', R3, shift));
    e.place(skip);
  }
  if (k) {
    // r3 = l - k; r1 = the k bits after the top one
    e.emit(alu64Imm('sub', R3, k), mov64Reg(R1, R0), alu64Reg('rsh', R1, R3), alu64Imm('and', R1, mask));
    e.emit(alu64Imm('add', R3, 1), alu64Imm('lsh', R3, k), alu64Reg('add', R3, R1), alu64Imm('add', R3, 1));
  } else e.emit(alu64Imm('add', R3, 2)); // no bits after the top one: bucket l + 2
  e.emit(mov64Reg(R0, R3));
  e.place(done);
}

/**
 * r0 = bpftrace's lhist bucket of the signed value in r0: 0 below min, 1 + (max - min) / step above max,
 * else 1 + (n - min) / step. Uses r1.
 */
function emitLinearBucket(g: Gen, v: { min: number; max: number; step: number }): void {
  const e = g.e;
  const below = e.freshLabel('lin.below');
  const above = e.freshLabel('lin.above');
  const done = e.freshLabel('lin.end');
  jumpIf(g, 'jslt', v.min, below);
  jumpIf(g, 'jsgt', v.max, above);
  loadConst(g, R1, BigInt(v.min));
  e.emit(alu64Reg('sub', R0, R1));
  if (fitsImm32(BigInt(v.step))) e.emit(alu64Imm('div', R0, v.step));
  else {
    loadConst(g, R1, BigInt(v.step));
    e.emit(alu64Reg('div', R0, R1));
  }
  e.emit(alu64Imm('add', R0, 1), ja(done));
  e.place(below);
  e.emit(mov64Imm(R0, 0), ja(done));
  e.place(above);
  loadConst(g, R0, BigInt(Math.floor((v.max - v.min) / v.step) + 1));
  e.place(done);
}

/** if (r0 <op> c) goto target, with the constant in r1 when it does not fit an immediate. */
function jumpIf(g: Gen, op: JmpOp, c: number, target: string): void {
  if (fitsImm32(BigInt(c))) return g.e.emit(jmpImm(op, R0, c, target));
  loadConst(g, R1, BigInt(c));
  g.e.emit(jmpReg(op, R0, R1, target));
}

const aggregation: BuiltinEmit = { call: { aggregate: emitAggregation } };

export const aggregationBuiltins: EmitRows = {
  count: aggregation,
  sum: aggregation,
  min: aggregation,
  max: aggregation,
  avg: aggregation,
  stats: aggregation,
  hist: aggregation,
  lhist: aggregation,
  tseries: aggregation,
};
