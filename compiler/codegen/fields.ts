// Fields and memory: a probe's arguments (args->f of a tracepoint record; ctx/args slots of tracing programs)
// and values reached through typed pointers (p->f, s.f, *p, p[i]), read into r0 or into stack slots.
import { BPF_FUNC as helper, R0, R1, R2, R3, alu64Imm, alu64Reg, call, ldx, mov64Imm, mov64Reg } from '../asm/index.ts';
import {
  PT_REGS_OFFSETS,
  type ArgField,
  type Expr,
  type FieldExpr,
  type Span,
  type TracepointField,
  type Type,
} from '../../lang/index.ts';
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
  typeOf,
  type Gen,
} from './context.ts';
import { checkHelper } from './helper-errors.ts';
import { coreField } from './core.ts';
import { ARRAY_OUT_OF_BOUNDS, warnUnlessBelow } from './runtime-checks.ts';
import { probeRead, readHelper, readString } from './memory.ts';
import { normalize } from './values.ts';
import { slotSize } from '../layout.ts';

/** x86-64's argument registers in order: pt_regs' fields that hold arg0…arg5. */
const ARG_REGISTERS = ['di', 'si', 'dx', 'cx', 'r8', 'r9'] as const;

/** `args->f`, or `ctx->f` where the probe type reads its context that way (iterators). */
export function isProbeArgument(g: Gen, x: FieldExpr): boolean {
  return x.base.kind === 'ident' && (x.base.name === 'args' || (x.base.name === 'ctx' && g.context.ctxArgs === true));
}

/** r0 = a probe argument: a u64 slot of the context, or a tracepoint record's field at its own width. */
export function emitArgumentInt(g: Gen, x: FieldExpr): void {
  const ctxArg = g.shared.checked.argFields.get(x);
  if (x.base.kind === 'ident' && x.base.name === 'ctx') {
    if (ctxArg?.access.kind !== 'context') throw new Error('ctx field without a context slot');
    return emitContextSlot(g, ctxArg.access.index, typeOf(g, x), x.span);
  }
  if (ctxArg?.access.kind === 'context') return emitContextSlot(g, ctxArg.access.index, typeOf(g, x), x.span);
  if (ctxArg?.access.kind === 'register') {
    // a uprobe's parameter, in the argument register arg0…arg5 read (the checker allowed only those)
    g.e.emit(ldx(8, R0, g.e.context(), PT_REGS_OFFSETS[ARG_REGISTERS[ctxArg.access.index]!]!));
    return normalize(g, typeOf(g, x));
  }
  // Load the value's own width (x86-64 is little-endian: the low bytes come first), then extend.
  const { field } = argField(g, x);
  const t = typeOf(g, x);
  const bytes = t.kind === 'int' ? t.bits / 8 : field.size;
  g.e.emit(ldx(bytes as 1 | 2 | 4 | 8, R0, g.e.context(), field.offset));
  if (t.kind !== 'int' || t.signed) normalize(g, t); // (the load zero-extends an unsigned value already)
}

/** A string field of a tracepoint record (char name[N], or __data_loc char[]) at r10+off, at most `size` bytes. */
export function emitArgumentStringInto(g: Gen, x: FieldExpr, off: number, size: number): void {
  const { field, access } = argField(g, x);
  if (access.kind === 'array') {
    g.e.emit(mov64Reg(R3, g.e.context()), alu64Imm('add', R3, field.offset));
    return probeRead(g, helper.probe_read_kernel, off, Math.min(size, field.size));
  }
  // __data_loc: the low 16 bits of the u32 are the string's offset within the record
  g.e.emit(ldx(4, R0, g.e.context(), field.offset), alu64Imm('and', R0, 0xffff));
  readString(g, 'record', off, size);
}

/** An integer array of a tracepoint record (__u8 daddr[4], unsigned long args[6]) at r10+off: its bytes, whole. */
export function emitArgumentArrayInto(g: Gen, x: FieldExpr, off: number, size: number): void {
  const { field } = argField(g, x);
  g.e.emit(mov64Reg(R3, g.e.context()), alu64Imm('add', R3, field.offset));
  probeRead(g, helper.probe_read_kernel, off, Math.min(size, field.size));
}

