// Positional parameters: `$1` stands for the text given after the program, read as a literal.
import type { Expr } from '../ast.ts';

/** The literal a positional parameter stands for; a missing one is 0, as in bpftrace. */
export function positionalValue(params: readonly string[], index: number): bigint | string {
  const raw = params[index - 1];
  if (raw === undefined) return 0n;
  if (/^-?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(raw.trim())) {
    const t = raw.trim();
    const neg = t.startsWith('-');
    const body = neg ? t.slice(1) : t;
    const v = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
    return neg ? -v : v;
  }
  return raw;
}

/**
 * An integer that must be known when compiling (an unroll count): a literal, or a positional parameter that
 * reads as a number (`$#` is the count of parameters). Undefined for anything else.
 */
export function literalInt(e: Expr, params: readonly string[]): bigint | undefined {
  if (e.kind === 'int') return e.value;
  if (e.kind !== 'positional') return undefined;
  if (e.count) return BigInt(params.length);
  const v = positionalValue(params, e.index);
  return typeof v === 'bigint' ? v : undefined;
}
