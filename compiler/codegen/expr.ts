// Expressions: a dispatcher over the kinds of value. Integers are computed into r0; strings and other values
// wider than a register are written straight into stack memory. Operators are in operators.ts, probe
// arguments and memory reads in fields.ts, tuples in tuples.ts, maps in maps.ts, builtins in builtins/.
import { R0, alu64Imm, ja, jmpImm, mov64Imm, neg64 } from '../asm/index.ts';
import type { BinaryExpr, CallExpr, Expr, IdentExpr, Span, Type } from '../../lang/index.ts';
import { slotSize } from '../layout.ts';
import { BUILTIN_EMIT, type BuiltinEmit } from './builtins/index.ts';
import {
  CodegenError,
  addrOf,
  allocValue,
  assertNever,
  emitBlock,
  ldSlot,
  scoped,
  stxSlot,
  typeOf,
  type Gen,
  type Lowering,
} from './context.ts';
import {
  emitArgumentArrayInto,
  emitArgumentInt,
  emitArgumentStringInto,
  emitMemoryInt,
  emitMemoryInto,
  isProbeArgument,
} from './fields.ts';
import { emitIncDec, emitMapRead, emitMapReadInto } from './maps.ts';
import { boolFromJump, chainOperands, emitBinary, emitComparisonJump } from './operators.ts';
import { emitTupleElement, emitTupleInto, loadTupleInt, variableSlot } from './tuples.ts';
import { copyStack, copyValue, loadConst, normalize, storeBytes, zeroStack, zeroValue } from './values.ts';
import { textBytes } from '../../lang/index.ts';

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
      if (x.op === '&') return emitVariableAddress(g, x.operand);
      emitInt(g, x.operand);
      switch (x.op) {
        case '-': // at the operand's width, widened by its sign (the checker's type is then 64 bits)
          e.emit(neg64(R0));
          return normalize(g, typeOf(g, x.operand));
        case '~':
          e.emit(alu64Imm('xor', R0, -1));
          return normalize(g, typeOf(g, x.operand));
        case '!':
          return boolFromJump(g, (yes) => jmpImm('jeq', R0, 0, yes));
        default:
          throw new CodegenError(`operator ${x.op} is not supported yet`, x.span);
      }
    case 'ternary': {
      const otherwise = e.freshLabel('ternary.else');
      const done = e.freshLabel('ternary.end');
      emitUnless(g, x.cond, otherwise);
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
    case 'cast': {
      const from = typeOf(g, x.expr);
      if (typeOf(g, x).kind === 'bool') return emitBoolCast(g, x.expr, from);
      if (from.kind !== 'int' && from.kind !== 'bool') return emitReinterpret(g, x.expr, from, typeOf(g, x), x.span);
      emitInt(g, x.expr);
      return normalize(g, typeOf(g, x));
    }
    case 'positional': {
      const v = g.shared.checked.positionals.get(x);
      if (v === undefined) throw new Error('positional parameter without a value');
      if (typeof v !== 'bigint') throw new CodegenError(`$${x.index} is a string here, not an integer`, x.span);
      return loadConst(g, R0, v);
    }
    case 'field':
      if (g.shared.checked.memory.has(x)) return emitMemoryInt(g, x);
      if (isProbeArgument(g, x)) return emitArgumentInt(g, x);
      return emitTupleElement(g, x, (at, t) => loadTupleInt(g, at, t));
    case 'index':
      if (typeOf(g, x.base).kind === 'tuple') return emitTupleElement(g, x, (at, t) => loadTupleInt(g, at, t));
      return emitMemoryInt(g, x);
    case 'offsetof': {
      const v = g.shared.checked.constants.get(x);
      if (v === undefined) throw new Error('offsetof without a value');
      return loadConst(g, R0, v);
    }
    case 'block-expr':
      emitBlock(g, { kind: 'block', statements: x.statements, span: x.span });
      return emitInt(g, x.value);
    case 'string':
    case 'tuple':
      throw new CodegenError(`${x.kind} expressions cannot be used as an integer here`, x.span);
    default:
      return assertNever(x);
  }
}

