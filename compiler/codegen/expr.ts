// Expressions. Integers are computed into r0 (an accumulator: helper calls return there and clobber r1-r5,
// so a left operand waits in a stack slot while the right one is computed). Strings and other values
// wider than a register are written straight into stack memory.
import {
  R0,
  R1,
  R2,
  R3,
  R6,
  alu64Imm,
  alu64Reg,
  call,
  endian,
  ja,
  jmpImm,
  jmpReg,
  ldImm64,
  ldMapValue,
  ldx,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  neg64,
  type AluOp,
  type Insn,
  type JmpOp,
  type Reg,
} from '../asm/index.ts';
import { assertNever, type BinaryExpr, type BinaryOp, type CallExpr, type Expr, type FieldExpr } from '../../lang/ast.ts';
import type { Span } from '../../lang/source.ts';
import { positionalValue } from '../../lang/check/index.ts';
import { GLOBALS_CPID, GLOBALS_MAP, GLOBALS_NCPUS, GLOBALS_START_NS } from '../program.ts';
import { PT_REGS_OFFSETS } from '../../lang/check/data-functions.ts';
import { emitBufferCall, emitConstant, emitStack, readHelper, readStrHelper } from './data.ts';
import { checkHelper } from './helper-errors.ts';
import { packedLayout, slotSize } from '../layout.ts';
import type { FieldAccess } from '../../lang/check/tracepoint-args.ts';
import type { TracepointField, UsdtArgument } from '../../lang/kernel.ts';
import { MAX_STACK_FRAMES, commonType, promote, type Type } from '../../lang/types.ts';
import { CodegenError, allocOrFail, scoped, typeOf, type Gen } from './context.ts';
import { addrOf, allocValue, ldSlot, stSlot, stxSlot } from './context.ts';
import { BPF_FUNC as helper } from '../asm/index.ts';
import { emitIncDec, emitMapRead, emitMapReadInto } from './maps.ts';
import { emitMapFunctionValue } from './map-functions.ts';

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

export function fitsImm32(v: bigint): boolean {
  return v >= I32_MIN && v <= I32_MAX;
}

