// Values known when compiling, from the checker's side tables: what static_assert() and fail() look at.
import type { Expr } from '../ast.ts';
import { fold, foldComparison } from './literals.ts';

/**
 * The value of an expression made of literals, positional parameters given as numbers and what the checker worked
 * out (sizeof, is_str(), …), or undefined: static_assert's condition, and an `if` whose branch cannot run.
 */
export function knownValue(
  e: Expr,
  constants: ReadonlyMap<Expr, bigint>,
  positionals: ReadonlyMap<Expr, bigint | string>,
): bigint | undefined {
  const known = (x: Expr) => knownValue(x, constants, positionals);
  switch (e.kind) {
    case 'int':
      return e.value;
    case 'bool':
      return e.value ? 1n : 0n;
    case 'unary': {
      const v = known(e.operand);
      if (v === undefined) return undefined;
      return e.op === '!' ? (v === 0n ? 1n : 0n) : e.op === '-' ? -v : e.op === '~' ? ~v : undefined;
    }
    case 'binary': {
      const l = known(e.left);
      const r = known(e.right);
      if (l === undefined || r === undefined) return undefined;
      return foldComparison(e.op, l, r) ?? fold(e.op, l, r);
    }
    case 'positional': {
      const v = positionals.get(e);
      return typeof v === 'bigint' ? v : undefined;
    }
    default:
      return constants.get(e);
  }
}
