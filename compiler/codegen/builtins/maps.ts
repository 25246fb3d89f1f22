// Functions on whole maps and their entries: clear, zero, print, delete, has_key, len. Whatever needs the whole
// map at once (print, clear, zero) is a ring-buffer event that user space acts on, in order with printf
// output, as bpftrace does.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  alu64Imm,
  call,
  exit,
  jmpImm,
  label,
  ldFuncAddr,
  ldMapFd,
  mov64Imm,
  mov64Reg,
  withSpan,
} from '../../asm/index.ts';
import { stackViewOf, type CallExpr, type Expr, type MapExpr } from '../../../lang/index.ts';
import { bucketCount, slotSize } from '../../layout.ts';
import type { MapSpec } from '../../program.ts';
import {
  CodegenError,
  addrOf,
  allocValue,
  emitInto,
  ldSlot,
  scoped,
  stSlot,
  stxSlot,
  typeOf,
  type Gen,
} from '../context.ts';
import { SCRATCH_BASE } from '../emitter.ts';
import { defineEvent, emitEventFromSlot, emitEventOutput, stEventId } from '../events.ts';
import { checkHelper } from '../helper-errors.ts';
import { buildBucketKey, buildKey, lookup } from '../maps.ts';
import type { EmitRows } from './emit.ts';
import { emitStackLen } from './stacks.ts';

export const mapBuiltins: EmitRows = {
  clear: { call: { stmt: (g, c) => emitMapOp(g, c, 'clear') } },
  zero: { call: { stmt: (g, c) => emitMapOp(g, c, 'zero') } },
  print: {
    call: {
      stmt: (g, c) => {
        if (g.shared.checked.mapTargets.has(c)) emitMapOp(g, c, 'print');
        else emitPrintValue(g, c, c.args[0]!);
      },
    },
  },
  delete: { call: { stmt: emitDelete, int: emitDeleteValue } },
  has_key: { call: { int: emitHasKey, stmt: emitHasKey } },
  len: { call: { int: emitLen, stmt: emitLen } },
};

/** The entry delete/has_key name, with its keys as the checker matched them to the map's. */
function keyedEntry(g: Gen, c: CallExpr): MapExpr {
  const target = g.shared.checked.mapTargets.get(c);
  if (!target) throw new Error(`${c.name}() without its map entry`);
  return target;
}

/** The map a whole-map function names; it must be used somewhere else in the script. */
function namedMap(g: Gen, m: MapExpr | undefined, c: CallExpr): MapSpec {
  const spec = m && g.shared.maps.get(m.name);
  if (!spec?.user)
    throw new CodegenError(`undefined map: ${m?.name ?? '?'}`, m?.span ?? c.span, [
      'assign the map somewhere in the script first',
    ]);
  // one entry per interval slot (the checker says so too, where it has seen the tseries first)
  if (spec.user.value.kind === 'tseries' && ['delete', 'has_key', 'len'].includes(c.name))
    throw new CodegenError(`${c.name}() does not work on tseries() maps`, c.span, [
      'each interval of a time series is a map entry of its own; clear() empties the whole map',
    ]);
  return spec;
}

/** print/clear/zero of a whole map: a [id, top, div] record that user space acts on. */
function emitMapOp(g: Gen, c: CallExpr, op: 'print' | 'clear' | 'zero'): void {
  const spec = namedMap(g, g.shared.checked.mapTargets.get(c), c);
  const id = defineEvent(g, { kind: 'map-op', op, map: spec.user!.name });
  scoped(g, () => {
    const size = op === 'print' ? 24 : 8;
    const rec = allocValue(g, size);
    if (op === 'print')
      [c.args[1], c.args[2]].forEach((arg, i) => {
        if (arg) emitInto(g, arg, rec + 8 + 8 * i, 8);
        else g.e.emit(stSlot(8, rec + 8 + 8 * i, 0));
      });
    g.e.emit(stEventId(rec, id));
    emitEventOutput(g, rec, size, id);
  });
}

/**
 * print(value): the value's bytes follow the id, laid out as in a map value. An entry of a count, sum, min, max or
 * avg map is read as an expression reads it, its CPUs put together (bpftrace v0.26 prints it so); the checker
 * refuses the entries it cannot read (stats, histograms).
 */
