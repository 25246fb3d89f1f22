// Aggregations and the functions that work on whole maps (the code side of lang/check/map-functions.ts).
// Aggregation maps are per-CPU hashes: no atomics needed, user space merges the CPUs (runtime/maps.ts).
// Whatever needs the whole map at once (print, clear, zero) is a ring-buffer event that user space acts on,
// in order with printf output, as bpftrace does.
import { checkHelper } from './helper-errors.ts';
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  alu64Imm,
  alu64Reg,
  call,
  exit,
  ja,
  jmpImm,
  jmpReg,
  label,
  ldFuncAddr,
  ldMapFd,
  ldx,
  mov64Imm,
  mov64Reg,
  st,
  stx,
  withSpan,
  type JmpOp,
} from '../asm/index.ts';
import type { CallExpr, Expr, MapExpr } from '../../lang/ast.ts';
import { keyedTarget, wholeMap } from '../../lang/check/map-functions.ts';
import type { MapValue } from '../../lang/types.ts';
import { bucketCount, keyLayout, slotSize } from '../layout.ts';
import type { MapSpec } from '../program.ts';
import { CodegenError, addrOf, allocOrFail, allocValue, ldSlot, scoped, stSlot, stxSlot, typeOf, type Gen } from './context.ts';
import { defineEvent, emitEventOutput } from './events.ts';
import { copyStack, emitInt, emitInto, fitsImm32, loadConst } from './expr.ts';
import { BPF_ANY, buildKey, lookup, mapSpecFor, update } from './maps.ts';

export { isAggregation } from '../../lang/check/map-functions.ts';

type Histogram = Extract<MapValue, { kind: 'hist' | 'lhist' }>;

/** `@m[k] = count() | sum(v) | min(v) | max(v) | avg(v) | stats(v) | hist(v[, k]) | lhist(v, min, max, step)` */
export function emitAggregation(g: Gen, target: MapExpr, c: CallExpr): void {
  const spec = mapSpecFor(g, target);
  const value = spec.user!.value;
  if (value.kind === 'hist' || value.kind === 'lhist') return emitHistogram(g, target, c, spec, value);
  if (value.kind === 'avg' || value.kind === 'stats') return emitStats(g, target, c, spec);
  const e = g.e;
  const kind = c.name as 'count' | 'sum' | 'min' | 'max';
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span);
    if (kind === 'count') e.emit(stSlot(8, operand, 1));
    else {
      emitInt(g, c.args[0]!);
      e.emit(stxSlot(8, operand, R0));
    }
    const key = buildKey(g, target);
    const init = e.freshLabel('agg.init');
    const write = e.freshLabel('agg.write');
    const done = e.freshLabel('agg.end');
    lookup(g, spec.name, key);
    e.emit(jmpImm('jeq', R0, 0, init), ldSlot(8, R1, operand));
    if (kind === 'count' || kind === 'sum') {
      e.emit(ldx(8, R2, R0, 0), alu64Reg('add', R2, R1), stx(8, R0, R2, 0), ja(done));
    } else {
      // min/max: [value, set]; take the operand when this CPU has no value yet or it beats the stored one
      const signed = value.kind === kind && value.signed;
      const better = kind === 'min' ? (signed ? 'jslt' : 'jlt') : signed ? 'jsgt' : 'jgt';
      e.emit(ldx(8, R2, R0, 8), jmpImm('jeq', R2, 0, write), ldx(8, R2, R0, 0), jmpReg(better, R1, R2, write), ja(done));
      e.place(write);
      e.emit(stx(8, R0, R1, 0), st(8, R0, 8, 1), ja(done));
    }
    e.place(init);
    const val = allocOrFail(g, spec.valueSize, c.span);
    copyStack(g, operand, val, 8);
    if (spec.valueSize > 8) e.emit(stSlot(8, val + 8, 1));
    update(g, spec.name, key, val, BPF_ANY);
    e.place(done);
  });
}

/** avg/stats: [count, total] for this CPU; user space divides. */
function emitStats(g: Gen, target: MapExpr, c: CallExpr, spec: MapSpec): void {
  const e = g.e;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span);
    emitInt(g, c.args[0]!);
    e.emit(stxSlot(8, operand, R0));
    const key = buildKey(g, target);
    const init = e.freshLabel('stats.init');
    const done = e.freshLabel('stats.end');
    lookup(g, spec.name, key);
    e.emit(jmpImm('jeq', R0, 0, init), ldSlot(8, R1, operand));
    e.emit(ldx(8, R2, R0, 0), alu64Imm('add', R2, 1), stx(8, R0, R2, 0));
    e.emit(ldx(8, R2, R0, 8), alu64Reg('add', R2, R1), stx(8, R0, R2, 8), ja(done));
    e.place(init);
    const val = allocOrFail(g, 16, c.span);
    e.emit(stSlot(8, val, 1));
    copyStack(g, operand, val + 8, 8);
    update(g, spec.name, key, val, BPF_ANY);
    e.place(done);
  });
}