/**
 * Writes the value of `x` into the stack at r10+off, occupying exactly `size` bytes (strings are padded
 * with NULs or cut to fit). Integers are written as 8 bytes.
 */
export function emitInto(g: Gen, x: Expr, off: number, size: number, target?: Type): void {
  const t = typeOf(g, x);
  if (x.kind === 'block-expr') {
    emitBlock(g, { kind: 'block', statements: x.statements, span: x.span });
    return emitInto(g, x.value, off, size, target);
  }
  g.e.at(x.span, () => {
    if (t.kind === 'int' || t.kind === 'bool') {
      const direct = x.kind === 'ident' ? builtin(x)?.variable?.intInto : undefined;
      if (direct && x.kind === 'ident') return direct(g, x, off);
      const directCall = x.kind === 'call' ? builtin(x)?.call?.intInto : undefined;
      if (directCall && x.kind === 'call') return directCall(g, x, off);
      emitInt(g, x);
      g.e.emit(stxSlot(8, off, R0));
      return;
    }
    if (t.kind === 'tuple' && x.kind === 'ternary') return emitTernaryInto(g, x, off, size, target ?? t);
    if (t.kind === 'tuple') return emitTupleInto(g, x, t, off, size, target?.kind === 'tuple' ? target : t);
    if (t.kind === 'array') return emitArrayInto(g, x, t, off, size);
    if ((t.kind === 'string' || t.kind === 'record') && g.shared.checked.memory.has(x)) {
      zeroValue(g, off, size);
      return emitMemoryInto(g, x, off, Math.min(size, t.size));
    }
    if (t.kind === 'record') {
      if (x.kind === 'var') return copyVariable(g, x.name, off, size);
      zeroValue(g, off, size);
      if (x.kind === 'map') return emitMapReadInto(g, x, off, size);
      throw new CodegenError('this struct value is not supported here yet', x.span);
    }
    if (t.kind !== 'string' && t.kind !== 'buffer')
      throw new CodegenError(`values of type ${t.kind} are not supported here yet`, x.span);
    if (writtenWhole(g, x, off, size)) return;
    if (x.kind === 'var' && t.kind === 'string') return copyVariable(g, x.name, off, size);
    zeroValue(g, off, size);
    if (t.kind === 'buffer') return emitBufferInto(g, x, t, off, size);
    switch (x.kind) {
      case 'string':
        return storeBytes(g, textBytes(x.value).subarray(0, size - 1), off);
      case 'positional': {
        const text = g.shared.checked.positionals.get(x);
        if (typeof text !== 'string') throw new Error('string positional parameter without its text');
        return storeBytes(g, textBytes(text).subarray(0, size - 1), off);
      }
      case 'ident': {
        const into = builtin(x)?.variable?.into;
        if (into) return into(g, x, off, size);
        break;
      }
      case 'map':
        return emitMapReadInto(g, x, off, size);
      case 'call': {
        const into = builtin(x)?.call?.into;
        if (into) return into(g, x, off, size);
        break;
      }
      case 'field':
        if (x.base.kind === 'ident' && x.base.name === 'args') return emitArgumentStringInto(g, x, off, size);
        return emitTupleElement(g, x, (at) => copyStack(g, at, off, size));
      case 'ternary':
        return emitTernaryInto(g, x, off, size);
      case 'index':
        if (typeOf(g, x.base).kind === 'tuple') return emitTupleElement(g, x, (at) => copyStack(g, at, off, size));
        break;
    }
    throw new CodegenError(`this string expression is not supported yet`, x.span);
  });
}

/**
 * A string or struct variable into a slot: its own slot is zero-padded to its end (zeroed when the probe starts,
 * and every value written to it writes it whole), so copying the slot needs no zeroing first, only past its end.
 */
