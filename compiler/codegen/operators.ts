// Operators: arithmetic, shifts, comparisons (of integers and of strings), && and ||. Integers are computed
// into r0 (an accumulator: helper calls return there and clobber r1-r5, so a left operand waits in a stack
// slot while the right one is computed); the checker says what each operand converts to first.
import {
  NEGATED_JMP,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  alu64Imm,
  alu64Reg,
  endian,
  ja,
  jmpImm,
  jmpReg,
  mov64Imm,
  mov64Reg,
  neg64,
  type AluOp,
  BPF_FUNC as helper,
  call,
  jmp32Imm,
  ldx,
  type Insn,
  type Reg,
  type JmpOp,
} from '../asm/index.ts';
import type { BinaryExpr, BinaryOp, Expr, Span, Type } from '../../lang/index.ts';
import {
  addrOf,
  allocOrFail,
  allocValue,
  emitInt,
  emitInto,
  ldSlot,
  scoped,
  stxSlot,
  typeOf,
  type Gen,
} from './context.ts';
import { emitConstant, fitsImm32, loadConst, normalize, pieces, sizeOfString } from './values.ts';
import { slotSize } from '../layout.ts';
import { DIVIDE_BY_ZERO, warnAlways } from './runtime-checks.ts';
import { textBytes } from '../../lang/index.ts';

function isSigned(t: Type): boolean {
  return t.kind === 'int' && t.signed;
}