function emitPrintValue(g: Gen, c: CallExpr, arg: Expr): void {
  const type = typeOf(g, arg);
  const id = defineEvent(g, { kind: 'print', type, offset: 8 });
  // a big variable (in scratch space) goes to the ring buffer from where it is, without a second copy
  const held = arg.kind === 'var' ? g.vars.get(arg.name) : undefined;
  if (held && held.offset >= SCRATCH_BASE && slotSize(held.type) >= slotSize(type))
    return emitEventFromSlot(g, id, held.offset, slotSize(type));
  scoped(g, () => {
    const size = 8 + slotSize(type);
    const rec = allocValue(g, size);
    emitInto(g, arg, rec + 8, slotSize(type));
    g.e.emit(stEventId(rec, id));
    emitEventOutput(g, rec, size, id);
  });
}

/** delete(@m[k]) / delete(@m, k): map_delete_elem; for a histogram, every bucket of the entry. */
function emitDelete(g: Gen, c: CallExpr): void {
  const target = keyedEntry(g, c);
  const spec = namedMap(g, target, c);
  const e = g.e;
  scoped(g, () => {
    const value = spec.user!.value;
    if (value.kind !== 'hist' && value.kind !== 'lhist') {
      const key = buildKey(g, target);
      e.emit(ldMapFd(R1, spec.name), ...addrOf(R2, key), call(helper.map_delete_elem));
      checkHelper(g, 'map_delete_elem', 'other', undefined, true); // a statement: nothing reads the result
      return;
    }
    // A bounded loop over the bucket index kept in the key itself (the verifier tracks the spilled constant).
    const { key, bucket } = buildBucketKey(g, target, spec);
    const top = e.freshLabel('delete.bucket');
    e.emit(stSlot(8, bucket, 0));
    e.place(top);
    e.emit(ldMapFd(R1, spec.name), ...addrOf(R2, key), call(helper.map_delete_elem));
    e.emit(
      ldSlot(8, R1, bucket),
      alu64Imm('add', R1, 1),
      stxSlot(8, bucket, R1),
      jmpImm('jlt', R1, bucketCount(value), top),
    );
  });
}

/** `if (delete(@m, k))`: r0 = 1 when the entry was there (map_delete_elem returned 0), else 0. */
function emitDeleteValue(g: Gen, c: CallExpr): void {
  const target = keyedEntry(g, c);
  const spec = namedMap(g, target, c);
  const value = spec.user!.value;
  if (value.kind === 'hist' || value.kind === 'lhist')
    throw new CodegenError(`the value of delete() on a ${value.kind}() map is not supported`, c.span, [
      `delete(${target.name}, key) as a statement removes the entry`,
    ]);
  scoped(g, () => {
    const key = buildKey(g, target);
    g.e.emit(ldMapFd(R1, spec.name), ...addrOf(R2, key), call(helper.map_delete_elem));
    const done = g.e.freshLabel('delete.end');
    g.e.emit(mov64Imm(R1, 0), jmpImm('jne', R0, 0, done), mov64Imm(R1, 1));
    g.e.place(done);
    g.e.emit(mov64Reg(R0, R1));
  });
}

/** has_key(@m, k): r0 = 1 when the entry exists. */
function emitHasKey(g: Gen, c: CallExpr): void {
  const target = keyedEntry(g, c);
  const spec = namedMap(g, target, c);
  const value = spec.user!.value;
  if (value.kind === 'hist' || value.kind === 'lhist')
    throw new CodegenError(`has_key() does not work on ${value.kind}() maps`, c.span);
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
  // a whole map (the checker recorded it: it has no value type) or a stack (an expression with a type)
  const whole = g.shared.checked.mapTargets.get(c);
  if (!whole) {
    const st = typeOf(g, c.args[0]!);
    if (stackViewOf(st)) return emitStackLen(g, c.args[0]!, st);
  }
  const spec = namedMap(g, whole, c);
  const value = spec.user!.value;
  if (value.kind === 'hist' || value.kind === 'lhist')
    throw new CodegenError(`len() does not work on ${value.kind}() maps`, c.span);
  if (g.stackAbove || !g.functions)
    throw new CodegenError('len() cannot be used inside a for loop over a map yet', c.span);
  if (!g.functions.some((f) => f.label === LEN_CALLBACK))
    g.functions.push({
      label: LEN_CALLBACK,
      items: [label(LEN_CALLBACK), ...[mov64Imm(R0, 0), exit()].map((i) => withSpan(i, c.span))],
    });
  g.e.emit(
    ldMapFd(R1, spec.name),
    ldFuncAddr(R2, LEN_CALLBACK),
    mov64Imm(R3, 0),
    mov64Imm(R4, 0),
    call(helper.for_each_map_elem),
  );
}

/** One empty callback per program serves every len() in it (a C identifier: it is named in the program's BTF). */
const LEN_CALLBACK = 'scry_len_cb';