/** hist/lhist: the bucket index joins the key; each bucket entry counts its values on this CPU. */
function emitHistogram(g: Gen, target: MapExpr, c: CallExpr, spec: MapSpec, value: Histogram): void {
  const e = g.e;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span);
    emitInt(g, c.args[0]!);
    e.emit(stxSlot(8, operand, R0));
    const { key, bucket } = buildBucketKey(g, target, spec);
    e.emit(ldSlot(8, R0, operand));
    if (value.kind === 'hist') emitLog2Bucket(g, value.bits);
    else emitLinearBucket(g, value);
    e.emit(stxSlot(8, bucket, R0));
    const init = e.freshLabel('hist.init');
    const done = e.freshLabel('hist.end');
    lookup(g, spec.name, key);
    e.emit(jmpImm('jeq', R0, 0, init), ldx(8, R1, R0, 0), alu64Imm('add', R1, 1), stx(8, R0, R1, 0), ja(done));
    e.place(init);
    const val = allocOrFail(g, 8, c.span);
    e.emit(stSlot(8, val, 1));
    update(g, spec.name, key, val, BPF_ANY);
    e.place(done);
  });
}

/** The key of a histogram entry: the script's keys, then a u64 bucket index (filled in by the caller). */
function buildBucketKey(g: Gen, m: MapExpr, spec: MapSpec): { key: number; bucket: number } {
  const layout = keyLayout(
    spec.user!.keys.map((k) => k.type),
    spec.user!.value,
  );
  const key = allocValue(g, layout.size);
  m.keys.forEach((k, i) => {
    const at = key + layout.offsets[i]!;
    emitInto(g, k, at, (layout.offsets[i + 1] ?? layout.bucket!) - layout.offsets[i]!);
  });
  return { key, bucket: key + layout.bucket! };
}

/**
 * r0 = bpftrace's log2 bucket of the signed value in r0, with 2^k buckets per power of two:
 *   0 for n < 0;  n + 1 for 0 ≤ n < 2^k;  else ((l - k + 1) << k) + x + 1, where l is the top set bit of n
 *   and x the k bits below it. The top bit is found by an unrolled binary search (no loops). Uses r1-r3.
 */
export function emitLog2Bucket(g: Gen, k: number): void {
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
  for (const shift of [32, 16, 8, 4, 2, 1]) {
    const skip = e.freshLabel('log2.skip');
    e.emit(mov64Reg(R2, R1), alu64Imm('rsh', R2, shift), jmpImm('jeq', R2, 0, skip), mov64Reg(R1, R2), alu64Imm('add', R3, shift));
    e.place(skip);
  }
  // r3 = l - k; r1 = the k bits after the top one
  if (k) e.emit(alu64Imm('sub', R3, k));
  e.emit(mov64Reg(R1, R0), alu64Reg('rsh', R1, R3), alu64Imm('and', R1, mask));
  e.emit(alu64Imm('add', R3, 1));
  if (k) e.emit(alu64Imm('lsh', R3, k));
  e.emit(alu64Reg('add', R3, R1), alu64Imm('add', R3, 1), mov64Reg(R0, R3));
  e.place(done);
}

/**
 * r0 = bpftrace's lhist bucket of the signed value in r0: 0 below min, 1 + (max - min) / step above max,
 * else 1 + (n - min) / step. Uses r1.
 */
