// Map reads, writes and aggregations. Keys are built in a stack slot with the layout in ../layout.ts.
import { checkHelper, checkLookup } from './helper-errors.ts';
import {
  R0,
  R1,
  R2,
  R3,
  R4,
  R6,
  R10,
  alu64Imm,
  alu64Reg,
  atomic,
  call,
  exit,
  ja,
  jmpImm,
  jmpReg,
  label,
  ldFuncAddr,
  ldMapFd,
  ldMapValue,
  ldx,
  mov64Imm,
  mov64Reg,
  neg64,
  st,
  stx,
  type AluOp,
  type Reg,
} from '../asm/index.ts';
import type { AssignStmt, Expr, IncDecExpr, MapExpr, Span, Type } from '../../lang/index.ts';
import { isPerCpu, keyLayout } from '../layout.ts';
import type { MapSpec } from '../program.ts';
import {
  CodegenError,
  addrOf,
  allocOrFail,
  allocValue,
  emitInt,
  emitInto,
  ldSlot,
  scoped,
  stSlot,
  stxSlot,
  type Gen,
} from './context.ts';
import { Emitter } from './emitter.ts';
import { copyFromPointer, normalize, zeroStack } from './values.ts';
import { DIVIDE_BY_ZERO, warnAlways } from './runtime-checks.ts';
import { emitSignedInPlace } from './operators.ts';
import { BPF_FUNC as helper } from '../asm/index.ts';

export const BPF_ANY = 0;
const BPF_NOEXIST = 1;
const EEXIST = 17;

export function mapSpecFor(g: Gen, m: MapExpr): MapSpec {
  const spec = g.shared.maps.get(m.name);
  if (!spec?.user) throw new Error(`no map spec for ${m.name}`);
  return spec;
}

/** Builds the key of `m` on the stack; returns its offset from r10. Must run before values are staged in r0. */
export function buildKey(g: Gen, m: MapExpr): number {
  const spec = mapSpecFor(g, m);
  const layout = keyLayout(spec.user!.keys.map((k) => k.type));
  const own = variableAsKey(g, m, spec);
  if (own !== undefined) return own;
  const off = allocValue(g, layout.size);
  if (m.keys.length === 0) {
    g.e.emit(stSlot(8, off, 0));
    return off;
  }
  // one tuple for several keys (`@[(1, "a")]`, the checker spread it): its bytes are the whole key
  if (m.keys.length === 1 && spec.user!.keys.length > 1) {
    emitInto(g, m.keys[0]!, off, layout.size, { kind: 'tuple', elements: spec.user!.keys.map((k) => k.type) });
    return off;
  }
  m.keys.forEach((k, i) => {
    const at = off + layout.offsets[i]!;
    const size = (layout.offsets[i + 1] ?? layout.size) - layout.offsets[i]!;
    if (!emitProbeIndex(g, k, spec.user!.keys[i]!.type, at)) emitInto(g, k, at, size, spec.user!.keys[i]!.type);
  });
  return off;
}

/**
 * The slot of a string variable that is the whole key, as the key (`$f = str(p); @[$f] = count()`): the same
 * bytes a copy would hold (its assignments write the slot whole, and it is zeroed where it may be read first),
 * without a copy of up to 1 KiB an event. Every caller makes its values before the key, and nothing between the
 * key and the map's helper calls writes a variable. undefined for any other key.
 */
function variableAsKey(g: Gen, m: MapExpr, spec: MapSpec): number | undefined {
  const k = m.keys.length === 1 && spec.user!.keys.length === 1 ? m.keys[0]! : undefined;
  const v = k?.kind === 'var' ? g.vars.get(k.name) : undefined;
  const t = spec.user!.keys[0]?.type;
  if (v?.type.kind !== 'string' || t?.kind !== 'string' || v.type.size !== t.size) return undefined;
  return v.offset;
}

/**
 * `probe` where a map key or a printf argument holds the attach point's index (lang/types.ts IntView 'probe'):
 * one store of this program's index, known when compiling; or, in a probe of several attach points that can
 * carry cookies (Gen.cookie), the index as the attachment's cookie, so that each attach point's program is the
 * same code (generated once, optimized once: ~350 syscall tracepoints for `tracepoint:syscalls:sys_enter_* {
 * @[probe] = count(); }`) for one helper call per event. False when the value is anything else.
 */