/** r0 = 1 when the conditional jump made by `jumpTo` is taken, else 0. */
export function boolFromJump(g: Gen, jumpTo: (label: string) => Insn): void {
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

export function emitBinary(g: Gen, x: BinaryExpr): void {
  if (x.op === '&&' || x.op === '||') return emitLogical(g, x);
  if (!isArithmetic(g, x)) return emitStringCompare(g, x);
  if (emitConstant(g, x)) return; // literals the checker folded (a 64-bit value)
  // A left-nested chain (a + b - c + …) is walked in a loop, innermost first, so its length costs no JS stack.
  const folded = g.shared.checked.constants;
  const chain: BinaryExpr[] = [x];
  for (let l = x.left; l.kind === 'binary' && isArithmetic(g, l) && !folded.has(l); l = l.left) chain.push(l);
  const first = chain[chain.length - 1]!;
  emitInt(g, first.left);
  for (let i = chain.length - 1; i >= 0; i--) {
    const b = chain[i]!;
    g.e.at(b.span, () => {
      const [leftType, rightType] = operandTypes(g, b);
      normalize(g, leftType);
      if (!emitByConstant(g, b.op, b.right, b.opSpan, leftType)) {
        scoped(g, () => emitRight(g, b.right, b.opSpan, rightType));
        scalePointerStep(g, b);
        emitOperator(g, b.op, b.opSpan, leftType);
      }
      if (!comparisons.has(b.op)) normalize(g, typeOf(g, b));
    });
  }
}

/** An integer operator (not && or ||, not a comparison of strings). */
function isArithmetic(g: Gen, x: BinaryExpr): boolean {
  const l = typeOf(g, x.left).kind;
  return x.op !== '&&' && x.op !== '||' && (l === 'int' || l === 'bool');
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
export function emitBinaryOp(
  g: Gen,
  op: BinaryOp,
  left: Expr,
  right: Expr,
  opSpan: Span,
  leftType: Type,
  rightType: Type,
): void {
  emitInt(g, left);
  normalize(g, leftType);
  if (emitByConstant(g, op, right, opSpan, leftType)) return;
  scoped(g, () => emitRight(g, right, opSpan, rightType));
  scalePointerStep(g, right);
  emitOperator(g, op, opSpan, leftType);
}

/**
 * r0 = r0 / K or r0 % K for a literal K > 0 (that fits an immediate): no division by zero to check for nor
 * warn about, and the divisor an immediate, which is what the optimizer made of the general form. False for
 * anything else, and for a signed division on a kernel without sdiv (emitSignedDivMod's registers).
 */
function emitByConstant(g: Gen, op: BinaryOp, right: Expr, opSpan: Span, leftType: Type): boolean {
  if ((op !== '/' && op !== '%') || right.kind !== 'int' || right.value <= 0n || !fitsImm32(right.value)) return false;
  const signed = isSigned(leftType);
  if (signed && !g.shared.signedDivision?.()) return false;
  const alu = op === '/' ? (signed ? 'sdiv' : 'div') : signed ? 'smod' : 'mod';
  g.e.at(opSpan, () => g.e.emit(alu64Imm(alu, R0, Number(right.value))));
  return true;
}

/**
 * Pointer arithmetic (the checker recorded a step under `key`): with r1 = left and r0 = right, the integer
 * operand is multiplied by the pointee's size, so `p + n` moves by n elements.
 */
function scalePointerStep(g: Gen, key: Expr): void {
  const step = g.shared.checked.pointerSteps.get(key);
  if (step) g.e.emit(alu64Imm('mul', step.integer === 'right' ? R0 : R1, step.size));
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
      case '>>': // logical whatever the sign, as bpftrace (0.17 and v0.26) shifts: -16 >> 60 is 15
        return e.emit(alu64Reg('rsh', R1, R0), mov64Reg(R0, R1));
      case '/':
      case '%': {
        // x / 0 and x % 0 are 1, with a warning at the operator, as in bpftrace v0.26 (0.17 gave 0 for x / 0
        // and x for x % 0, silently)
        const byZero = e.freshLabel('div.zero');
        const done = e.freshLabel('div.end');
        e.emit(jmpImm('jeq', R0, 0, byZero));
        if (signed && g.shared.signedDivision?.())
          e.emit(alu64Reg(op === '/' ? 'sdiv' : 'smod', R1, R0), mov64Reg(R0, R1));
        else if (signed) emitSignedDivMod(g, op);
        else e.emit(alu64Reg(op === '/' ? 'div' : 'mod', R1, R0), mov64Reg(R0, R1));
        e.emit(ja(done));
        e.place(byZero);
        warnAlways(g, DIVIDE_BY_ZERO, opSpan);
        e.emit(mov64Imm(R0, 1));
        e.place(done);
        return;
      }
      default: {
        const jump = comparisonJump(op, signed);
        if (!jump) throw new Error(`unhandled operator ${op}`);
        return compare(g, jump);
      }
    }
  });
}

/** The jump taken when `left <op> right` holds (signedness: the left operand's type's); undefined if no comparison. */
function comparisonJump(op: BinaryOp, signed: boolean): JmpOp | undefined {
  switch (op) {
    case '==':
      return 'jeq';
    case '!=':
      return 'jne';
    case '<':
      return signed ? 'jslt' : 'jlt';
    case '<=':
      return signed ? 'jsle' : 'jle';
    case '>':
      return signed ? 'jsgt' : 'jgt';
    case '>=':
      return signed ? 'jsge' : 'jge';
    default:
      return undefined;
  }
}

/**
 * Jumps to `label` when the comparison `x` is `sense`, else goes on. Integers: the operands as emitBinaryOp
 * computes them, then one conditional jump, against an immediate when the right operand is a literal that
 * fits one once converted to its type. Strings, arrays, structs and tuples (== and !=): their words compared
 * in turn, the first that differs deciding. No 0 or 1 is made only to be tested (what the optimizer's branch
 * threading made of it). False, with nothing emitted, for anything else (a string ordering, && and ||).
 */
