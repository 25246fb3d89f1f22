// Helpers the family files share for checking arguments.
import type { Expr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import type { Type } from '../types.ts';

/** A string literal argument (the only kind some functions can use when compiling), or undefined after an error. */
export function stringLiteral(ctx: CheckContext, a: Expr | undefined, fn: string, what: string): string | undefined {
  if (!a) return undefined;
  if (a.kind === 'string') return a.value;
  ctx.expr(a);
  ctx.error(`${fn} needs ${what} as a string literal`, a.span);
  return undefined;
}

/** A value's shape in words, for messages about bytes: char[16], a 4-byte buffer, a pointer. */
export function describe(t: Type): string {
  if (t.kind === 'string') return `char[${t.size}]`;
  if (t.kind === 'buffer') return `a ${t.size}-byte buffer`;
  if (t.kind === 'int') return t.space ? 'a pointer' : 'an integer';
  return t.kind;
}