export function emitProbeIndex(g: Gen, k: Expr, type: Type, at: number): boolean {
  if (k.kind !== 'ident' || k.name !== 'probe' || type.kind !== 'int' || type.view?.kind !== 'probe') return false;
  const { names } = type.view;
  g.e.at(k.span, () => {
    if (g.cookie && g.shared.attachCookies?.(g.cookie.carrier)) {
      // the point's index is not read here, so the code does not depend on it (point-reads.ts)
      g.cookie.names = names;
      g.e.emit(...g.e.contextToR1(), call(helper.get_attach_cookie), stxSlot(8, at, R0));
      return;
    }
    const id = names.indexOf(g.attach.text);
    if (id < 0) throw new Error(`probe ${g.attach.text} is not among the program's attach points`);
    g.e.emit(stSlot(8, at, id));
  });
  return true;
}

/** The key of a histogram entry: the script's keys, then a u64 bucket index (filled in by the caller). */
export function buildBucketKey(g: Gen, m: MapExpr, spec: MapSpec): { key: number; bucket: number } {
  const layout = keyLayout(
    spec.user!.keys.map((k) => k.type),
    spec.user!.value,
  );
  const key = allocValue(g, layout.size);
  if (m.keys.length === 1 && spec.user!.keys.length > 1) {
    emitInto(g, m.keys[0]!, key, layout.bucket!, { kind: 'tuple', elements: spec.user!.keys.map((k) => k.type) });
    return { key, bucket: key + layout.bucket! };
  }
  m.keys.forEach((k, i) => {
    const at = key + layout.offsets[i]!;
    if (!emitProbeIndex(g, k, spec.user!.keys[i]!.type, at))
      emitInto(g, k, at, (layout.offsets[i + 1] ?? layout.bucket!) - layout.offsets[i]!);
  });
  return { key, bucket: key + layout.bucket! };
}

/** r0 = pointer to the value of the key in slot keyOff of map `name`, or 0. */
export function lookup(g: Gen, name: string, keyOff: number): void {
  g.e.emit(ldMapFd(R1, name), ...addrOf(R2, keyOff), call(helper.map_lookup_elem));
}

/** map_update_elem(name, &key slot, &value slot, flags); r0 is not kept (no caller reads the helper's result) */
export function update(g: Gen, name: string, keyOff: number, valOff: number, flags: number): void {
  g.e.emit(
    ldMapFd(R1, name),
    ...addrOf(R2, keyOff),
    ...addrOf(R3, valOff),
    mov64Imm(R4, flags),
    call(helper.map_update_elem),
  );
  // an insert (NOEXIST) that lost a race to another CPU's is fine; a full map is not, whichever the flags
  checkHelper(g, 'map_update_elem', 'other', flags === BPF_NOEXIST ? -EEXIST : undefined, true);
}

/**
 * The "set" word of a scalar map kept in a one-element array the code addresses directly (layout.ts
 * inScalarCell), or undefined for a map reached through helpers.
 */
function scalarCell(spec: MapSpec): number | undefined {
  return spec.kind === 'array' ? spec.user?.setWord : undefined;
}

/** r0 = the integer a scalar map (no keys) holds, 0 when it holds none: the cell's word, or a lookup of key 0. */
export function emitScalarValue(g: Gen, spec: MapSpec, span: Span): void {
  if (scalarCell(spec) !== undefined) return void g.e.emit(ldMapValue(R0, spec.name, 0), ldx(8, R0, R0, 0));
  scoped(g, () => {
    const key = allocOrFail(g, 8, span);
    const done = g.e.freshLabel('scalar.end');
    g.e.emit(stSlot(8, key, 0));
    lookup(g, spec.name, key);
    g.e.emit(jmpImm('jeq', R0, 0, done), ldx(8, R0, R0, 0));
    g.e.place(done);
  });
}