export function emitComparisonJump(g: Gen, x: BinaryExpr, sense: boolean, label: string): boolean {
  if (!comparisons.has(x.op)) return false;
  if (!isArithmetic(g, x)) return emitEqualityJump(g, x, sense, label);
  const [leftType, rightType] = operandTypes(g, x);
  const holds = comparisonJump(x.op, isSigned(leftType))!;
  const jump = sense ? holds : NEGATED_JMP[holds]!;
  emitInt(g, x.left);
  g.e.at(x.span, () => {
    normalize(g, leftType);
    const k = x.right.kind === 'int' ? converted(x.right.value, rightType) : undefined;
    if (k !== undefined && fitsImm32(k)) return g.e.at(x.opSpan, () => g.e.emit(jmpImm(jump, R0, Number(k), label)));
    scoped(g, () => emitRight(g, x.right, x.opSpan, rightType));
    scalePointerStep(g, x);
    g.e.at(x.opSpan, () => g.e.emit(jmpReg(jump, R1, R0, label)));
  });
  return true;
}

/** A literal as normalize() leaves it in a register once loaded (loadConst): its type's value, extended to 64 bits. */
function converted(v: bigint, t: Type): bigint {
  const word = BigInt.asIntN(64, v);
  if (t.kind !== 'int' || t.bits === 64) return word;
  return BigInt.asIntN(64, t.signed ? BigInt.asIntN(t.bits, word) : BigInt.asUintN(t.bits, word));
}

/** == or != of strings, arrays, structs or tuples as a jump to `label` when it is `sense` (emitComparisonJump). */
function emitEqualityJump(g: Gen, x: BinaryExpr, sense: boolean, label: string): boolean {
  if (x.op !== '==' && x.op !== '!=') return false;
  // the operands differing decides the jump (== tested for false, != for true), or their being the same
  if ((x.op === '!=') === sense) {
    emitWordsCompared(g, x, label);
    return true;
  }
  const differ = g.e.freshLabel('strcmp.diff');
  emitWordsCompared(g, x, differ, label);
  g.e.place(differ);
  return true;
}

/**
 * String comparison (and == / != of arrays and structs) as a value: r0 = 1 or 0. Strings sit NUL-padded in their
 * slots, so comparing 8-byte words over the longer size is exact; byte-swapped to big-endian, unsigned word order
 * is lexicographic byte order.
 */