/** Loads a 64-bit constant into a register, with the short form when it fits. */
export function loadConst(g: Gen, reg: Reg, v: bigint): void {
  const s = BigInt.asIntN(64, v);
  if (fitsImm32(s)) g.e.emit(mov64Imm(reg, Number(s)));
  else g.e.emit(ldImm64(reg, BigInt.asUintN(64, v)));
}

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
    case 'ident':
      emitBuiltin(g, x.name, x.span);
      // fexit's retval has its function's C type (an int returns -17, not 4294967279)
      if (x.name === 'retval') normalize(g, typeOf(g, x));
      return;
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
    case 'call':
      if (x.name === 'bswap') {
        emitInt(g, x.args[0]!);
        const t = typeOf(g, x);
        return e.emit(endian(R0, 'be', t.kind === 'int' ? (Math.max(16, t.bits) as 16 | 32 | 64) : 64)); // x86-64 is little-endian
      }
      if (x.name === 'strncmp') return emitStrncmp(g, x);
      if (x.name === 'strlen') return emitStrlen(g, x.args[0]!);
      if (x.name === 'strerror') return emitInt(g, x.args[0]!); // the number travels; user space prints its message
      if (x.name === 'strcontains') return emitStrcontains(g, x.args[0]!, x.args[1]!);
      if (emitConstant(g, x)) return; // kaddr(), cgroupid()
      switch (x.name) {
        case 'kstack':
        case 'ustack': {
          const t = typeOf(g, x);
          if (t.kind !== 'int' || t.view?.kind !== 'stack') throw new Error('stack call without a stack type');
          return emitStack(g, t.view, x.span);
        }
        case 'ksym':
        case 'cgroup_path':
        case 'kptr':
        case 'uptr':
          return emitInt(g, x.args[0]!); // the number travels; user space resolves it
        case 'strftime':
          return emitInt(g, x.args[1]!);
        case 'reg': {
          const name = x.args[0]?.kind === 'string' ? x.args[0].value : '';
          return e.emit(ldx(8, R0, R6, PT_REGS_OFFSETS[name]!));
        }
      }
      if (emitMapFunctionValue(g, x)) return;
      throw new CodegenError(`${x.name}() has no integer value`, x.span);
    case 'sizeof': {
      const v = g.shared.checked.constants.get(x);
      if (v === undefined) throw new Error('sizeof without a size');
      return loadConst(g, R0, v);
    }
    case 'cast':
      emitInt(g, x.expr);
      return normalize(g, typeOf(g, x));
    case 'positional': {
      const v = x.count ? BigInt(g.shared.checked.params.length) : positionalValue(g.shared.checked.params, x.index);
      if (typeof v !== 'bigint') throw new CodegenError(`$${x.index} is a string here, not an integer`, x.span);
      return loadConst(g, R0, v);
    }
    case 'field': {
      if (g.shared.checked.memory.has(x)) return emitMemoryInt(g, x);
      if (x.base.kind === 'ident' && x.base.name === 'ctx' && g.attach.provider === 'iter') {
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

export function emitBuiltin(g: Gen, name: string, span: Expr['span']): void {
  const e = g.e;
  switch (name) {
    case 'pid':
      return e.emit(call(helper.get_current_pid_tgid), alu64Imm('rsh', R0, 32));
    case 'tid':
      return e.emit(call(helper.get_current_pid_tgid), mov32Reg(R0, R0));
    case 'uid':
      return e.emit(call(helper.get_current_uid_gid), mov32Reg(R0, R0));
    case 'gid':
      return e.emit(call(helper.get_current_uid_gid), alu64Imm('rsh', R0, 32));
    case 'nsecs':
      return e.emit(call(helper.ktime_get_ns));
    case 'cpu':
      return e.emit(call(helper.get_smp_processor_id));
    case 'numaid':
      return e.emit(call(helper.get_numa_node_id));
    case 'rand':
      return e.emit(call(helper.get_prandom_u32));
    case 'cgroup':
      return e.emit(call(helper.get_current_cgroup_id));
    case 'jiffies':
      return e.emit(call(helper.jiffies64));
    case 'elapsed':
      g.shared.usesGlobals = true;
      return e.emit(call(helper.ktime_get_ns), ldMapValue(R1, GLOBALS_MAP, 0), ldx(8, R1, R1, GLOBALS_START_NS), alu64Reg('sub', R0, R1));
    case 'ncpus':
    case 'cpid':
      g.shared.usesGlobals = true;
      return e.emit(ldMapValue(R1, GLOBALS_MAP, 0), ldx(8, R0, R1, name === 'cpid' ? GLOBALS_CPID : GLOBALS_NCPUS));
    case 'kstack':
    case 'ustack':
      return emitStack(g, { kind: 'stack', space: name === 'kstack' ? 'kernel' : 'user', mode: 'bpftrace', limit: MAX_STACK_FRAMES }, span);
    case 'username':
      return e.emit(call(helper.get_current_uid_gid), mov32Reg(R0, R0));
    case 'curtask':
      return e.emit(call(helper.get_current_task));
    case 'func':
      return e.emit(ldx(8, R0, R6, PT_REGS_OFFSETS.ip!));
    case 'retval':
      // fexit: the return value follows the arguments in the context
      if (g.attach.provider === 'fexit') return e.emit(ldx(8, R0, R6, 8 * g.attach.params.length));
      return e.emit(ldx(8, R0, R6, PT_REGS.ax));
    default: {
      const arg = /^arg([0-5])$/.exec(name);
      if (arg && g.attach.provider === 'usdt') return emitUsdtArg(g, g.attach.site.args?.[Number(arg[1])], span);
      // raw tracepoints get an array of u64 arguments; kprobes and uprobes the saved registers
      if (arg && (g.attach.provider === 'rawtracepoint' || g.attach.provider === 'fentry' || g.attach.provider === 'fexit')) return e.emit(ldx(8, R0, R6, 8 * Number(arg[1])));
      if (arg) return e.emit(ldx(8, R0, R6, PT_REGS.args[Number(arg[1])]!));
      throw new CodegenError(`${name} cannot be used as an integer here`, span);
    }
  }
}

/**
 * A USDT argument as its note describes it: a register of the probe's pt_regs, a constant, or memory at
 * base + offset (+ index × scale) in the traced process, each `size` bytes, signed or not.
 */
function emitUsdtArg(g: Gen, arg: UsdtArgument | undefined, span: Span): void {
  if (!arg) throw new CodegenError('this USDT argument does not exist', span);
  const e = g.e;
  const t: Type = { kind: 'int', bits: (arg.size * 8) as 8 | 16 | 32 | 64, signed: arg.signed };
  const op = arg.operand;
  switch (op.kind) {
    case 'imm':
      loadConst(g, R0, op.value);
      break;
    case 'reg':
      e.emit(ldx(8, R0, R6, op.reg));
      break;
    case 'mem':
      scoped(g, () => {
        const tmp = allocOrFail(g, 8, span);
        if (op.base !== undefined) e.emit(ldx(8, R3, R6, op.base));
        else e.emit(mov64Imm(R3, 0));
        if (op.offset) {
          loadConst(g, R1, op.offset);
          e.emit(alu64Reg('add', R3, R1));
        }
        if (op.index !== undefined) e.emit(ldx(8, R1, R6, op.index), alu64Imm('mul', R1, op.scale ?? 1), alu64Reg('add', R3, R1));
        e.emit(stSlot(8, tmp, 0), ...addrOf(R1, tmp), mov64Imm(R2, arg.size), call(helper.probe_read_user));
        checkHelper(g, 'probe_read_user', 'read');
        e.emit(ldSlot(8, R0, tmp));
      });
      break;
  }
  normalize(g, t);
}

/** x86-64 struct pt_regs offsets: the context of kprobe and uprobe programs. */
const PT_REGS = { ax: PT_REGS_OFFSETS.ax!, args: [112, 104, 96, 88, 72, 64] as const };

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

/** Operands convert to their common type first (shifts: each is only promoted), as in C. */
function operandTypes(g: Gen, x: BinaryExpr): [Type, Type] {
  const lt = typeOf(g, x.left);
  const rt = typeOf(g, x.right);
  const shift = x.op === '<<' || x.op === '>>';
  const common = shift ? promote(lt) : commonType(lt, rt);
  return [common, shift ? promote(rt) : common];
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
 * Keeps the invariant that an integer in a register holds its type's value extended to 64 bits
 * (zero-extended when unsigned, sign-extended when signed): wrap-around and casts happen here.
 */
export function normalize(g: Gen, t: Type): void {
  if (t.kind !== 'int' || t.bits === 64) return;
  if (!t.signed) {
    if (t.bits === 32) g.e.emit(mov32Reg(R0, R0));
    else g.e.emit(alu64Imm('and', R0, t.bits === 16 ? 0xffff : 0xff));
    return;
  }
  g.e.emit(alu64Imm('lsh', R0, 64 - t.bits), alu64Imm('arsh', R0, 64 - t.bits));
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

function sizeOfString(t: Type): number {
  return t.kind === 'string' ? t.size : 8;
}

/** strcontains(h, n): 1 when n occurs in h. Unrolled over every start position and needle byte. */
function emitStrcontains(g: Gen, hay: Expr, needle: Expr): void {
  const hsize = sizeOfString(typeOf(g, hay));
  const nsize = sizeOfString(typeOf(g, needle));
  const found = g.e.freshLabel('strcontains.yes');
  const notFound = g.e.freshLabel('strcontains.no');
  const done = g.e.freshLabel('strcontains.end');
  scoped(g, () => {
    const h = allocValue(g, hsize);
    const n = allocValue(g, nsize);
    emitInto(g, hay, h, Math.ceil(hsize / 8) * 8);
    emitInto(g, needle, n, Math.ceil(nsize / 8) * 8);
    for (let i = 0; i < hsize; i++) {
      const next = g.e.freshLabel('strcontains.next');
      for (let j = 0; j < nsize; j++) {
        g.e.emit(ldSlot(1, R1, n + j), jmpImm('jeq', R1, 0, found)); // the whole needle matched here
        if (i + j >= hsize) {
          g.e.emit(ja(next));
          break;
        }
        g.e.emit(ldSlot(1, R2, h + i + j), jmpReg('jne', R1, R2, next));
      }
      if (i + nsize <= hsize) g.e.emit(ja(found)); // a needle that fills its whole slot matched
      g.e.place(next);
      g.e.emit(ldSlot(1, R2, h + i), jmpImm('jeq', R2, 0, notFound)); // the haystack ended: no later start can match
    }
  });
  g.e.place(notFound);
  g.e.emit(mov64Imm(R0, 0), ja(done));
  g.e.place(found);
  g.e.emit(mov64Imm(R0, 1));
  g.e.place(done);
}

/** strlen(s): bytes before the first NUL, unrolled over the string's fixed size. */
function emitStrlen(g: Gen, arg: Expr): void {
  const size = sizeOfString(typeOf(g, arg));
  const done = g.e.freshLabel('strlen.end');
  scoped(g, () => {
    const slot = allocValue(g, size);
    emitInto(g, arg, slot, Math.ceil(size / 8) * 8);
    for (let i = 0; i < size; i++) g.e.emit(mov64Imm(R0, i), ldSlot(1, R1, slot + i), jmpImm('jeq', R1, 0, done));
    g.e.emit(mov64Imm(R0, size));
  });
  g.e.place(done);
}

/** strncmp(a, b, n): 0 when the first n bytes (up to a NUL) agree, else 1. Unrolled: n is a literal. */
function emitStrncmp(g: Gen, x: CallExpr): void {
  const [a, b, nExpr] = x.args as [Expr, Expr, Expr];
  const n = Number(nExpr.kind === 'int' ? nExpr.value : 0n);
  const size = Math.ceil(Math.max(sizeOfString(typeOf(g, a)), sizeOfString(typeOf(g, b)), 1) / 8) * 8;
  const differ = g.e.freshLabel('strncmp.ne');
  const same = g.e.freshLabel('strncmp.eq');
  const done = g.e.freshLabel('strncmp.end');
  scoped(g, () => {
    const sa = allocValue(g, size);
    const sb = allocValue(g, size);
    emitInto(g, a, sa, size);
    emitInto(g, b, sb, size);
    for (let i = 0; i < Math.min(n, size); i++) {
      g.e.emit(ldSlot(1, R1, sa + i), ldSlot(1, R2, sb + i), jmpReg('jne', R1, R2, differ), jmpImm('jeq', R1, 0, same));
    }
  });
  g.e.place(same);
  g.e.emit(mov64Imm(R0, 0), ja(done));
  g.e.place(differ);
  g.e.emit(mov64Imm(R0, 1));
  g.e.place(done);
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

/** Zeroes `size` bytes (a multiple of 8 is assumed by rounding up) at r10+off. */
export function zeroStack(g: Gen, off: number, size: number): void {
  for (let i = 0; i < size; i += 8) g.e.emit(stSlot(8, off + i, 0));
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
        const raw = g.shared.checked.params[x.index - 1] ?? ''; // as a string, a missing parameter is empty
        return storeBytes(g, Buffer.from(raw, 'utf8').subarray(0, size - 1), off);
      }
      case 'ident':
        if (x.name === 'probe') return storeBytes(g, Buffer.from(g.attach.text, 'utf8').subarray(0, size - 1), off);
        if (x.name === 'comm') {
          g.e.emit(...addrOf(R1, off), mov64Imm(R2, Math.min(16, size)), call(helper.get_current_comm));
          return;
        }
        break;
      case 'var': {
        const v = g.vars.get(x.name);
        if (!v) throw new Error(`variable ${x.name} has no slot`);
        return copyStack(g, v.offset, off, Math.min(size, t.size));
      }
      case 'map':
        return emitMapReadInto(g, x, off, size);
      case 'call':
        if (x.name === 'path' && x.args[0]) return emitPath(g, x.args[0], off, Math.min(size, t.size));
        if (x.name === 'str' && x.args[0]) {
          const at = typeOf(g, x.args[0]);
          if (at.kind === 'string') return emitInto(g, x.args[0], off, Math.min(size, t.size));
          emitInt(g, x.args[0]);
          return readString(g, at.kind === 'int' ? at.space : undefined, off, Math.min(size, t.size));
        }
        break;
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
 * path(p): bpf_d_path(&struct path, buf, size). The verifier wants the kernel's own typed pointer, so it is
 * loaded straight from the context (not copied out as emitContextSlot does), null-checked, and offset to
 * the struct path member when the argument is `ctx->file->f_path`.
 */
function emitPath(g: Gen, arg: Expr, off: number, size: number): void {
  const e = g.e;
  const slotOf = (x: Expr) => {
    const info = g.shared.checked.argFields.get(x as FieldExpr);
    if (info?.access.kind !== 'context') throw new CodegenError('path() needs a struct path from the probe arguments', arg.span);
    return info.access.index;
  };
  const viaMember = arg.kind === 'field' && arg.base.kind === 'field' && g.shared.checked.memory.get(arg);
  const done = e.freshLabel('path.null');
  e.emit(ldx(8, R1, R6, 8 * slotOf(viaMember ? (arg as FieldExpr).base : arg)), jmpImm('jeq', R1, 0, done));
  if (viaMember && viaMember.offset) e.emit(alu64Imm('add', R1, viaMember.offset));
  e.emit(...addrOf(R2, off), mov64Imm(R3, size), call(helper.d_path));
  checkHelper(g, 'd_path', 'other');
  e.place(done);
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
    case 'call':
      if (emitBufferCall(g, x, t, off)) return;
      break;
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
function argField(g: Gen, x: Expr): { field: TracepointField; access: FieldAccess } {
  const info = x.kind === 'field' ? g.shared.checked.argFields.get(x) : undefined;
  const format = g.attach.provider === 'tracepoint' ? g.attach.format : undefined;
  const field = format?.fields.find((f) => f.name === info?.field);
  if (!info || !field) throw new Error('args field without a resolved tracepoint field');
  return { field, access: info.access };
}

/**
 * Copies a NUL-terminated string to r10+off (at most size bytes, NUL included). The address is in r0;
 * 'record' means r0 is an offset into the tracepoint record (r6). Unknown address spaces use the
 * legacy helper, which reads either on x86-64.
 */
function readString(g: Gen, space: 'user' | 'kernel' | 'record' | undefined, off: number, size: number): void {
  g.e.emit(mov64Reg(R3, R0));
  if (space === 'record') g.e.emit(alu64Reg('add', R3, R6));
  const read = readStrHelper(space === 'record' ? 'kernel' : space);
  probeRead(g, read.fn, off, size);
  checkHelper(g, read.name, 'read');
}

/** helper(r10+off, size, r3): the probe_read family's argument order. */
function probeRead(g: Gen, fn: number, off: number, size: number): void {
  g.e.emit(...addrOf(R1, off), mov64Imm(R2, size), call(fn));
}

/** Stores literal bytes at r10+off, 8 at a time (the slot was zeroed, so a short tail is NUL-padded). */
export function storeBytes(g: Gen, bytes: Uint8Array, off: number): void {
  for (let i = 0; i < bytes.length; i += 8) {
    let word = 0n;
    for (let j = 0; j < 8 && i + j < bytes.length; j++) word |= BigInt(bytes[i + j]!) << BigInt(8 * j);
    if (word === 0n) continue;
    loadConst(g, R1, word);
    g.e.emit(stxSlot(8, off + i, R1));
  }
}

/** Copies `size` bytes between stack slots, 8 at a time (slots are 8-byte multiples). */
export function copyStack(g: Gen, from: number, to: number, size: number): void {
  for (let i = 0; i < size; i += 8) g.e.emit(ldSlot(8, R1, from + i), stxSlot(8, to + i, R1));
}