/**
 * r0 = @m[k] as an integer, 0 when the key is missing; an aggregation's value over all CPUs. With `missing`, a
 * missing key jumps to that label instead (a condition's false branch, where the 0 would have gone: expr.ts).
 */
export function emitMapRead(g: Gen, m: MapExpr, missing?: string): void {
  const spec = mapSpecFor(g, m);
  // a scalar cell never assigned holds 0, as a missing key reads
  if (scalarCell(spec) !== undefined) return emitScalarValue(g, spec, m.span);
  scoped(g, () => {
    const key = buildKey(g, m);
    if (isPerCpu(spec.user!.value)) return emitPerCpuValue(g, spec, key, m.span);
    const done = missing ?? g.e.freshLabel('read.end');
    lookup(g, spec.name, key);
    checkLookup(g);
    g.e.emit(jmpImm('jeq', R0, 0, done), ldx(8, R0, R0, 0));
    if (missing === undefined) g.e.place(done);
  });
}

/** Copies @m[k] (a string or other wide value) into r10+off, zeroes when the key is missing. */
export function emitMapReadInto(g: Gen, m: MapExpr, off: number, size: number): void {
  const spec = mapSpecFor(g, m);
  if (isPerCpu(spec.user!.value)) {
    emitMapRead(g, m);
    g.e.emit(stxSlot(8, off, R0));
    return;
  }
  if (scalarCell(spec) !== undefined) {
    emitScalarValue(g, spec, m.span);
    g.e.emit(stxSlot(8, off, R0));
    return;
  }
  scoped(g, () => {
    const key = buildKey(g, m);
    const done = g.e.freshLabel('read.end');
    lookup(g, spec.name, key);
    checkLookup(g);
    g.e.emit(jmpImm('jeq', R0, 0, done));
    copyFromPointer(g, R0, off, Math.min(size, spec.valueSize));
    g.e.place(done);
  });
}

// Aggregations live in per-CPU hashes: each CPU updates its own copy of an entry without atomics, and a probe
// that reads one (`@m[k]`, `$kv.1` in `for ($kv : @m)`) sees the entry over all CPUs, as bpftrace v0.26 and
// user space (runtime/maps.ts) see it: count/sum added up, min/max the best value any CPU recorded, avg the
// total over the count. bpf_map_lookup_percpu_elem (helper 195, kernel 5.19) reads one CPU's copy; it fails
// for a missing key and for a CPU number past the last possible CPU. The CPUs are walked with bpf_loop
// (helper 181, kernel 5.17) whose callback stops at the first failed lookup: the verifier checks the callback
// once however many CPUs the machine has, where a bounded loop would be checked once per CPU it might have.
// The loop's context is a block on the reader's stack: [acc0, acc1, address of the key].
const ACC0 = 0;
const ACC1 = 8;
const KEY_ADDR = 16;
const BLOCK_SIZE = 24;
/** bpf_loop's iteration limit; the walk ends at the first CPU past the last possible one long before it */
const MAX_CPUS = 1 << 16;

/** r0 = the value of the entry keyed at slot `keyOff` of per-CPU map `spec` over all CPUs (0 when missing). */
export function emitPerCpuValue(g: Gen, spec: MapSpec, keyOff: number, span: Span): void {
  const value = spec.user!.value;
  if (
    value.kind !== 'count' &&
    value.kind !== 'sum' &&
    value.kind !== 'min' &&
    value.kind !== 'max' &&
    value.kind !== 'avg'
  )
    throw new CodegenError(
      `a probe cannot read ${spec.user!.name}: its ${value.kind}() entries are only put together in user space`,
      span,
      [`print(${spec.user!.name}) shows it`],
    );
  if (!g.functions) throw new Error('per-CPU read where no function can be added');
  const fn = perCpuCallback(g, spec, span);
  const e = g.e;
  scoped(g, () => {
    // on the stack, not in scratch space: bpf_loop takes a stack pointer for its context
    const block = allocOrFail(g, BLOCK_SIZE, span);
    e.emit(
      st(8, R10, block + ACC0, 0),
      st(8, R10, block + ACC1, 0),
      ...addrOf(R1, keyOff),
      stx(8, R10, R1, block + KEY_ADDR),
    );
    e.emit(
      mov64Imm(R1, MAX_CPUS),
      ldFuncAddr(R2, fn),
      mov64Reg(R3, R10),
      alu64Imm('add', R3, block),
      mov64Imm(R4, 0),
      call(helper.loop),
    );
    if (value.kind !== 'avg') {
      e.emit(ldx(8, R0, R10, block + ACC0));
      return;
    }
    // total / count, rounded toward zero like user space's division (BPF divides unsigned); 0 / 0 is 0 in BPF
    e.emit(ldx(8, R1, R10, block + ACC0), ldx(8, R0, R10, block + ACC1));
    if (!value.signed) {
      e.emit(alu64Reg('div', R0, R1));
      return;
    }
    const done = e.freshLabel('avg.end');
    const positive = e.freshLabel('avg.pos');
    e.emit(jmpImm('jsge', R0, 0, positive), neg64(R0), alu64Reg('div', R0, R1), neg64(R0), ja(done));
    e.place(positive);
    e.emit(alu64Reg('div', R0, R1));
    e.place(done);
  });
}

