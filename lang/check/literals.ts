// The width bpftrace v0.26 gives an integer literal where it is observable: a literal is typed as the smallest
// signed integer that holds it (int8 for 3, int16 for 200, int64 past 2^31; uint64 past INT64_MAX). Arithmetic
// still computes in 64 bits (a binary operator's result is int64/uint64 in v0.26 too), so scry narrows only
// what keeps a literal's own type: tuple elements, variables only ever assigned literals, and sizeof of them.
import type { Expr } from '../ast.ts';
import { int, u64, type IntBits, type Type } from '../types.ts';

const I64_MAX = 0x7fffffffffffffffn;

type IntType = Extract<Type, { kind: 'int' }>;

/** The literal's own type (`3`, `-100`), or undefined when `e` is not an integer literal. */
export function literalType(e: Expr): IntType | undefined {
  return literalInfo(e)?.type;
}

/**
 * The literal's type, and whether its sign is `flexible`: a non-negative literal that fits int64 takes the
 * sign of what it meets (`$x = 1; $x = (uint32)7` is uint32), as v0.26 has it.
 */
export function literalInfo(e: Expr): { type: IntType; flexible: boolean } | undefined {
  const value = literalValue(e);
  return value === undefined ? undefined : literalOf(value);
}

/** The type and sign flexibility v0.26 gives a literal of this value (a folded constant's too). */
export function literalOf(value: bigint): { type: IntType; flexible: boolean } {
  if (value > I64_MAX) return { type: u64 as IntType, flexible: false };
  return { type: int(smallestBits(value), true) as IntType, flexible: value >= 0n };
}

/** The value of an integer literal (`3`, `-100`; not an enumerator), or undefined. */
export function literalValue(e: Expr): bigint | undefined {
  if (e.kind === 'int') return e.enumId === undefined ? e.value : undefined;
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int' && e.operand.enumId === undefined)
    return -e.operand.value;
  return undefined;
}

function smallestBits(v: bigint): IntBits {
  for (const bits of [8, 16, 32] as const) {
    const limit = 1n << BigInt(bits - 1);
    if (v >= -limit && v < limit) return bits;
  }
  return 64;
}

/**
 * The integer type that holds values of both (a variable assigned twice: `$x = 1; $x = 1000` is int16), as
 * v0.26 promotes: same sign keeps the wider; a literal (`flexible`) takes the other side's sign; otherwise the
 * wider signed one when it is signed, else a signed type twice the wider size (int64 at most).
 */
export function promoteInts(
  a: IntType,
  b: IntType,
  flexible: { a: boolean; b: boolean } = { a: false, b: false },
): IntType {
  const wider = Math.max(a.bits, b.bits) as IntBits;
  if (a.signed === b.signed) return int(wider, a.signed) as IntType;
  if (flexible.a || flexible.b) {
    const signed = (!flexible.a && a.signed) || (!flexible.b && b.signed);
    return int(wider, signed) as IntType;
  }
  const [s, u] = a.signed ? [a, b] : [b, a];
  if (s.bits > u.bits) return s;
  return int(Math.min(64, wider * 2) as IntBits, true) as IntType;
}

/** What a variable or map assigned literal `a` and then literal `b` holds: both promoted, flexible while both are. */
export function joinLiterals(
  a: { type: IntType; flexible: boolean },
  b: { type: IntType; flexible: boolean },
): { type: IntType; flexible: boolean } {
  return { type: promoteInts(a.type, b.type, { a: a.flexible, b: b.flexible }), flexible: a.flexible && b.flexible };
}

/**
 * The value of an integer expression made of literals and + - * / % << >> (for indexes that must be constant).
 * A left-nested chain (1 + 2 + 3 …) is folded in a loop, so its length costs no JS stack.
 */
export function constantInt(e: Expr): bigint | undefined {
  const chain: Extract<Expr, { kind: 'binary' }>[] = [];
  for (; e.kind === 'binary'; e = e.left) chain.push(e);
  let acc: bigint | undefined;
  if (e.kind === 'int') acc = e.value;
  else if (e.kind === 'unary' && e.op === '-') {
    const v = constantInt(e.operand);
    acc = v === undefined ? undefined : -v;
  }
  for (let i = chain.length - 1; i >= 0 && acc !== undefined; i--) {
    const r = constantInt(chain[i]!.right);
    acc = r === undefined ? undefined : fold(chain[i]!.op, acc, r);
  }
  return acc;
}

/** `l op r` for the comparisons and && ||: 1 or 0; undefined for any other operator. */
export function foldComparison(op: string, l: bigint, r: bigint): bigint | undefined {
  const b = (x: boolean) => (x ? 1n : 0n);
  switch (op) {
    case '==':
      return b(l === r);
    case '!=':
      return b(l !== r);
    case '<':
      return b(l < r);
    case '<=':
      return b(l <= r);
    case '>':
      return b(l > r);
    case '>=':
      return b(l >= r);
    case '&&':
      return b(l !== 0n && r !== 0n);
    case '||':
      return b(l !== 0n || r !== 0n);
    default:
      return undefined;
  }
}

/** `l op r` for the arithmetic operators, undefined where it has no value (a division by 0, a wide shift). */
export function fold(op: string, l: bigint, r: bigint): bigint | undefined {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return r === 0n ? undefined : l / r;
    case '%':
      return r === 0n ? undefined : l % r;
    case '<<':
      return r < 0n || r > 64n ? undefined : l << r; // (a shift by more is no constant scry can use)
    case '>>':
      return r < 0n || r > 64n ? undefined : l >> r;
    default:
      return undefined;
  }
}

const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

/**
 * `l op r` of two integer literals as bpftrace v0.26 folds them before typing (fold_literals.cpp), or undefined
 * where it refuses to ("unable to fold literals due to overflow or underflow"): a result outside int64 when
 * either side is negative and outside [INT64_MIN, UINT64_MAX] otherwise, a negative literal met by one past
 * INT64_MAX, a division by 0, a shift by a negative count or by 64 or more. Comparisons and && || give 0 or 1.
 */
export function foldLiteralPair(op: string, l: bigint, r: bigint): bigint | undefined {
  if ((l < 0n && r > I64_MAX) || (r < 0n && l > I64_MAX)) return undefined;
  const signed = l < 0n || r < 0n;
  const inRange = (v: bigint, lo = I64_MIN, hi = U64_MAX) => (v >= lo && v <= hi ? v : undefined);
  switch (op) {
    case '+':
    case '*':
      return inRange(op === '+' ? l + r : l * r);
    case '-':
      return inRange(l - r, I64_MIN, signed ? I64_MAX : U64_MAX);
    case '/':
      return r === 0n ? undefined : l / r;
    case '%':
      return r === 0n ? undefined : l % r;
    case '&':
      return l & r;
    case '|':
      return l | r;
    case '^':
      return l ^ r;
    case '<<':
      if (r < 0n || r >= 64n) return undefined;
      return signed ? BigInt.asIntN(64, l << r) : BigInt.asUintN(64, l << r);
    case '>>':
      return r < 0n || r >= 64n ? undefined : l >> r;
    default:
      return foldComparison(op, l, r);
  }
}
