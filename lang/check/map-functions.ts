// Aggregations (`@m[k] = count()` …) and the functions that work on whole maps (clear, zero, delete, len,
// has_key, print). Whole-map arguments are not expressions: checking `@m` as one would record a use of @m
// with no keys, so they are looked at by name and resolved again by the code generator.
import type { CallExpr, Expr, MapExpr } from '../ast.ts';
import { positionalValue } from './infer.ts';
import { boolType, i64, isHistogram, typeName, u64, voidType, type MapValue, type Type } from '../types.ts';
import type { CheckContext } from './context.ts';

const aggregations = new Set(['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist']);

export function isAggregation(c: CallExpr): boolean {
  return aggregations.has(c.name);
}

/** bpftrace's bounds: k in hist(n, k), and the bucket count of lhist. */
export const HIST_MAX_BITS = 5;
export const LHIST_MAX_BUCKETS = 1000;

// The checker asks for an aggregation's value twice (for the call's type and for the map): remember it per
// check (a context is one run of the checker) so mistakes in the arguments are reported once.
const checked = new WeakMap<CheckContext, WeakMap<CallExpr, MapValue>>();

/** Checks an aggregation's arguments and says what the map will hold; arity is checked by the caller. */
export function aggregationValue(ctx: CheckContext, c: CallExpr): MapValue {
  let seen = checked.get(ctx);
  if (!seen) checked.set(ctx, (seen = new WeakMap()));
  let v = seen.get(c);
  if (!v) seen.set(c, (v = checkAggregation(ctx, c)));
  return v;
}

function checkAggregation(ctx: CheckContext, c: CallExpr): MapValue {
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
    case 'avg':
    case 'stats':
      return { kind: c.name, signed: signedArg() };
    case 'hist': {
      signedArg();
      const k = c.args[1] ? literal(ctx, c.args[1], 'hist() k') : 0;
      if (k !== undefined && (k < 0 || k > HIST_MAX_BITS))
        ctx.error(`hist() k must be between 0 and ${HIST_MAX_BITS} (${k} provided)`, c.args[1]!.span, [
          'k splits each power of two into 2^k buckets',
        ]);
      return { kind: 'hist', bits: k !== undefined && k >= 0 && k <= HIST_MAX_BITS ? k : 0 };
    }
    case 'lhist':
      return lhist(ctx, c, signedArg);
    default:
      throw new Error(`${c.name} is not an aggregation`);
  }
}

function lhist(ctx: CheckContext, c: CallExpr, value: () => void): MapValue {
  value();
  const [, minArg, maxArg, stepArg] = c.args;
  const fallback: MapValue = { kind: 'lhist', min: 0, max: 1, step: 1 };
  if (!minArg || !maxArg || !stepArg) return fallback;
  const min = literal(ctx, minArg, 'lhist() min');
  const max = literal(ctx, maxArg, 'lhist() max');
  const step = literal(ctx, stepArg, 'lhist() step');
  if (min === undefined || max === undefined || step === undefined) return fallback;
  let ok = true;
  const fail = (message: string) => {
    ctx.error(message, c.span, ['usage: lhist(value, min, max, step), e.g. lhist($ms, 0, 100, 10)']);
    ok = false;
  };
  if (step < 1) fail(`lhist() step must be >= 1 (${step} provided)`);
  else if (max <= min) fail(`lhist() max must be greater than min (provided min ${min} and max ${max})`);
  else if (step > max - min) fail(`lhist() step is too large for the given range (provided step ${step} for range ${max - min})`);
  else if (Math.floor((max - min) / step) > LHIST_MAX_BUCKETS)
    fail(`lhist() too many buckets, must be <= ${LHIST_MAX_BUCKETS} (would need ${Math.floor((max - min) / step)})`);
  return ok ? { kind: 'lhist', min, max, step } : fallback;
}

/** An integer known when the script is compiled: a literal, a negated one, or an integer $N. */
export function literalValue(e: Expr, params: readonly string[] = []): bigint | undefined {
  if (e.kind === 'int') return BigInt.asIntN(64, e.value);
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int') return -e.operand.value;
  if (e.kind === 'positional' && !e.count) {
    const v = positionalValue(params, e.index);
    return typeof v === 'bigint' ? v : undefined;
  }
  return undefined;
}

function literal(ctx: CheckContext, e: Expr, what: string): number | undefined {
  ctx.expr(e);
  const v = literalValue(e, ctx.params);
  if (v === undefined) {
    ctx.error(`${what} must be an integer literal`, e.span);
    return undefined;
  }
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    ctx.error(`${what} is too large (${v})`, e.span, ['histogram bounds must be within ±2^53']);
    return undefined;
  }
  return Number(v);
}

/** The value an aggregation call yields when read back (for the side table of expression types). */
export function aggregationReadType(v: MapValue): typeof u64 {
  return v.kind === 'value' ? u64 : 'signed' in v && v.signed ? i64 : u64;
}

/**
 * Values a probe can read as one integer (`@m[k]`, `$kv.1` of `for ($kv : @m)`): plain values, and the
 * aggregations whose per-CPU copies combine into a number in the probe (count/sum add up, min/max take the best,
 * avg divides; codegen/maps.ts), as in bpftrace v0.26. stats and histograms are only put together in user space.
 */
