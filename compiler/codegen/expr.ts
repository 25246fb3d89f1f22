// Expressions. Integers are computed into r0 (an accumulator: helper calls return there and clobber r1-r5,
// so a left operand waits in a stack slot while the right one is computed). Strings and other values
// wider than a register are written straight into stack memory.
import { R0, R1, R2, R3, R6, alu64Imm, alu64Reg, call, endian, ja, jmpImm, jmpReg, ldx, mov64Imm, mov64Reg, neg64, type AluOp, type Insn, type JmpOp } from '../asm/index.ts';
import { BPF_FUNC as helper } from '../asm/index.ts';
import { probeContext, type ArgField, type BinaryExpr, type BinaryOp, type CallExpr, type Expr, type FieldExpr, type IdentExpr, type Span, type TracepointField, type Type } from '../../lang/index.ts';
import { packedLayout, slotSize } from '../layout.ts';
import { BUILTIN_EMIT, type BuiltinEmit } from './builtins/index.ts';
import { CodegenError, addrOf, assertNever, allocOrFail, allocValue, ldSlot, scoped, stSlot, stxSlot, typeOf, type Gen, type Lowering } from './context.ts';
import { checkHelper } from './helper-errors.ts';
import { emitIncDec, emitMapRead, emitMapReadInto } from './maps.ts';
import { probeRead, readHelper, readString } from './memory.ts';
import { copyStack, fitsImm32, loadConst, normalize, sizeOfString, storeBytes, zeroStack } from './values.ts';

function isSigned(t: Type): boolean {
  return t.kind === 'int' && t.signed;
}

/** Computes an integer (or bool) expression into r0. */
export function emitInt(g: Gen, x: Expr): void {
  g.e.at(x.span, () => emitIntInner(g, x));
}

function emitIntInner(g: Gen, x: Expr): void {
  const e = g.e;
  switch (x.kind) {
    case 'int':
      return loadConst(g, R0, x.value);
    case 'bool':
      return e.emit(mov64Imm(R0, x.value ? 1 : 0));
    case 'ident': {
      const int = builtin(x)?.variable?.int;
      if (!int) throw new CodegenError(`${x.name} cannot be used as an integer here`, x.span);
      return int(g, x);
    }
    case 'var': {
      const v = g.vars.get(x.name);
      if (!v) throw new Error(`variable ${x.name} has no slot`);
      return e.emit(ldSlot(8, R0, v.offset));
    }
    case 'map':
      return emitMapRead(g, x);
    case 'incdec':
      return emitIncDec(g, x);
    case 'binary':
      return emitBinary(g, x);
    case 'unary':
      if (x.op === '*') return emitMemoryInt(g, x);
      emitInt(g, x.operand);
      switch (x.op) {
        case '-':
          e.emit(neg64(R0));
          return normalize(g, typeOf(g, x));
        case '~':
          e.emit(alu64Imm('xor', R0, -1));
          return normalize(g, typeOf(g, x));
        case '!':
          return boolFromJump(g, (yes) => jmpImm('jeq', R0, 0, yes));
        default:
          throw new CodegenError(`operator ${x.op} is not supported yet`, x.span);
      }
    case 'ternary': {
      const otherwise = e.freshLabel('ternary.else');
      const done = e.freshLabel('ternary.end');
      emitInt(g, x.cond);
      e.emit(jmpImm('jeq', R0, 0, otherwise));
      emitInt(g, x.then);
      e.emit(ja(done));
      e.place(otherwise);
      emitInt(g, x.else);
      e.place(done);
      return normalize(g, typeOf(g, x));
    }
    case 'call': {
      const int = builtin(x)?.call?.int;
      if (!int) throw new CodegenError(`${x.name}() has no integer value`, x.span);
      return int(g, x);
    }
    case 'sizeof': {
      const v = g.shared.checked.constants.get(x);
      if (v === undefined) throw new Error('sizeof without a size');
      return loadConst(g, R0, v);
    }
    case 'cast':
      emitInt(g, x.expr);
      return normalize(g, typeOf(g, x));
    case 'positional': {
      const v = g.shared.checked.positionals.get(x);
      if (v === undefined) throw new Error('positional parameter without a value');
      if (typeof v !== 'bigint') throw new CodegenError(`$${x.index} is a string here, not an integer`, x.span);
      return loadConst(g, R0, v);
    }
    case 'field': {
      if (g.shared.checked.memory.has(x)) return emitMemoryInt(g, x);
      if (x.base.kind === 'ident' && x.base.name === 'ctx' && probeContext(g.attach).ctxArgs) {
        const ctxArg = g.shared.checked.argFields.get(x);
        if (ctxArg?.access.kind !== 'context') throw new Error('ctx field without a context slot');
        return emitContextSlot(g, ctxArg.access.index, typeOf(g, x), x.span);
      }
      if (x.base.kind !== 'ident' || x.base.name !== 'args') return emitTupleElement(g, x, (at, t) => loadTupleInt(g, at, t));
      const ctxArg = g.shared.checked.argFields.get(x);
      if (ctxArg?.access.kind === 'context') return emitContextSlot(g, ctxArg.access.index, typeOf(g, x), x.span);
      // Load the value's own width (x86-64 is little-endian: the low bytes come first), then extend.
      const { field } = argField(g, x);
      const t = typeOf(g, x);
      const bytes = t.kind === 'int' ? t.bits / 8 : field.size;
      e.emit(ldx(bytes as 1 | 2 | 4 | 8, R0, R6, field.offset));
      return normalize(g, typeOf(g, x));
    }
    case 'index':
      return emitMemoryInt(g, x);
    case 'offsetof': {
      const v = g.shared.checked.constants.get(x);
      if (v === undefined) throw new Error('offsetof without a value');
      return loadConst(g, R0, v);
    }
    case 'string':
    case 'tuple':
      throw new CodegenError(`${x.kind} expressions cannot be used as an integer here`, x.span);
    default:
      return assertNever(x);
  }
}

