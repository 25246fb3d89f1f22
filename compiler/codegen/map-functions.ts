// Aggregations and the functions that work on whole maps (the code side of lang/check/map-functions.ts).
import { R0, R1, R2, R10, alu64Reg, ja, jmpImm, jmpReg, ldx, st, stx } from '../asm/index.ts';
import type { CallExpr, MapExpr } from '../../lang/ast.ts';
import { allocOrFail, scoped, type Gen } from './context.ts';
import { copyStack, emitInt } from './expr.ts';
import { BPF_ANY, buildKey, lookup, mapSpecFor, update } from './maps.ts';

export { isAggregation } from '../../lang/check/map-functions.ts';

/** `@m[k] = count() | sum(v) | min(v) | max(v)` on a per-CPU hash: no atomics needed, user space merges CPUs. */
export function emitAggregation(g: Gen, target: MapExpr, c: CallExpr): void {
  const spec = mapSpecFor(g, target);
  const e = g.e;
  const kind = c.name as 'count' | 'sum' | 'min' | 'max';
  scoped(g, () => {
    const operand = allocOrFail(g, 8, c.span);
    if (kind === 'count') e.emit(st(8, R10, operand, 1));
    else {
      emitInt(g, c.args[0]!);
      e.emit(stx(8, R10, R0, operand));
    }
    const key = buildKey(g, target);
    const init = e.freshLabel('agg.init');
    const write = e.freshLabel('agg.write');
    const done = e.freshLabel('agg.end');
    lookup(g, spec.name, key);
    e.emit(jmpImm('jeq', R0, 0, init), ldx(8, R1, R10, operand));
    if (kind === 'count' || kind === 'sum') {
      e.emit(ldx(8, R2, R0, 0), alu64Reg('add', R2, R1), stx(8, R0, R2, 0), ja(done));
    } else {
      // min/max: [value, set]; take the operand when this CPU has no value yet or it beats the stored one
      const signed = spec.user!.value.kind === kind && 'signed' in spec.user!.value && spec.user!.value.signed;
      const better = kind === 'min' ? (signed ? 'jslt' : 'jlt') : signed ? 'jsgt' : 'jgt';
      e.emit(ldx(8, R2, R0, 8), jmpImm('jeq', R2, 0, write), ldx(8, R2, R0, 0), jmpReg(better, R1, R2, write), ja(done));
      e.place(write);
      e.emit(stx(8, R0, R1, 0), st(8, R0, 8, 1), ja(done));
    }
    e.place(init);
    const val = allocOrFail(g, spec.valueSize, c.span);
    copyStack(g, operand, val, 8);
    if (spec.valueSize > 8) e.emit(st(8, R10, val + 8, 1));
    update(g, spec.name, key, val, BPF_ANY);
    e.place(done);
  });
}

/** clear/zero/delete/print and friends as statements; false when `c` is not one of them. */
export function emitMapFunctionStmt(_g: Gen, _c: CallExpr): boolean {
  return false;
}

/** len/has_key and friends computed into r0; false when `c` is not one of them. */
export function emitMapFunctionValue(_g: Gen, _c: CallExpr): boolean {
  return false;
}