export function emitLinearBucket(g: Gen, v: { min: number; max: number; step: number }): void {
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

/** clear/zero/delete/print (and has_key/len whose value is dropped) as statements; false for other calls. */
export function emitMapFunctionStmt(g: Gen, c: CallExpr): boolean {
  switch (c.name) {
    case 'clear':
    case 'zero':
      emitMapOp(g, c, c.name);
      return true;
    case 'print':
      if (wholeMap(c.args[0])) emitMapOp(g, c, 'print');
      else emitPrintValue(g, c, c.args[0]!);
      return true;
    case 'delete':
      emitDelete(g, c);
      return true;
    case 'has_key':
    case 'len':
      return emitMapFunctionValue(g, c);
    default:
      return false;
  }
}

/** len/has_key computed into r0; false for other calls. */
export function emitMapFunctionValue(g: Gen, c: CallExpr): boolean {
  switch (c.name) {
    case 'has_key':
      emitHasKey(g, c);
      return true;
    case 'len':
      emitLen(g, c);
      return true;
    default:
      return false;
  }
}

/** The map a whole-map function names; it must be used somewhere else in the script. */
function namedMap(g: Gen, m: MapExpr | undefined, c: CallExpr): MapSpec {
  const spec = m && g.shared.maps.get(m.name);
  if (!spec?.user) throw new CodegenError(`undefined map: ${m?.name ?? '?'}`, m?.span ?? c.span, ['assign the map somewhere in the script first']);
  return spec;
}

/** print/clear/zero of a whole map: a [id, top, div] record that user space acts on. */
function emitMapOp(g: Gen, c: CallExpr, op: 'print' | 'clear' | 'zero'): void {
  const spec = namedMap(g, wholeMap(c.args[0]), c);
  const id = defineEvent(g, { kind: 'map-op', op, map: spec.user!.name });
  scoped(g, () => {
    const size = op === 'print' ? 24 : 8;
    const rec = allocValue(g, size);
    if (op === 'print')
      [c.args[1], c.args[2]].forEach((arg, i) => {
        if (arg) emitInto(g, arg, rec + 8 + 8 * i, 8);
        else g.e.emit(stSlot(8, rec + 8 + 8 * i, 0));
      });
    g.e.emit(stSlot(8, rec, id));
    emitEventOutput(g, rec, size);
  });
}

/** print(value): the value's bytes follow the id, laid out as in a map value. */
function emitPrintValue(g: Gen, c: CallExpr, arg: Expr): void {
  // an aggregation's entry is spread over CPUs (and buckets): only user space can put it together
  if (arg.kind === 'map' && namedMap(g, arg, c).user!.value.kind !== 'value')
    throw new CodegenError(`print() of one entry of ${arg.name} is not supported: it is an aggregation`, arg.span, [`print the whole map: print(${arg.name})`]);
  const type = typeOf(g, arg);
  const id = defineEvent(g, { kind: 'print', type, offset: 8 });
  scoped(g, () => {
    const size = 8 + slotSize(type);
    const rec = allocValue(g, size);
    emitInto(g, arg, rec + 8, slotSize(type));
    g.e.emit(stSlot(8, rec, id));
    emitEventOutput(g, rec, size);
  });
}

/** delete(@m[k]) / delete(@m, k): map_delete_elem; for a histogram, every bucket of the entry. */
function emitDelete(g: Gen, c: CallExpr): void {
  const spec = namedMap(g, c.args[0]?.kind === 'map' ? c.args[0] : undefined, c);
  const target = keyedTarget(c, spec.user!.keys.length)!;
  const e = g.e;
  scoped(g, () => {
    const value = spec.user!.value;
    if (value.kind !== 'hist' && value.kind !== 'lhist') {
      const key = buildKey(g, target);
      e.emit(ldMapFd(R1, spec.name), ...addrOf(R2, key), call(helper.map_delete_elem));
      checkHelper(g, 'map_delete_elem', 'other');
      return;
    }
    // A bounded loop over the bucket index kept in the key itself (the verifier tracks the spilled constant).
    const { key, bucket } = buildBucketKey(g, target, spec);
    const top = e.freshLabel('delete.bucket');
    e.emit(stSlot(8, bucket, 0));
    e.place(top);
    e.emit(ldMapFd(R1, spec.name), ...addrOf(R2, key), call(helper.map_delete_elem));
    e.emit(ldSlot(8, R1, bucket), alu64Imm('add', R1, 1), stxSlot(8, bucket, R1), jmpImm('jlt', R1, bucketCount(value), top));
  });
}

/** has_key(@m, k): r0 = 1 when the entry exists. */
function emitHasKey(g: Gen, c: CallExpr): void {
  const spec = namedMap(g, c.args[0]?.kind === 'map' ? c.args[0] : undefined, c);
  const value = spec.user!.value;
  if (value.kind === 'hist' || value.kind === 'lhist') throw new CodegenError(`has_key() does not work on ${value.kind}() maps`, c.span);
  const target = keyedTarget(c, spec.user!.keys.length)!;
  scoped(g, () => {
    const key = buildKey(g, target);
    lookup(g, spec.name, key);
    const done = g.e.freshLabel('has_key.end'); // r0 = 0 when missing, else 1
    g.e.emit(jmpImm('jeq', R0, 0, done), mov64Imm(R0, 1));
    g.e.place(done);
  });
}

/**
 * len(@m): bpf_for_each_map_elem (kernel 5.13) with a callback that only returns 0 ("go on") counts the
 * entries, exactly, deletes included: the helper returns how many it visited. This is bpftrace's fallback
 * when the bpf_map_sum_elem_count kfunc is missing; scry has no vmlinux BTF reader for kfunc ids yet.
 */
function emitLen(g: Gen, c: CallExpr): void {
  const spec = namedMap(g, wholeMap(c.args[0]), c);
  const value = spec.user!.value;
  if (value.kind === 'hist' || value.kind === 'lhist') throw new CodegenError(`len() does not work on ${value.kind}() maps`, c.span);
  if (g.stackAbove || !g.functions) throw new CodegenError('len() cannot be used inside a for loop over a map yet', c.span);
  if (!g.functions.some((f) => f.label === LEN_CALLBACK))
    g.functions.push({ label: LEN_CALLBACK, items: [label(LEN_CALLBACK), ...[mov64Imm(R0, 0), exit()].map((i) => withSpan(i, c.span))] });
  g.e.emit(ldMapFd(R1, spec.name), ldFuncAddr(R2, LEN_CALLBACK), mov64Imm(R3, 0), mov64Imm(R4, 0), call(helper.for_each_map_elem));
}

/** One empty callback per program serves every len() in it (a C identifier: it is named in the program's BTF). */
const LEN_CALLBACK = 'scry_len_cb';