export function readableInProbe(v: MapValue): boolean {
  return v.kind === 'value' || v.kind === 'count' || v.kind === 'sum' || v.kind === 'min' || v.kind === 'max' || v.kind === 'avg';
}

/** `@m` with no keys: the whole map, as clear/zero/len/print take it. */
export function wholeMap(e: Expr | undefined): MapExpr | undefined {
  return e?.kind === 'map' && e.keys.length === 0 ? e : undefined;
}

/**
 * The entry that delete/has_key name: `f(@m[k…])`, or `f(@m, k)` where a tuple literal `k` spreads over the
 * keys of a multi-key map (bpftrace's `delete(@m, (1, 2))`). `keyCount` is the map's number of keys when
 * known; the checker and the code generator call this with the same answer, so they agree on the keys.
 */
export function keyedTarget(c: CallExpr, keyCount: number | undefined): MapExpr | undefined {
  const [m, k] = c.args;
  if (m?.kind !== 'map') return undefined;
  if (!k) return m;
  if (m.keys.length) return undefined;
  const spread = k.kind === 'tuple' && k.elements.length > 1 && (keyCount === undefined || keyCount === k.elements.length);
  return { kind: 'map', name: m.name, keys: spread ? k.elements : [k], bare: m.bare, span: { ...m.span, end: k.span.end } };
}

/** Checks clear/zero/delete/len/has_key/print; undefined for functions this module does not own. */
export function mapFunctionType(ctx: CheckContext, c: CallExpr): Type | undefined {
  switch (c.name) {
    case 'clear':
    case 'zero':
    case 'len':
      wholeMapArg(ctx, c);
      return c.name === 'len' ? i64 : voidType;
    case 'delete':
      deleteOrHasKey(ctx, c);
      return voidType;
    case 'has_key':
      deleteOrHasKey(ctx, c);
      return boolType;
    case 'print':
      print(ctx, c);
      return voidType;
    default:
      return undefined;
  }
}

function wholeMapArg(ctx: CheckContext, c: CallExpr): MapExpr | undefined {
  const arg = c.args[0];
  if (!arg) return undefined;
  const m = wholeMap(arg);
  if (m) {
    const info = ctx.mapInfo(m.name);
    if (c.name === 'len' && info && isHistogram(info.value))
      ctx.error(`len() does not work on ${info.value.kind}() maps`, arg.span, ['each bucket of a histogram is a map entry of its own']);
    ctx.mapTargets.set(c, m);
    return m;
  }
  if (arg.kind === 'map') ctx.error(`${c.name}() takes a whole map: write ${c.name}(${arg.name}), without a key`, arg.span);
  else {
    ctx.expr(arg);
    ctx.error(`${c.name}() needs a map, e.g. ${c.name}(@m)`, arg.span);
  }
  return undefined;
}

function deleteOrHasKey(ctx: CheckContext, c: CallExpr): void {
  const [m, k] = c.args;
  c.args.slice(2).forEach(ctx.expr);
  if (m?.kind !== 'map') {
    if (m) {
      ctx.expr(m);
      ctx.error(`${c.name}() needs a map entry, e.g. ${c.name}(@m, key)`, m.span);
    }
    return;
  }
  if (k && m.keys.length) {
    ctx.expr(k);
    ctx.error(`${c.name}() takes the key once: write ${c.name}(${m.name}, key) or ${c.name}(${m.name}[key])`, c.span);
    return;
  }
  const info = ctx.mapInfo(m.name);
  if (!k && m.keys.length === 0) {
    if (c.name === 'has_key') {
      ctx.error(`has_key() needs a key: has_key(${m.name}, key)`, c.span, ['a map without keys has no entries to look for']);
      return;
    }
    if (info && info.keys.length) {
      ctx.error(`delete() of one entry of ${m.name} needs its key: delete(${m.name}, key)`, c.span, [`to empty the whole map, use clear(${m.name})`]);
      return;
    }
  }
  const target = keyedTarget(c, info?.keys.length)!;
  ctx.mapTargets.set(c, target);
  const used = ctx.useMap(target, undefined, c.span);
  if (c.name === 'has_key' && isHistogram(used.value))
    ctx.error(`has_key() does not work on ${used.value.kind}() maps`, c.span, ['each bucket of a histogram is a map entry of its own']);
}

function print(ctx: CheckContext, c: CallExpr): void {
  const [arg, ...rest] = c.args;
  if (!arg) return;
  const whole = wholeMap(arg);
  if (whole) {
    ctx.mapTargets.set(c, whole);
    // top and div: how many of the largest entries, and what to divide values by (0: all, no division)
    rest.forEach((e, i) => ctx.intOperand(e, i === 0 ? 'print() top' : 'print() div'));
    return;
  }
  const t = ctx.expr(arg);
  rest.forEach(ctx.expr);
  if (rest.length) ctx.error(`print() of a value takes one argument, got ${c.args.length}`, c.span, ['top and div apply to whole maps: print(@m, 10)']);
  if (!printable(t)) ctx.error(t.kind === 'void' ? 'print() needs a value, but this expression has none' : `cannot print ${typeName(t)}`, arg.span);
}

function printable(t: Type): boolean {
  return t.kind === 'tuple' ? t.elements.every(printable) : t.kind !== 'void';
}