/**
 * r0 = the index-th u64 of a tracing program's context (fentry/fexit/iter/tp_btf arguments). The verifier
 * types pointers there (and forbids arithmetic on them until null-checked), so pointers are copied out with
 * probe_read_kernel and become plain numbers, read through like any other kernel pointer.
 */
function emitContextSlot(g: Gen, index: number, t: Type, span: Span): void {
  const e = g.e;
  if (t.kind !== 'int' || !t.space) {
    e.emit(ldx(8, R0, e.context(), 8 * index));
    return normalize(g, t);
  }
  scoped(g, () => {
    const tmp = allocOrFail(g, 8, span);
    e.emit(
      stSlot(8, tmp, 0),
      mov64Reg(R3, e.context()),
      alu64Imm('add', R3, 8 * index),
      ...addrOf(R1, tmp),
      mov64Imm(R2, 8),
      call(helper.probe_read_kernel),
    );
    e.emit(ldSlot(8, R0, tmp));
  });
}

/**
 * r0 = the address of a value in kernel (or user) memory: `p->f` is p + offset, `s.f` the address of s plus
 * offset, `*p` is p, `p[i]` is p + i × size. A struct or array the program holds itself (a variable, a map
 * value: `$t = *curtask; $t.pid`) is read from its copy on the BPF stack: then this returns 'stack', and the
 * copy is read with probe_read_kernel whatever address space the value came from.
 */
function emitAddress(g: Gen, x: Expr): 'stack' | undefined {
  const acc = g.shared.checked.memory.get(x);
  if (!acc) return emitHeldRecordAddress(g, x);
  const e = g.e;
  const base = (b: Expr): 'stack' | undefined => {
    if (acc.via === 'record') return emitAddress(g, b);
    emitInt(g, b);
    return undefined;
  };
  switch (x.kind) {
    case 'field': {
      const where = base(x.base);
      // an object file's field offsets are relocated by libbpf, so each has its instruction (0 included)
      const core = coreField(g, x, acc);
      if (core) e.emit({ ...alu64Imm('add', R0, core.bits?.byteOffset ?? acc.offset), coreRef: core.ref });
      else if (acc.offset) e.emit(alu64Imm('add', R0, acc.offset));
      return where;
    }
    case 'unary':
      emitInt(g, x.operand);
      return undefined;
    case 'index': {
      let where: 'stack' | undefined;
      scoped(g, () => {
        const at = allocOrFail(g, 8, x.span);
        where = base(x.base);
        e.emit(stxSlot(8, at, R0));
        emitInt(g, x.index);
        if (acc.bound !== undefined) warnUnlessBelow(g, acc.bound, ARRAY_OUT_OF_BOUNDS, x.span);
        e.emit(alu64Imm('mul', R0, acc.stride ?? 1), ldSlot(8, R1, at), alu64Reg('add', R0, R1));
      });
      return where;
    }
    default:
      throw new CodegenError('this value has no address in memory', x.span);
  }
}

/**
 * r0 = the address of a struct or array value the program holds (not in kernel or user memory): a variable's
 * own slot, or a copy (of a map value, say) in a scratch slot that lives as long as the caller's scope.
 */
function emitHeldRecordAddress(g: Gen, x: Expr): 'stack' {
  const t = typeOf(g, x);
  // a held string too: $s[i] reads its bytes
  if (t.kind !== 'record' && t.kind !== 'array' && t.kind !== 'string')
    throw new CodegenError('this struct value is not in memory, so its fields cannot be reached', x.span, [
      'read fields straight from a pointer: p->a.b',
    ]);
  const held = x.kind === 'var' ? g.vars.get(x.name) : undefined;
  if (held) {
    g.e.emit(...addrOf(R0, held.offset));
    return 'stack';
  }
  const size = slotSize(t);
  const copy = allocValue(g, size);
  emitInto(g, x, copy, size);
  g.e.emit(...addrOf(R0, copy));
  return 'stack';
}