/** r0 = 1 when the conditional jump made by `jumpTo` is taken, else 0. */
function boolFromJump(g: Gen, jumpTo: (label: string) => Insn): void {
  const yes = g.e.freshLabel('bool.true');
  const done = g.e.freshLabel('bool.end');
  g.e.emit(jumpTo(yes), mov64Imm(R0, 0), ja(done));
  g.e.place(yes);
  g.e.emit(mov64Imm(R0, 1));
  g.e.place(done);
}

const aluOps: Partial<Record<BinaryExpr['op'], AluOp>> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '&': 'and',
  '|': 'or',
  '^': 'xor',
  '<<': 'lsh',
};

function emitBinary(g: Gen, x: BinaryExpr): void {
  if (x.op === '&&' || x.op === '||') return emitLogical(g, x);
  if (!isArithmetic(g, x)) return emitStringCompare(g, x);
  // A left-nested chain (a + b - c + …) is walked in a loop, innermost first, so its length costs no JS stack.
  const chain: BinaryExpr[] = [x];
  for (let l = x.left; l.kind === 'binary' && isArithmetic(g, l); l = l.left) chain.push(l);
  const first = chain[chain.length - 1]!;
  emitInt(g, first.left);
  for (let i = chain.length - 1; i >= 0; i--) {
    const b = chain[i]!;
    g.e.at(b.span, () => {
      const [leftType, rightType] = operandTypes(g, b);
      scoped(g, () => {
        normalize(g, leftType);
        emitRight(g, b.right, b.opSpan, rightType);
      });
      emitOperator(g, b.op, b.opSpan, leftType);
      if (!comparisons.has(b.op)) normalize(g, typeOf(g, b));
    });
  }
}

/** An integer operator (not && or ||, not a comparison of strings). */
function isArithmetic(g: Gen, x: BinaryExpr): boolean {
  return x.op !== '&&' && x.op !== '||' && !(typeOf(g, x.left).kind === 'string' && typeOf(g, x.right).kind === 'string');
}

