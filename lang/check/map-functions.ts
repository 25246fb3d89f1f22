// Aggregations (`@m[k] = count()` …) and the functions that work on whole maps.
import type { CallExpr } from '../ast.ts';
import { i64, u64, type MapValue, type Type } from '../types.ts';
import type { CheckContext } from './context.ts';

const aggregations = new Set(['count', 'sum', 'min', 'max']);

export function isAggregation(c: CallExpr): boolean {
  return aggregations.has(c.name);
}

/** Checks an aggregation's arguments and says what the map will hold; arity is checked by the caller. */
export function aggregationValue(ctx: CheckContext, c: CallExpr): MapValue {
  const signedArg = () => {
    const t = c.args[0] ? ctx.intOperand(c.args[0], `${c.name}()`) : i64;
    return t.kind === 'int' && t.signed;
  };
  switch (c.name) {
    case 'count':
      c.args.forEach(ctx.expr);
      return { kind: 'count' };
    case 'sum':
    case 'min':
    case 'max':
      return { kind: c.name, signed: signedArg() };
    default:
      throw new Error(`${c.name} is not an aggregation`);
  }
}

/** The value an aggregation call yields when read back (for the side table of expression types). */
export function aggregationReadType(v: MapValue): typeof u64 {
  return v.kind === 'value' ? u64 : 'signed' in v && v.signed ? i64 : u64;
}

/** Checks clear/zero/delete/len/has_key/print and friends; undefined for functions this module does not own. */
export function mapFunctionType(_ctx: CheckContext, _c: CallExpr): Type | undefined {
  return undefined;
}