/** An integer read from memory through a typed pointer (bitfields shifted and masked), into r0. */
export function emitMemoryInt(g: Gen, x: Expr): void {
  const acc = g.shared.checked.memory.get(x);
  const t = typeOf(g, x);
  if (!acc || (t.kind !== 'int' && t.kind !== 'bool'))
    throw new CodegenError(`this ${x.kind === 'unary' ? 'dereference' : 'value'} cannot be used as an integer`, x.span);
  const e = g.e;
  const bytes = t.kind === 'int' ? t.bits / 8 : 1;
  // an object file's bitfield: libbpf's load size and shifts, each relocated (codegen/core.ts)
  const bits = acc.bitSize && x.kind === 'field' ? coreField(g, x, acc) : undefined;
  scoped(g, () => {
    const tmp = allocOrFail(g, 8, x.span);
    const read = readHelper(emitAddress(g, x) === 'stack' ? 'kernel' : acc.space);
    if (bits?.bits) {
      const { ref, bits: b } = bits;
      e.emit(
        stSlot(8, tmp, 0),
        mov64Reg(R3, R0),
        ...addrOf(R1, tmp),
        { ...mov64Imm(R2, b.byteSize), coreRef: { ...ref, kind: 'byte_size' } },
        call(read.fn),
      );
      checkHelper(g, read.name, 'read');
      e.emit(
        ldSlot(8, R0, tmp),
        { ...alu64Imm('lsh', R0, b.lshift), coreRef: { ...ref, kind: 'lshift_u64' } },
        { ...alu64Imm('rsh', R0, b.rshift), coreRef: { ...ref, kind: 'rshift_u64' } },
      );
      return;
    }
    // not zeroed first: the probe_read helpers write every byte asked for (zeroes when the read fails), and no
    // more than those bytes are loaded back
    e.emit(mov64Reg(R3, R0), ...addrOf(R1, tmp), mov64Imm(R2, acc.bitSize ? 8 : bytes), call(read.fn));
    checkHelper(g, read.name, 'read');
    if (acc.bitSize) {
      e.emit(ldSlot(8, R0, tmp));
      if (acc.bitOffset) e.emit(alu64Imm('rsh', R0, acc.bitOffset));
      if (acc.bitSize < 32) e.emit(alu64Imm('and', R0, (1 << acc.bitSize) - 1));
      else if (acc.bitSize < 64) e.emit(alu64Imm('lsh', R0, 64 - acc.bitSize), alu64Imm('rsh', R0, 64 - acc.bitSize));
      return;
    }
    e.emit(ldSlot(bytes as 1 | 2 | 4 | 8, R0, tmp));
  });
  normalize(g, t);
}

/** A string (char array) or record read from memory into r10+off, `size` bytes. */
export function emitMemoryInto(g: Gen, x: Expr, off: number, size: number): void {
  const acc = g.shared.checked.memory.get(x)!;
  const read = readHelper(emitAddress(g, x) === 'stack' ? 'kernel' : acc.space);
  g.e.emit(mov64Reg(R3, R0), ...addrOf(R1, off), mov64Imm(R2, size), call(read.fn));
  checkHelper(g, read.name, 'read');
}

/**
 * The field of that name, looked for from the first without asking the list's length (Array.prototype.find asks
 * first): the code then depends on the fields up to it, not on how many follow, and the matches of a syscall
 * wildcard reading the same field share it (point-reads.ts).
 */
function fieldNamed(fields: readonly TracepointField[] | undefined, name: string | undefined) {
  for (let i = 0; fields && name !== undefined; i++) {
    const f = fields[i];
    if (f === undefined || f.name === name) return f;
  }
  return undefined;
}

/** The tracepoint field an `args->f` expression reads, in this program's tracepoint. */
function argField(g: Gen, x: Expr): { field: TracepointField; access: ArgField['access'] } {
  const info = x.kind === 'field' ? g.shared.checked.argFields.get(x) : undefined;
  const field = fieldNamed(g.context.tracepoint?.format?.fields, info?.field);
  if (!info || !field) throw new Error('args field without a resolved tracepoint field');
  return { field, access: info.access };
}
