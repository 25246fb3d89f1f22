// Map reads, writes and aggregations. Keys are built in a stack slot with the layout in ../layout.ts.
import { checkHelper } from './helper-errors.ts';
import {
  R0,
  R1,
  R2,
  R3,
  R4,
  alu64Imm,
  alu64Reg,
  atomic,
  call,
  ja,
  jmpImm,
  ldMapFd,
  ldx,
  mov64Imm,
  mov64Reg,
  neg64,
  stx,
  type AluOp,
} from '../asm/index.ts';
import type { AssignStmt, Expr, IncDecExpr, MapExpr } from '../../lang/ast.ts';
import { keyLayout } from '../layout.ts';
import type { MapSpec } from '../program.ts';
import { allocOrFail, scoped, type Gen } from './context.ts';
import { addrOf, allocValue, ldSlot, stSlot, stxSlot } from './context.ts';
import { emitInt, emitInto, normalize, zeroStack } from './expr.ts';
import { BPF_FUNC as helper } from '../asm/index.ts';

export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;

export function mapSpecFor(g: Gen, m: MapExpr): MapSpec {
  const spec = g.shared.maps.get(m.name);
  if (!spec?.user) throw new Error(`no map spec for ${m.name}`);
  return spec;
}

/** Builds the key of `m` on the stack; returns its offset from r10. Must run before values are staged in r0. */
export function buildKey(g: Gen, m: MapExpr): number {
  const spec = mapSpecFor(g, m);
  const layout = keyLayout(spec.user!.keys.map((k) => k.type));
  const off = allocValue(g, layout.size);
  if (m.keys.length === 0) {
    g.e.emit(stSlot(8, off, 0));
    return off;
  }
  m.keys.forEach((k, i) => {
    const at = off + layout.offsets[i]!;
    const size = (layout.offsets[i + 1] ?? layout.size) - layout.offsets[i]!;
    emitInto(g, k, at, size, spec.user!.keys[i]!.type);
  });
  return off;
}

/** r0 = pointer to the value of the key in slot keyOff of map `name`, or 0. */
export function lookup(g: Gen, name: string, keyOff: number): void {
  g.e.emit(ldMapFd(R1, name), ...addrOf(R2, keyOff), call(helper.map_lookup_elem));
}

/** map_update_elem(name, &key slot, &value slot, flags) */
export function update(g: Gen, name: string, keyOff: number, valOff: number, flags: number): void {
  g.e.emit(
    ldMapFd(R1, name),
    ...addrOf(R2, keyOff),
    ...addrOf(R3, valOff),
    mov64Imm(R4, flags),
    call(helper.map_update_elem),
  );
  if (flags !== BPF_NOEXIST) checkHelper(g, 'map_update_elem', 'other'); // NOEXIST losing a race is fine
}

/** r0 = @m[k] as an integer, 0 when the key is missing. */
export function emitMapRead(g: Gen, m: MapExpr): void {
  const spec = mapSpecFor(g, m);
  scoped(g, () => {
    const key = buildKey(g, m);
    const done = g.e.freshLabel('read.end');
    lookup(g, spec.name, key);
    g.e.emit(jmpImm('jeq', R0, 0, done), ldx(8, R0, R0, 0));
    g.e.place(done);
  });
}

/** Copies @m[k] (a string or other wide value) into r10+off, zeroes when the key is missing. */
export function emitMapReadInto(g: Gen, m: MapExpr, off: number, size: number): void {
  const spec = mapSpecFor(g, m);
  scoped(g, () => {
    const key = buildKey(g, m);
    const done = g.e.freshLabel('read.end');
    lookup(g, spec.name, key);
    g.e.emit(jmpImm('jeq', R0, 0, done));
    const n = Math.min(size, spec.valueSize);
    for (let i = 0; i < n; i += 8) g.e.emit(ldx(8, R1, R0, i), stxSlot(8, off + i, R1));
    g.e.place(done);
  });
}

/** `@m[k] = value` for plain values. */
export function emitMapAssign(g: Gen, s: AssignStmt & { target: MapExpr }): void {
  const spec = mapSpecFor(g, s.target);
  if (s.op !== '=') return emitMapCompound(g, s.target, s.op.slice(0, -1) as CompoundOp, s.value, false);
  scoped(g, () => {
    const val = allocValue(g, spec.valueSize);
    emitInto(g, s.value, val, spec.valueSize, spec.user!.value.kind === 'value' ? spec.user!.value.type : undefined);
    const key = buildKey(g, s.target);
    update(g, spec.name, key, val, BPF_ANY);
  });
}

type CompoundOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';
const compoundAlu: Record<CompoundOp, AluOp> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '%': 'mod',
  '&': 'and',
  '|': 'or',
  '^': 'xor',
  '<<': 'lsh',
  '>>': 'rsh',
};

/**
 * `@m[k] op= v`, `@m[k]++` and friends. A missing key starts at 0 (inserted with NOEXIST so a racing CPU's
 * insert wins). Additions are atomic, so counts from several CPUs never get lost. Leaves in r0 the new value
 * (or the old one when `postfix`), or 0 if the map is full.
 */
function emitMapCompound(g: Gen, m: MapExpr, op: CompoundOp, delta: Expr | bigint, postfix: boolean): void {
  const spec = mapSpecFor(g, m);
  const e = g.e;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, m.span);
    if (typeof delta === 'bigint') e.emit(mov64Imm(R0, Number(delta)));
    else emitInt(g, delta);
    if (op === '-') e.emit(neg64(R0)); // subtraction is an atomic add of the negation
    e.emit(stxSlot(8, operand, R0));
    const key = buildKey(g, m);
    const found = e.freshLabel('upd.found');
    const full = e.freshLabel('upd.full');
    const done = e.freshLabel('upd.end');
    lookup(g, spec.name, key);
    e.emit(jmpImm('jne', R0, 0, found));
    const zero = allocValue(g, spec.valueSize);
    zeroStack(g, zero, spec.valueSize);
    update(g, spec.name, key, zero, BPF_NOEXIST);
    lookup(g, spec.name, key);
    e.emit(jmpImm('jeq', R0, 0, full));
    e.place(found);
    e.emit(ldSlot(8, R1, operand));
    if (op === '+' || op === '-') {
      // r1 = old value; r0 = the result the expression yields
      e.emit(mov64Reg(R2, R1), atomic('fetch_add', 8, R0, R1, 0));
      e.emit(postfix ? mov64Reg(R0, R1) : alu64Reg('add', R1, R2));
      if (!postfix) e.emit(mov64Reg(R0, R1));
    } else {
      e.emit(ldx(8, R2, R0, 0), alu64Reg(compoundAlu[op], R2, R1), stx(8, R0, R2, 0), mov64Reg(R0, R2));
    }
    e.emit(ja(done));
    e.place(full);
    e.emit(mov64Imm(R0, 0));
    e.place(done);
  });
}

export function emitIncDec(g: Gen, x: IncDecExpr): void {
  const delta = x.op === '++' ? 1n : -1n;
  if (x.target.kind === 'map') return emitMapCompound(g, x.target, '+', delta, !x.prefix);
  const v = g.vars.get(x.target.name);
  if (!v) throw new Error(`variable ${x.target.name} has no slot`);
  // r1 = old value, r0 = new value (wrapped to the variable's type); the expression yields one of them
  g.e.emit(ldSlot(8, R0, v.offset), mov64Reg(R1, R0), alu64Imm('add', R0, Number(delta)));
  normalize(g, v.type);
  g.e.emit(stxSlot(8, v.offset, R0));
  if (!x.prefix) g.e.emit(mov64Reg(R0, R1));
}