function copyVariable(g: Gen, name: string, off: number, size: number): void {
  const v = g.vars.get(name);
  if (!v) throw new Error(`variable ${name} has no slot`);
  const n = Math.min(size, slotSize(v.type));
  copyValue(g, v.offset, off, n);
  zeroStack(g, off + n, size - n);
}

/** A builtin whose value writes every byte of its slot (BuiltinEmit writesAll) writes it: true; else nothing happens. */
function writtenWhole(g: Gen, x: Expr, off: number, size: number): boolean {
  const variable = x.kind === 'ident' ? builtin(x)?.variable : undefined;
  if (x.kind === 'ident' && variable?.into && variable.writesAll) return (variable.into(g, x, off, size), true);
  const fn = x.kind === 'call' ? builtin(x)?.call : undefined;
  if (x.kind === 'call' && fn?.into && fn.writesAll) return (fn.into(g, x, off, size), true);
  return false;
}

/** c ? a : b for values written to memory (strings, buffers): each branch writes the same slot. */
function emitTernaryInto(
  g: Gen,
  x: Extract<Expr, { kind: 'ternary' }>,
  off: number,
  size: number,
  target?: Type,
): void {
  const otherwise = g.e.freshLabel('ternary.else');
  const done = g.e.freshLabel('ternary.end');
  emitUnless(g, x.cond, otherwise);
  emitInto(g, x.then, off, size, target);
  g.e.emit(ja(done));
  g.e.place(otherwise);
  emitInto(g, x.else, off, size, target);
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
    case 'field':
      // a tuple's element: `$t.0`, a map entry's key in `for ($kv : @m)` (a stack as a key: `$kv.0`)
      return emitTupleElement(g, x, (at, et) => copyStack(g, at, off, Math.min(size, slotSize(et))));
    case 'index':
      if (typeOf(g, x.base).kind === 'tuple')
        return emitTupleElement(g, x, (at, et) => copyStack(g, at, off, Math.min(size, slotSize(et))));
      break;
  }
  throw new CodegenError('this buffer expression is not supported yet', x.span);
}

/** `$t[i]` as the element access `$t.i` it means (the checker recorded the constant i). */
/** The code row of the builtin a name or call stands for (undefined for a name that is not one, e.g. `args`). */
function builtin(x: IdentExpr | CallExpr): BuiltinEmit | undefined {
  return BUILTIN_EMIT.get(x.name);
}

/** The emitters the parts below reach through the context (context.ts Lowering). */
export const expressionEmitters: Pick<Lowering, 'int' | 'unless' | 'into'> = {
  int: emitInt,
  unless: emitUnless,
  into: emitInto,
};

/** Jumps to `otherwise` when `cond` is 0 (emitJumpWhen). */
function emitUnless(g: Gen, cond: Expr, otherwise: string): void {
  emitJumpWhen(g, cond, false, otherwise);
}

/**
 * Jumps to `label` when `cond` is `sense` (true: not 0), else goes on. An integer comparison jumps on its
 * operands (operators.ts emitComparisonJump), `&&` and `||` test their operands in turn, `!` turns the sense
 * around, and a map read (`/@start[tid]/`) tested for 0 jumps from its missing-key test too: no 0 or 1 is made
 * only to be tested, which is the code the optimizer's branch threading made of them.
 */
function emitJumpWhen(g: Gen, cond: Expr, sense: boolean, label: string): void {
  g.e.at(cond.span, () => {
    if (cond.kind === 'unary' && cond.op === '!') return emitJumpWhen(g, cond.operand, !sense, label);
    if (cond.kind === 'binary' && (cond.op === '&&' || cond.op === '||')) return emitLogicalJump(g, cond, sense, label);
    if (cond.kind === 'binary' && emitComparisonJump(g, cond, sense, label)) return;
    if (!sense && cond.kind === 'map' && typeOf(g, cond).kind === 'int') emitMapRead(g, cond, label);
    else emitIntInner(g, cond);
    g.e.emit(jmpImm(sense ? 'jne' : 'jeq', R0, 0, label));
  });
}