/** What the checker converts the operands to first: their common type (shifts: each only promoted), as in C. */
export function operandTypes(g: Gen, x: Expr): readonly [Type, Type] {
  const types = g.shared.checked.operandTypes.get(x);
  if (!types) throw new Error(`no operand types recorded for ${x.kind} expression`);
  return types;
}

const comparisons = new Set<BinaryOp>(['==', '!=', '<', '<=', '>', '>=']);

/**
 * r0 = left <op> right, operands converted to the given types; signedness picks the operation.
 * The result is left 64 bits wide: callers narrow it to the result type.
 */
export function emitBinaryOp(g: Gen, op: BinaryOp, left: Expr, right: Expr, opSpan: Span, leftType: Type, rightType: Type): void {
  scoped(g, () => {
    emitInt(g, left);
    normalize(g, leftType);
    emitRight(g, right, opSpan, rightType);
  });
  emitOperator(g, op, opSpan, leftType);
}

/** With the left operand in r0: r1 = left, r0 = right (or an immediate when the right side is a small constant). */
function emitRight(g: Gen, right: Expr, opSpan: Span, rightType: Type): void {
  const e = g.e;
  const rightConst = right.kind === 'int' && fitsImm32(right.value) ? Number(right.value) : undefined;
  if (rightConst !== undefined) {
    e.emit(mov64Reg(R1, R0));
    loadConst(g, R0, BigInt.asIntN(64, BigInt(rightConst)));
    normalize(g, rightType);
  } else {
    const slot = allocOrFail(g, 8, opSpan);
    e.emit(stxSlot(8, slot, R0));
    emitInt(g, right);
    normalize(g, rightType);
    e.emit(ldSlot(8, R1, slot));
  }
}

/** r0 = r1 <op> r0; signedness (of the left operand's type) picks the operation. */
function emitOperator(g: Gen, op: BinaryOp, opSpan: Span, leftType: Type): void {
  const e = g.e;
  const signed = isSigned(leftType);
  e.at(opSpan, () => {
    const alu = aluOps[op];
    if (alu) return e.emit(alu64Reg(alu, R1, R0), mov64Reg(R0, R1));
    switch (op) {
      case '>>':
        return e.emit(alu64Reg(signed ? 'arsh' : 'rsh', R1, R0), mov64Reg(R0, R1));
      case '/':
      case '%': {
        // x / 0 and x % 0 are 0, as in bpftrace (BPF itself would leave x for %)
        const byZero = e.freshLabel('div.zero');
        const done = e.freshLabel('div.end');
        e.emit(jmpImm('jeq', R0, 0, byZero));
        if (signed) emitSignedDivMod(g, op);
        else e.emit(alu64Reg(op === '/' ? 'div' : 'mod', R1, R0), mov64Reg(R0, R1));
        e.emit(ja(done));
        e.place(byZero);
        e.emit(mov64Imm(R0, 0));
        e.place(done);
        return;
      }
      case '==':
        return compare(g, 'jeq');
      case '!=':
        return compare(g, 'jne');
      case '<':
        return compare(g, signed ? 'jslt' : 'jlt');
      case '<=':
        return compare(g, signed ? 'jsle' : 'jle');
      case '>':
        return compare(g, signed ? 'jsgt' : 'jgt');
      case '>=':
        return compare(g, signed ? 'jsge' : 'jge');
      default:
        throw new Error(`unhandled operator ${op}`);
    }
  });
}

/**
 * String comparison. Strings sit NUL-padded in their slots, so comparing 8-byte words over the longer
 * size is exact; byte-swapped to big-endian, unsigned word order is lexicographic byte order.
 */