function emitStringCompare(g: Gen, x: BinaryExpr): void {
  const e = g.e;
  const diff = e.freshLabel('strcmp.diff');
  const done = e.freshLabel('strcmp.end');
  emitWordsCompared(g, x, diff);
  e.at(x.opSpan, () => {
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
}

/**
 * The operands of a string (array, struct, tuple) comparison compared word by word: jumps to `diff` at the first
 * word that differs, with the left's in r1 and the right's in r2 (a string ordering goes on from there;
 * `comm == "literal"` is == or != only), and goes on when they are the same, or, given `same`, jumps there from
 * the last word's test (and goes on when it differs).
 */
function emitWordsCompared(g: Gen, x: BinaryExpr, diff: string, same?: string): void {
  // (not in an object file for other kernels: the offset is this kernel's, and no relocation carries it)
  const commAt = g.shared.core ? undefined : g.shared.checked.commLiterals.get(x);
  if (commAt !== undefined) return emitCommLiteralCompared(g, x, commAt, diff, same);
  const e = g.e;
  const lt = typeOf(g, x.left);
  const rt = typeOf(g, x.right);
  // strings by their size; arrays and structs (== and != only) by their slots, padding zeroed; tuples as the
  // type that holds both (the checker's)
  const common = lt.kind === 'tuple' || lt.kind === 'buffer' ? g.shared.checked.operandTypes.get(x)?.[0] : undefined;
  const bytes = (t: Type) => (t.kind === 'string' ? sizeOfString(t) : slotSize(t));
  const whole = common ? slotSize(common) : Math.ceil(Math.max(bytes(lt), bytes(rt)) / 8) * 8;
  const strings = lt.kind === 'string' && rt.kind === 'string';
  const size = strings ? Math.min(whole, literalPrefix(x) ?? whole) : whole;
  scoped(g, () => {
    const a = allocValue(g, size);
    const b = allocValue(g, size);
    emitInto(g, x.left, a, size, common);
    emitInto(g, x.right, b, size, common);
    e.at(x.opSpan, () => {
      if (strings && size > LOOP_FROM) return emitWordLoop(g, a, b, size, diff, same);
      for (let i = 0; i < size; i += 8) {
        const last = same !== undefined && i + 8 >= size;
        e.emit(
          ldSlot(8, R1, a + i),
          ldSlot(8, R2, b + i),
          last ? jmpReg('jeq', R1, R2, same) : jmpReg('jne', R1, R2, diff),
        );
      }
      if (size === 0 && same !== undefined) e.emit(ja(same)); // (no words: the same)
    });
  });
}

/** Strings longer than this (in bytes) are compared in a loop (emitWordLoop); shorter ones word by word, unrolled. */
const LOOP_FROM = 64;

/**
 * Two strings' slots compared a word at a time in a loop that stops at the first word that differs (to `diff`, the
 * words in r1 and r2) or at the first equal word with a NUL in it (the strings end there together, and slots are
 * NUL-padded: the same), so a 20-byte name in a 1 KiB slot takes 3 steps and ~20 instructions, not 129 unrolled
 * compares.
 */
function emitWordLoop(g: Gen, a: number, b: number, size: number, diff: string, same?: string): void {
  const e = g.e;
  const [top, equal, more, end] = ['top', 'eq', 'more', 'same'].map((l) => e.freshLabel(`strcmp.${l}`)) as [
    string,
    string,
    string,
    string,
  ];
  const sameLabel = same ?? end;
  e.emit(...addrOf(R3, a), ...addrOf(R4, b), mov64Imm(R5, 0));
  e.place(top);
  e.emit(ldx(8, R1, R3, 0), ldx(8, R2, R4, 0), jmpReg('jeq', R1, R2, equal), ja(diff));
  e.place(equal);
  // a zero byte in the word: (w - 0x01…01) & ~w & 0x80…80 is not 0
  loadConst(g, R2, 0x0101010101010101n);
  e.emit(neg64(R2), alu64Reg('add', R2, R1), mov64Reg(R0, R1), alu64Imm('xor', R0, -1), alu64Reg('and', R2, R0));
  loadConst(g, R0, 0x8080808080808080n);
  e.emit(alu64Reg('and', R2, R0), jmpImm('jeq', R2, 0, more), ja(sameLabel));
  e.place(more);
  e.emit(alu64Imm('add', R3, 8), alu64Imm('add', R4, 8), alu64Imm('add', R5, 8), jmpImm('jlt', R5, size, top));
  if (same !== undefined) e.emit(ja(same));
  e.place(end);
}

/**
 * A string compared with a literal of n bytes needs only its first n + 2 (rounded up to whole words): the literal's
 * NUL at n meets the other's byte n, a real byte wherever that string goes on (a read cut to n + 2 bytes ends
 * with its NUL at n + 1 at the earliest), and slots are NUL-padded past a string's end. So `str(p) == "/etc/passwd"`
 * reads 16 bytes and compares two words, not 1 KiB (max_strlen 1024) and 129 words.
 */
function literalPrefix(x: BinaryExpr): number | undefined {
  const literal = x.left.kind === 'string' ? x.left : x.right.kind === 'string' ? x.right : undefined;
  const other = literal === x.left ? x.right : x.left;
  if (!literal || other.kind === 'string') return undefined;
  return Math.ceil((textBytes(literal.value).length + 2) / 8) * 8;
}

/**
 * `comm == "literal"` / `!=` (the checker's commLiterals): the current task's comm read in place, a load of
 * 8, 4, 2 or 1 bytes at a time over the literal and its NUL, each compared with the literal's bytes; jumps to
 * `diff` at the first that differs (to `same`, when given, from the last one's test when it does not).
 */
function emitCommLiteralCompared(g: Gen, x: BinaryExpr, commOffset: number, diff: string, same?: string): void {
  const e = g.e;
  const literal = x.left.kind === 'string' ? x.left : x.right;
  if (literal.kind !== 'string') throw new Error('comm comparison without its literal');
  const bytes = [...textBytes(literal.value), 0];
  e.at(x.opSpan, () => {
    e.emit(call(helper.get_current_task_btf));
    for (const { at, size } of pieces(bytes.length)) {
      let word = 0n;
      for (let k = size - 1; k >= 0; k--) word = (word << 8n) | BigInt(bytes[at + k]!);
      e.emit(ldx(size, R1, R0, commOffset + at));
      const last = at + size >= bytes.length;
      const [op, to] = same !== undefined && last ? (['jeq', same] as const) : (['jne', diff] as const);
      if (size === 8) {
        loadConst(g, R2, word);
        e.emit(jmpReg(op, R1, R2, to));
      } else e.emit(jmp32Imm(op, R1, Number(BigInt.asIntN(32, word)), to)); // the low 32 bits: exact
    }
  });
}

/** r0 = (r1 <op> r0) ? 1 : 0 */
function compare(g: Gen, op: JmpOp): void {
  boolFromJump(g, (yes) => jmpReg(op, R1, R0, yes));
}

/**
 * dst = dst <op> src for a signed left operand, as C and scry's binary operators compute it (truncating `/` and
 * `%`), whatever registers hold the operands: `@m /= v` in maps.ts. `keep` is a register the
 * caller still needs (the map value's address), saved around emitSignedDivMod's r0-r2 where there is no sdiv.
 * The caller has ruled out division by zero.
 */
export function emitSignedInPlace(g: Gen, op: '/' | '%', dst: Reg, src: Reg, keep: Reg, span: Span): void {
  const e = g.e;
  if (g.shared.signedDivision?.()) return e.emit(alu64Reg(op === '/' ? 'sdiv' : 'smod', dst, src));
  scoped(g, () => {
    const [left, right, kept] = [allocOrFail(g, 8, span), allocOrFail(g, 8, span), allocOrFail(g, 8, span)];
    e.emit(stxSlot(8, left, dst), stxSlot(8, right, src), stxSlot(8, kept, keep));
    e.emit(ldSlot(8, R1, left), ldSlot(8, R0, right));
    emitSignedDivMod(g, op);
    e.emit(mov64Reg(dst, R0), ldSlot(8, keep, kept));
  });
}

/**
 * r0 = r1 / r0 or r1 % r0 with C's truncating signed semantics, using only unsigned division, for kernels
 * without cpu v4's sdiv/smod (before 6.6; CompileOptions.signedDivision). The caller has ruled out division by zero.
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

/**
 * The operands of `a || b || c` (or of `&&`), leftmost first, to be tested in turn as (a || b) || c would be: found
 * in a loop, so a chain of 1,000 costs no JS stack.
 */
export function chainOperands(x: BinaryExpr): Expr[] {
  const operands: Expr[] = [x.right];
  let l = x.left;
  for (; l.kind === 'binary' && l.op === x.op; l = l.left) operands.push(l.right);
  operands.push(l);
  return operands.reverse();
}

function emitLogical(g: Gen, x: BinaryExpr): void {
  const e = g.e;
  const short = e.freshLabel(x.op === '&&' ? 'and.false' : 'or.true');
  const done = e.freshLabel('logic.end');
  const shortOp: JmpOp = x.op === '&&' ? 'jeq' : 'jne';
  for (const o of chainOperands(x)) {
    emitInt(g, o);
    e.emit(jmpImm(shortOp, R0, 0, short));
  }
  e.emit(mov64Imm(R0, x.op === '&&' ? 1 : 0), ja(done));
  e.place(short);
  e.emit(mov64Imm(R0, x.op === '&&' ? 0 : 1));
  e.place(done);
}