/**
 * `a && b && …` or `a || b || …` as jumps (operators.ts chainOperands). Where one operand decides the jump (false
 * for `&&` when jumping on false, true for `||` when jumping on true) each operand jumps to `label` itself;
 * otherwise each but the last skips the jump when it decides the other way.
 */
function emitLogicalJump(g: Gen, x: BinaryExpr, sense: boolean, label: string): void {
  const operands = chainOperands(x);
  const decides = (x.op === '&&') !== sense; // one operand's value decides the jump to `label`
  if (decides) {
    for (const o of operands) emitJumpWhen(g, o, sense, label);
    return;
  }
  const skip = g.e.freshLabel(x.op === '&&' ? 'and.false' : 'or.true');
  for (const o of operands.slice(0, -1)) emitJumpWhen(g, o, !sense, skip);
  emitJumpWhen(g, operands[operands.length - 1]!, sense, label);
  g.e.place(skip);
}

/** r0 = the address of a variable's slot on the BPF stack (`&$v`; the checker allows variables only). */
function emitVariableAddress(g: Gen, x: Expr): void {
  const v = x.kind === 'var' ? g.vars.get(x.name) : undefined;
  if (!v) throw new CodegenError('operator & takes the address of a variable only', x.span);
  g.e.emit(...addrOf(R0, v.offset));
}

/** An integer array (from a cast, a variable or a map) into r10+off: the source's bytes, the rest zero. */
function emitArrayInto(g: Gen, x: Expr, t: Extract<Type, { kind: 'array' }>, off: number, size: number): void {
  zeroStack(g, off, size);
  if (x.kind === 'cast') {
    const from = typeOf(g, x.expr);
    if (from.kind === 'string') return emitInto(g, x.expr, off, size);
    emitInt(g, x.expr);
    const bytes = from.kind === 'int' ? from.bits / 8 : 1;
    return g.e.emit(stxSlot(bytes as 1 | 2 | 4 | 8, off, R0));
  }
  if (x.kind === 'var') return copyStack(g, variableSlot(g, x.name), off, Math.min(size, slotSize(t)));
  if (x.kind === 'map') return emitMapReadInto(g, x, off, size);
  if (x.kind === 'field' && isProbeArgument(g, x)) return emitArgumentArrayInto(g, x, off, size);
  const into = x.kind === 'call' ? builtin(x)?.call?.into : undefined; // pton()
  if (into && x.kind === 'call') return into(g, x, off, size);
  throw new CodegenError(`this ${t.elem.kind} array is not supported here yet`, x.span, [
    'store the array in a variable first',
  ]);
}

/**
 * r0 = the bytes of an integer array, buffer or kernel array read as one integer of the cast's type
 * ((uint32)pton("127.0.0.1"), (int32)s.bytes): copied to the stack, then loaded at the integer's width.
 */
/** (bool)x: r0 = 1 when a number is not 0, or a string's first byte is not NUL (it is not empty). */
function emitBoolCast(g: Gen, x: Expr, from: Type): void {
  if (from.kind === 'string')
    scoped(g, () => {
      const size = slotSize(from);
      const at = allocValue(g, size);
      emitInto(g, x, at, size);
      g.e.emit(ldSlot(1, R0, at));
    });
  else emitInt(g, x);
  boolFromJump(g, (yes) => jmpImm('jne', R0, 0, yes));
}

function emitReinterpret(g: Gen, x: Expr, from: Type, to: Type, span: Span): void {
  if (to.kind !== 'int') throw new CodegenError(`cannot cast a ${from.kind} to a ${to.kind}`, span);
  scoped(g, () => {
    const size = slotSize(from);
    const at = allocValue(g, size);
    emitInto(g, x, at, size);
    g.e.emit(ldSlot((to.bits / 8) as 1 | 2 | 4 | 8, R0, at + (from.kind === 'buffer' ? 8 : 0)));
  });
  normalize(g, to);
}