function emitStringCompare(g: Gen, x: BinaryExpr): void {
  const e = g.e;
  const lt = typeOf(g, x.left);
  const rt = typeOf(g, x.right);
  const size = Math.ceil(Math.max(sizeOfString(lt), sizeOfString(rt)) / 8) * 8;
  const diff = e.freshLabel('strcmp.diff');
  const done = e.freshLabel('strcmp.end');
  scoped(g, () => {
    const a = allocValue(g, size);
    const b = allocValue(g, size);
    emitInto(g, x.left, a, size);
    emitInto(g, x.right, b, size);
    e.at(x.opSpan, () => {
      for (let i = 0; i < size; i += 8) e.emit(ldSlot(8, R1, a + i), ldSlot(8, R2, b + i), jmpReg('jne', R1, R2, diff));
      const equalResult = x.op === '==' || x.op === '<=' || x.op === '>=';
      e.emit(mov64Imm(R0, equalResult ? 1 : 0), ja(done));
      e.place(diff);
      if (x.op === '==' || x.op === '!=') e.emit(mov64Imm(R0, x.op === '!=' ? 1 : 0));
      else {
        const op: JmpOp = x.op === '<' ? 'jlt' : x.op === '<=' ? 'jle' : x.op === '>' ? 'jgt' : 'jge';
        e.emit(endian(R1, 'be', 64), endian(R2, 'be', 64));
        boolFromJump(g, (yes) => jmpReg(op, R1, R2, yes));
      }
      e.place(done);
    });
  });
}

/** r0 = (r1 <op> r0) ? 1 : 0 */
function compare(g: Gen, op: JmpOp): void {
  boolFromJump(g, (yes) => jmpReg(op, R1, R0, yes));
}

/**
 * r0 = r1 / r0 or r1 % r0 with C's truncating signed semantics, using only unsigned division
 * (signed division needs cpu v4, newer than some kernels we run on). Division by zero gives 0, as BPF does.
 */
function emitSignedDivMod(g: Gen, op: '/' | '%'): void {
  const e = g.e;
  const lPos = e.freshLabel('sdiv.lpos');
  const rPos = e.freshLabel('sdiv.rpos');
  const done = e.freshLabel('sdiv.end');
  // r2 = sign of the result: for '/', negative if exactly one operand is; for '%', the dividend's sign.
  e.emit(mov64Imm(R2, 0), jmpImm('jsge', R1, 0, lPos), neg64(R1), mov64Imm(R2, 1));
  e.place(lPos);
  e.emit(jmpImm('jsge', R0, 0, rPos), neg64(R0));
  if (op === '/') e.emit(alu64Imm('xor', R2, 1));
  e.place(rPos);
  e.emit(alu64Reg(op === '/' ? 'div' : 'mod', R1, R0), mov64Reg(R0, R1), jmpImm('jeq', R2, 0, done), neg64(R0));
  e.place(done);
}

function emitLogical(g: Gen, x: BinaryExpr): void {
  const e = g.e;
  const short = e.freshLabel(x.op === '&&' ? 'and.false' : 'or.true');
  const done = e.freshLabel('logic.end');
  const shortOp: JmpOp = x.op === '&&' ? 'jeq' : 'jne';
  // a || b || c tests each operand in turn (a loop: a chain of 1,000 costs no JS stack), as (a || b) || c would
  const operands: Expr[] = [x.right];
  let l = x.left;
  for (; l.kind === 'binary' && l.op === x.op; l = l.left) operands.push(l.right);
  operands.push(l);
  for (let i = operands.length - 1; i >= 0; i--) {
    emitInt(g, operands[i]!);
    e.emit(jmpImm(shortOp, R0, 0, short));
  }
  e.emit(mov64Imm(R0, x.op === '&&' ? 1 : 0), ja(done));
  e.place(short);
  e.emit(mov64Imm(R0, x.op === '&&' ? 0 : 1));
  e.place(done);
}

/**
 * Writes the value of `x` into the stack at r10+off, occupying exactly `size` bytes (strings are padded
 * with NULs or cut to fit). Integers are written as 8 bytes.
 */
