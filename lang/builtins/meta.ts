// What the checker knows about an expression, asked when compiling (bpftrace v0.26's stdlib meta functions):
// is_str, is_ptr, is_array, is_integer, is_unsigned_integer, is_literal are constants of the argument's type
// (its code is never run), static_assert(cond, msg) refuses the program where cond is known false.
import type { CallExpr, Expr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { boolType, isPointer, voidType, type Type } from '../types.ts';
import type { BuiltinRow } from './row.ts';

/** A question about the argument's type, answered as a constant bool. */
function predicate(name: string, doc: string, holds: (t: Type, e: Expr) => boolean): BuiltinRow {
  return {
    name,
    family: 'meta',
    doc,
    function: {
      minArgs: 1,
      maxArgs: 1,
      signature: `${name}(expression)`,
      aggregation: false,
      check: (ctx, c) => {
        const a = c.args[0];
        if (a) ctx.constants.set(c, holds(ctx.expr(a), a) ? 1n : 0n);
        return boolType;
      },
    },
  };
}

const isInteger = (t: Type) => t.kind === 'int' && !isPointer(t);

export const metaRows: readonly BuiltinRow[] = [
  predicate('is_str', 'whether the expression is a string (known when compiling)', (t) => t.kind === 'string'),
  predicate('is_ptr', 'whether the expression is a pointer (known when compiling)', (t) => isPointer(t)),
  predicate('is_array', 'whether the expression is an array (known when compiling)', (t) => t.kind === 'array'),
  predicate('is_integer', 'whether the expression is an integer (known when compiling)', isInteger),
  predicate(
    'is_unsigned_integer',
    'whether the expression is an unsigned integer (known when compiling)',
    (t) => isInteger(t) && t.kind === 'int' && !t.signed,
  ),
  predicate(
    'is_literal',
    'whether the expression is a literal: 1, true, "hello" (known when compiling)',
    (_t, e) => e.kind === 'int' || e.kind === 'string' || e.kind === 'bool',
  ),
  {
    name: 'static_assert',
    family: 'meta',
    doc: 'refuses the program where a condition known when compiling is false',
    function: {
      minArgs: 2,
      maxArgs: 2,
      signature: 'static_assert(bool condition, string message)',
      aggregation: false,
      check: staticAssert,
    },
  },
];

function staticAssert(ctx: CheckContext, c: CallExpr): Type {
  const [cond, msg] = c.args;
  if (!cond) return voidType;
  ctx.expr(cond);
  if (msg && msg.kind !== 'string') ctx.error('static_assert() needs its message as a string literal', msg.span);
  const value = known(ctx, cond);
  if (value === undefined)
    ctx.error('static_assert() needs a condition known when compiling', cond.span, [
      'literals, sizeof, and is_str(), is_ptr(), … of an expression are known when compiling',
    ]);
  else if (value === 0n) ctx.error(msg?.kind === 'string' ? msg.value : 'static assertion failed', c.span);
  return voidType;
}

/** The value of an expression made of literals and what the checker worked out (sizeof, is_str(), …). */
function known(ctx: CheckContext, e: Expr): bigint | undefined {
  switch (e.kind) {
    case 'int':
      return e.value;
    case 'bool':
      return e.value ? 1n : 0n;
    case 'unary': {
      const v = known(ctx, e.operand);
      if (v === undefined) return undefined;
      return e.op === '!' ? (v === 0n ? 1n : 0n) : e.op === '-' ? -v : e.op === '~' ? ~v : undefined;
    }
    case 'binary': {
      const l = known(ctx, e.left);
      const r = known(ctx, e.right);
      if (l === undefined || r === undefined) return undefined;
      const b = (x: boolean) => (x ? 1n : 0n);
      switch (e.op) {
        case '&&':
          return b(l !== 0n && r !== 0n);
        case '||':
          return b(l !== 0n || r !== 0n);
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
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        default:
          return undefined;
      }
    }
    default:
      return ctx.constants.get(e);
  }
}
