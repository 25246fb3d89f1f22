// Helpers the family files share for checking arguments.
import type { Expr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import type { Type } from '../types.ts';

/**
 * A string literal argument (the only kind some functions can use when compiling), or undefined after an
 * error. A positional parameter is a literal too: `$1` when its text is not a number, `str($1)` whatever it is.
 */
export function stringLiteral(ctx: CheckContext, a: Expr | undefined, fn: string, what: string): string | undefined {
  if (!a) return undefined;
  if (a.kind === 'string') return a.value;
  const text = positionalText(ctx, a);
  if (text !== undefined) return text;
  ctx.expr(a);
  ctx.error(`${fn} needs ${what} as a string literal`, a.span);
  return undefined;
}

/** The text a string-valued positional parameter stands for (`$1` given a name, `str($1)`), recorded for codegen. */
function positionalText(ctx: CheckContext, a: Expr): string | undefined {
  const p = a.kind === 'call' && a.name === 'str' && a.args.length === 1 ? a.args[0]! : a;
  if (p.kind !== 'positional' || p.count) return undefined;
  const t = ctx.expr(a);
  if (t.kind !== 'string') return undefined;
  return a === p ? (ctx.positionals.get(p) as string) : (ctx.params[p.index - 1] ?? '');
}

/**
 * An integer argument that must be known when compiling: a literal, or a positional parameter that reads as
 * a number (`ustack($1)`, `buf(p, $1)`), as in bpftrace. Undefined for anything else (left unchecked).
 */
export function intLiteral(ctx: CheckContext, a: Expr): bigint | undefined {
  if (a.kind === 'int') {
    ctx.expr(a);
    return a.value;
  }
  // -N too, so a negative length is refused as such, not read as a huge computed one
  if (a.kind === 'unary' && a.op === '-' && a.operand.kind === 'int' && a.operand.enumId === undefined) {
    ctx.expr(a);
    return -a.operand.value;
  }
  if (a.kind !== 'positional') return undefined;
  ctx.expr(a);
  const v = ctx.positionals.get(a);
  return typeof v === 'bigint' ? v : undefined;
}

/** A value's shape in words, for messages about bytes: char[16], a 4-byte buffer, a pointer. */
export function describe(t: Type): string {
  if (t.kind === 'string') return `char[${t.size}]`;
  if (t.kind === 'buffer') return `a ${t.size}-byte buffer`;
  if (t.kind === 'int') return t.space ? 'a pointer' : 'an integer';
  return t.kind;
}