export function emitInto(g: Gen, x: Expr, off: number, size: number, target?: Type): void {
  const t = typeOf(g, x);
  g.e.at(x.span, () => {
    if (t.kind === 'int' || t.kind === 'bool') {
      emitInt(g, x);
      g.e.emit(stxSlot(8, off, R0));
      return;
    }
    if (t.kind === 'tuple') return emitTupleInto(g, x, t, off, size, target?.kind === 'tuple' ? target : t);
    if ((t.kind === 'string' || t.kind === 'record') && g.shared.checked.memory.has(x)) {
      zeroStack(g, off, size);
      return emitMemoryInto(g, x, off, Math.min(size, t.size));
    }
    if (t.kind === 'record') {
      zeroStack(g, off, size);
      if (x.kind === 'var') return copyStack(g, variableSlot(g, x.name), off, size);
      if (x.kind === 'map') return emitMapReadInto(g, x, off, size);
      throw new CodegenError('this struct value is not supported here yet', x.span);
    }
    if (t.kind !== 'string' && t.kind !== 'buffer') throw new CodegenError(`values of type ${t.kind} are not supported here yet`, x.span);
    zeroStack(g, off, size);
    if (t.kind === 'buffer') return emitBufferInto(g, x, t, off, size);
    switch (x.kind) {
      case 'string':
        return storeBytes(g, Buffer.from(x.value, 'utf8').subarray(0, size - 1), off);
      case 'positional': {
        const text = g.shared.checked.positionals.get(x);
        if (typeof text !== 'string') throw new Error('string positional parameter without its text');
        return storeBytes(g, Buffer.from(text, 'utf8').subarray(0, size - 1), off);
      }
      case 'ident': {
        const into = builtin(x)?.variable?.into;
        if (into) return into(g, x, off, size);
        break;
      }
      case 'var': {
        const v = g.vars.get(x.name);
        if (!v) throw new Error(`variable ${x.name} has no slot`);
        return copyStack(g, v.offset, off, Math.min(size, t.size));
      }
      case 'map':
        return emitMapReadInto(g, x, off, size);
      case 'call': {
        const into = builtin(x)?.call?.into;
        if (into) return into(g, x, off, size);
        break;
      }
      case 'field': {
        if (x.base.kind !== 'ident' || x.base.name !== 'args') return emitTupleElement(g, x, (at) => copyStack(g, at, off, size));
        const { field, access } = argField(g, x);
        if (access.kind === 'array') {
          g.e.emit(mov64Reg(R3, R6), alu64Imm('add', R3, field.offset));
          return probeRead(g, helper.probe_read_kernel, off, Math.min(size, field.size));
        }
        // __data_loc: the low 16 bits of the u32 are the string's offset within the record
        g.e.emit(ldx(4, R0, R6, field.offset), alu64Imm('and', R0, 0xffff));
        return readString(g, 'record', off, size);
      }
      case 'ternary':
        return emitTernaryInto(g, x, off, size);
    }
    throw new CodegenError(`this string expression is not supported yet`, x.span);
  });
}

/**
 * r0 = the index-th u64 of a tracing program's context (fentry/fexit/iter/tp_btf arguments). The verifier
 * types pointers there (and forbids arithmetic on them until null-checked), so pointers are copied out with
 * probe_read_kernel and become plain numbers, read through like any other kernel pointer.
 */
function emitContextSlot(g: Gen, index: number, t: Type, span: Span): void {
  const e = g.e;
  if (t.kind !== 'int' || !t.space) {
    e.emit(ldx(8, R0, R6, 8 * index));
    return normalize(g, t);
  }
  scoped(g, () => {
    const tmp = allocOrFail(g, 8, span);
    e.emit(stSlot(8, tmp, 0), mov64Reg(R3, R6), alu64Imm('add', R3, 8 * index), ...addrOf(R1, tmp), mov64Imm(R2, 8), call(helper.probe_read_kernel));
    e.emit(ldSlot(8, R0, tmp));
  });
}

/**
 * r0 = the address of a value in kernel (or user) memory: `p->f` is p + offset, `s.f` the address of s plus
 * offset, `*p` is p, `p[i]` is p + i × size.
 */