/**
 * The bpf_loop callback `long cb(u64 cpu, void *block)` that folds one CPU's copy of an entry of `spec` into the
 * block; one per map and program, appended after the program like for-loop bodies (a C identifier: the
 * program's BTF names it).
 */
function perCpuCallback(g: Gen, spec: MapSpec, span: Span): string {
  const name = `scry_pcpu_${spec.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  if (g.functions!.some((f) => f.label === name)) return name;
  const e = new Emitter(`${name}.`);
  const value = spec.user!.value;
  const stop = e.freshLabel('stop');
  const next = e.freshLabel('next');
  e.at(span, () => {
    e.emit(
      mov64Reg(R6, R2),
      mov64Reg(R3, R1),
      ldMapFd(R1, spec.name),
      ldx(8, R2, R6, KEY_ADDR),
      call(helper.map_lookup_percpu_elem),
    );
    e.emit(jmpImm('jeq', R0, 0, stop));
    switch (value.kind) {
      case 'count':
      case 'sum':
        e.emit(ldx(8, R1, R0, 0), ldx(8, R2, R6, ACC0), alu64Reg('add', R2, R1), stx(8, R6, R2, ACC0));
        break;
      case 'avg':
        // [count, total] per CPU (builtins/aggregations.ts)
        e.emit(ldx(8, R1, R0, 0), ldx(8, R2, R6, ACC0), alu64Reg('add', R2, R1), stx(8, R6, R2, ACC0));
        e.emit(ldx(8, R1, R0, 8), ldx(8, R2, R6, ACC1), alu64Reg('add', R2, R1), stx(8, R6, R2, ACC1));
        break;
      case 'min':
      case 'max': {
        // [value, set] per CPU: a CPU that never recorded one is skipped; acc0 = the best so far, acc1 = found one
        const take = e.freshLabel('take');
        const better = value.kind === 'min' ? (value.signed ? 'jslt' : 'jlt') : value.signed ? 'jsgt' : 'jgt';
        e.emit(ldx(8, R1, R0, 8), jmpImm('jeq', R1, 0, next), ldx(8, R1, R0, 0));
        e.emit(
          ldx(8, R2, R6, ACC1),
          jmpImm('jeq', R2, 0, take),
          ldx(8, R2, R6, ACC0),
          jmpReg(better, R1, R2, take),
          ja(next),
        );
        e.place(take);
        e.emit(stx(8, R6, R1, ACC0), st(8, R6, ACC1, 1));
        break;
      }
      default:
        throw new Error(`no per-CPU read for ${value.kind}`);
    }
    e.place(next);
    e.emit(mov64Imm(R0, 0), exit());
    e.place(stop);
    e.emit(mov64Imm(R0, 1), exit());
  });
  g.functions!.push({ label: name, items: [label(name), ...e.items] });
  return name;
}

/** `@m[k] = value` for plain values; a scalar cell (layout.ts inScalarCell) is written directly. */
export function emitMapAssign(g: Gen, s: AssignStmt & { target: MapExpr }): void {
  const spec = mapSpecFor(g, s.target);
  if (s.op !== '=')
    return emitMapCompound(g, s.target, s.op.slice(0, -1) as CompoundOp, s.value, false, s.value, s.span);
  const setWord = scalarCell(spec);
  // the same key read and written (the checker's mapAdds), in a hash that keeps its elements (not LRU)
  const add = g.shared.checked.mapAdds.get(s);
  if (add && spec.kind === 'hash') return emitMapAdd(g, s.target, spec, add.op, add.delta);
  if (setWord !== undefined) {
    emitInt(g, s.value);
    g.e.emit(ldMapValue(R1, spec.name, 0), stx(8, R1, R0, 0), st(8, R1, setWord, 1));
    return;
  }
  scoped(g, () => {
    const val = allocValue(g, spec.valueSize);
    emitInto(g, s.value, val, spec.valueSize, spec.user!.value.kind === 'value' ? spec.user!.value.type : undefined);
    const key = buildKey(g, s.target);
    if (!spec.storesInPlace) return update(g, spec.name, key, val, BPF_ANY);
    // a key already there takes the value in place (layout.ts storesInPlace: one word)
    writeExisting(g, spec, key, val, () => g.e.emit(ldSlot(8, R1, val), stx(8, R0, R1, 0)));
  });
}

/**
 * A write into a hash that goes through the entry a lookup finds: where the key in slot `key` is there, `inPlace`
 * works on its value (r0 points at it; it may jump to `insert`, the other path's label, as min/max do when the
 * stored value wins); where it is not, `insertValue` puts the new value on the stack and says where, and it is
 * inserted (BPF_ANY, as a plain update would). Aggregations, stores in place and read-modify-writes share it.
 */
export function lookupOrInsert(
  g: Gen,
  spec: MapSpec,
  key: number,
  inPlace: (insert: string) => void,
  insertValue: () => number,
): void {
  const insert = g.e.freshLabel('write.new');
  const done = g.e.freshLabel('write.end');
  lookup(g, spec.name, key);
  g.e.emit(jmpImm('jeq', R0, 0, insert));
  inPlace(insert);
  g.e.emit(ja(done));
  g.e.place(insert);
  update(g, spec.name, key, insertValue(), BPF_ANY);
  g.e.place(done);
}

/** lookupOrInsert with the value to insert already in slot `val`. */
function writeExisting(g: Gen, spec: MapSpec, key: number, val: number, inPlace: () => void): void {
  lookupOrInsert(g, spec, key, inPlace, () => val);
}

/**
 * `@m[k] = @m[k] ± v` (the checker's mapAdds: lang/check/map-add.ts): where the key is there, an atomic add of ±v
 * to its value; where it is not, ±v inserted as the read's 0 plus v would have been (BPF_ANY, as the store it
 * replaces). The shape of count() with an operand.
 */
function emitMapAdd(g: Gen, m: MapExpr, spec: MapSpec, op: '+' | '-', delta: Expr): void {
  const e = g.e;
  scoped(g, () => {
    const operand = allocOrFail(g, 8, m.span);
    emitInt(g, delta);
    if (op === '-') e.emit(neg64(R0));
    e.emit(stxSlot(8, operand, R0));
    const key = buildKey(g, m);
    writeExisting(g, spec, key, operand, () => e.emit(ldSlot(8, R1, operand), atomic('add', 8, R0, R1, 0)));
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
function emitMapCompound(
  g: Gen,
  m: MapExpr,
  op: CompoundOp,
  delta: Expr | bigint,
  postfix: boolean,
  stepKey: Expr,
  span: Span = m.span,
): void {
  const spec = mapSpecFor(g, m);
  const e = g.e;
  // a literal divisor other than 0 needs no zero check, nor its warning's record (as operators.ts emitByConstant)
  const divisorKnown = typeof delta === 'bigint' ? delta !== 0n : delta.kind === 'int' && delta.value !== 0n;
  const byZero = (op === '/' || op === '%') && !divisorKnown;
  const emitDelta = () => {
    if (typeof delta === 'bigint') e.emit(mov64Imm(R0, Number(delta)));
    else emitInt(g, delta);
    // a map holding a pointer moves by elements (the checker recorded the step)
    const step = g.shared.checked.pointerSteps.get(stepKey);
    if (step) e.emit(alu64Imm('mul', R0, step.size));
    if (op === '-') e.emit(neg64(R0)); // subtraction is an atomic add of the negation
  };
  // x / 0 and x % 0 warn here, before r0-r5 matter (the warning is a helper call), as `@m = @m / 0` does
  const warnIfZero = () => {
    if (!byZero) return;
    const nonZero = e.freshLabel('div.nonzero');
    e.emit(jmpImm('jne', R0, 0, nonZero));
    warnAlways(g, DIVIDE_BY_ZERO, span);
    e.emit(mov64Imm(R0, 0));
    e.place(nonZero);
  };
  // a signed value divides and takes a remainder as `@m = @m / v` does (operators.ts)
  const value = spec.user!.value;
  const signedOp =
    value.kind === 'value' && value.type.kind === 'int' && value.type.signed && (op === '/' || op === '%');
  // dst op= src, where x / 0 and x % 0 are 1 (bpftrace v0.26; BPF itself gives 0 and x); `keep`: the register
  // holding the value's address
  const operate = (dst: Reg, src: Reg, keep: Reg) =>
    signedOp
      ? emitSignedInPlace(g, op as '/' | '%', dst, src, keep, span)
      : e.emit(alu64Reg(compoundAlu[op], dst, src));
  const apply = (dst: Reg, src: Reg, keep: Reg) => {
    if (!byZero) return operate(dst, src, keep);
    const nonZero = e.freshLabel('div.nonzero');
    const done = e.freshLabel('div.end');
    e.emit(jmpImm('jne', src, 0, nonZero), mov64Imm(dst, 1), ja(done));
    e.place(nonZero);
    operate(dst, src, keep);
    e.place(done);
  };
  const setWord = scalarCell(spec);
  if (setWord !== undefined) {
    // the cell always exists: r0 = delta, r2 = the cell, r1 = the old value
    emitDelta();
    warnIfZero();
    e.emit(ldMapValue(R2, spec.name, 0));
    if (op === '+' || op === '-') {
      e.emit(mov64Reg(R1, R0), atomic('fetch_add', 8, R2, R1, 0));
      e.emit(postfix ? mov64Reg(R0, R1) : alu64Reg('add', R0, R1));
    } else {
      e.emit(ldx(8, R1, R2, 0));
      apply(R1, R0, R2);
      e.emit(stx(8, R2, R1, 0), mov64Reg(R0, R1));
    }
    e.emit(st(8, R2, setWord, 1));
    return;
  }
  scoped(g, () => {
    const operand = allocOrFail(g, 8, m.span);
    emitDelta();
    e.emit(stxSlot(8, operand, R0));
    warnIfZero();
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
      e.emit(ldx(8, R2, R0, 0));
      apply(R2, R1, R0);
      e.emit(stx(8, R0, R2, 0), mov64Reg(R0, R2));
    }
    e.emit(ja(done));
    e.place(full);
    e.emit(mov64Imm(R0, 0));
    e.place(done);
  });
}

export function emitIncDec(g: Gen, x: IncDecExpr): void {
  const delta = x.op === '++' ? 1n : -1n;
  if (x.target.kind === 'map') return emitMapCompound(g, x.target, '+', delta, !x.prefix, x);
  const v = g.vars.get(x.target.name);
  if (!v) throw new Error(`variable ${x.target.name} has no slot`);
  // a pointer steps by its pointee's size (the checker recorded it)
  const step = BigInt(g.shared.checked.pointerSteps.get(x)?.size ?? 1);
  // r1 = old value, r0 = new value (wrapped to the variable's type); the expression yields one of them
  g.e.emit(ldSlot(8, R0, v.offset), mov64Reg(R1, R0), alu64Imm('add', R0, Number(delta * step)));
  normalize(g, v.type);
  g.e.emit(stxSlot(8, v.offset, R0));
  if (!x.prefix) g.e.emit(mov64Reg(R0, R1));
}