function emitAddress(g: Gen, x: Expr): void {
  const acc = g.shared.checked.memory.get(x);
  if (!acc) throw new CodegenError('this struct value is not in memory, so its fields cannot be reached', x.span, ['read fields straight from a pointer: p->a.b']);
  const e = g.e;
  const base = (b: Expr) => (acc.via === 'pointer' ? emitInt(g, b) : emitAddress(g, b));
  switch (x.kind) {
    case 'field':
      base(x.base);
      if (acc.offset) e.emit(alu64Imm('add', R0, acc.offset));
      return;
    case 'unary':
      return emitInt(g, x.operand);
    case 'index':
      return scoped(g, () => {
        const at = allocOrFail(g, 8, x.span);
        base(x.base);
        e.emit(stxSlot(8, at, R0));
        emitInt(g, x.index);
        e.emit(alu64Imm('mul', R0, acc.stride ?? 1), ldSlot(8, R1, at), alu64Reg('add', R0, R1));
      });
    default:
      throw new CodegenError('this value has no address in memory', x.span);
  }
}

/** An integer read from memory through a typed pointer (bitfields shifted and masked), into r0. */
function emitMemoryInt(g: Gen, x: Expr): void {
  const acc = g.shared.checked.memory.get(x);
  const t = typeOf(g, x);
  if (!acc || (t.kind !== 'int' && t.kind !== 'bool')) throw new CodegenError(`this ${x.kind === 'unary' ? 'dereference' : 'value'} cannot be used as an integer`, x.span);
  const e = g.e;
  const bytes = t.kind === 'int' ? t.bits / 8 : 1;
  const read = readHelper(acc.space);
  scoped(g, () => {
    const tmp = allocOrFail(g, 8, x.span);
    emitAddress(g, x);
    e.emit(stSlot(8, tmp, 0), mov64Reg(R3, R0), ...addrOf(R1, tmp), mov64Imm(R2, acc.bitSize ? 8 : bytes), call(read.fn));
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
function emitMemoryInto(g: Gen, x: Expr, off: number, size: number): void {
  const acc = g.shared.checked.memory.get(x)!;
  const read = readHelper(acc.space);
  emitAddress(g, x);
  g.e.emit(mov64Reg(R3, R0), ...addrOf(R1, off), mov64Imm(R2, size), call(read.fn));
  checkHelper(g, read.name, 'read');
}

/** c ? a : b for values written to memory (strings, buffers): each branch writes the same slot. */
function emitTernaryInto(g: Gen, x: Extract<Expr, { kind: 'ternary' }>, off: number, size: number): void {
  const otherwise = g.e.freshLabel('ternary.else');
  const done = g.e.freshLabel('ternary.end');
  emitInt(g, x.cond);
  g.e.emit(jmpImm('jeq', R0, 0, otherwise));
  emitInto(g, x.then, off, size);
  g.e.emit(ja(done));
  g.e.place(otherwise);
  emitInto(g, x.else, off, size);
  g.e.place(done);
}

/** Buffers ([u64 length][bytes]): built by a call, or copied whole from where one already is. */
function emitBufferInto(g: Gen, x: Expr, t: Extract<Type, { kind: 'buffer' }>, off: number, size: number): void {
  switch (x.kind) {
    case 'call': {
      const into = builtin(x)?.call?.into;
      if (into) return into(g, x, off, size);
      break;
    }
    case 'var': {
      const v = g.vars.get(x.name);
      if (!v) throw new Error(`variable ${x.name} has no slot`);
      return copyStack(g, v.offset, off, Math.min(size, slotSize(v.type)));
    }
    case 'map':
      return emitMapReadInto(g, x, off, size);
    case 'ternary':
      return emitTernaryInto(g, x, off, size);
    case 'field': {
      // __u8 name[N] in a tracepoint record: its bytes, whole
      if (x.base.kind !== 'ident' || x.base.name !== 'args') break;
      const { field } = argField(g, x);
      g.e.emit(mov64Reg(R3, R6), alu64Imm('add', R3, field.offset));
      probeRead(g, helper.probe_read_kernel, off + 8, Math.min(t.size, field.size));
      g.e.emit(stSlot(8, off, Math.min(t.size, field.size)));
      return;
    }
  }
  throw new CodegenError('this buffer expression is not supported yet', x.span);
}

/** Tuples: each element in its own 8-aligned slot (layout.ts), so an element is a fixed offset away. */
function emitTupleInto(g: Gen, x: Expr, t: TupleType, off: number, size: number, target: TupleType): void {
  const layout = packedLayout(target.elements);
  if (x.kind === 'tuple') {
    x.elements.forEach((el, i) => emitInto(g, el, off + layout.offsets[i]!, slotSize(target.elements[i]!), target.elements[i]));
    return;
  }
  if (x.kind === 'var') return copyTuple(g, variableSlot(g, x.name), t, off, target);
  if (x.kind === 'map') return emitMapReadInto(g, x, off, size);
  throw new CodegenError('this tuple expression is not supported yet', x.span);
}

/** Copies a tuple between layouts (its strings may have grown), element by element, zero-padding each. */
function copyTuple(g: Gen, from: number, fromType: TupleType, to: number, toType: TupleType): void {
  const src = packedLayout(fromType.elements);
  const dst = packedLayout(toType.elements);
  if (src.size === dst.size && src.offsets.every((o, i) => o === dst.offsets[i])) return copyStack(g, from, to, dst.size);
  fromType.elements.forEach((el, i) => {
    const n = slotSize(el);
    const room = slotSize(toType.elements[i]!);
    zeroStack(g, to + dst.offsets[i]!, room);
    copyStack(g, from + src.offsets[i]!, to + dst.offsets[i]!, Math.min(n, room));
  });
}

type TupleType = Extract<Type, { kind: 'tuple' }>;

/** t.N: puts the tuple somewhere addressable, then hands the element's stack offset to `use`. */
function emitTupleElement(g: Gen, x: FieldExpr, use: (at: number, t: Type) => void): void {
  const bt = typeOf(g, x.base);
  if (bt.kind !== 'tuple') throw new Error('tuple access on a non-tuple');
  const i = Number(x.name);
  const elOff = packedLayout(bt.elements).offsets[i]!;
  const elType = bt.elements[i]!;
  const slot = tupleSlot(g, x.base);
  if (slot !== undefined) return use(slot + elOff, elType);
  scoped(g, () => {
    const size = slotSize(bt);
    const tmp = allocValue(g, size);
    emitInto(g, x.base, tmp, size);
    use(tmp + elOff, elType);
  });
}

/** Where a variable, or a tuple element inside one ($kv.0.1), already sits; undefined for computed values. */
function tupleSlot(g: Gen, x: Expr): number | undefined {
  if (x.kind === 'var') return variableSlot(g, x.name);
  if (x.kind !== 'field' || (x.base.kind === 'ident' && x.base.name === 'args')) return undefined;
  const bt = typeOf(g, x.base);
  const base = bt.kind === 'tuple' ? tupleSlot(g, x.base) : undefined;
  if (base === undefined || bt.kind !== 'tuple') return undefined;
  return base + packedLayout(bt.elements).offsets[Number(x.name)]!;
}

function loadTupleInt(g: Gen, at: number, t: Type): void {
  g.e.emit(ldSlot(8, R0, at));
  normalize(g, t);
}

function variableSlot(g: Gen, name: string): number {
  const v = g.vars.get(name);
  if (!v) throw new Error(`variable ${name} has no slot`);
  return v.offset;
}

/** The tracepoint field an `args->f` expression reads, in this program's tracepoint. */
function argField(g: Gen, x: Expr): { field: TracepointField; access: ArgField['access'] } {
  const info = x.kind === 'field' ? g.shared.checked.argFields.get(x) : undefined;
  const format = probeContext(g.attach).tracepoint?.format;
  const field = format?.fields.find((f) => f.name === info?.field);
  if (!info || !field) throw new Error('args field without a resolved tracepoint field');
  return { field, access: info.access };
}

/** The code row of the builtin a name or call stands for (undefined for a name that is not one, e.g. `args`). */
function builtin(x: IdentExpr | CallExpr): BuiltinEmit | undefined {
  return BUILTIN_EMIT.get(x.name);
}

/** The emitters the parts below reach through the context (context.ts Lowering). */
export const expressionEmitters: Pick<Lowering, 'int' | 'into'> = { int: emitInt, into: emitInto };
