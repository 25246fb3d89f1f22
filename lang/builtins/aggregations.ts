// Aggregations: `@m[k] = count()` and friends, assigned straight to a map. Each says what the map holds.
import type { CallExpr, Expr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { positionalValue } from '../check/positional.ts';
import { i64, u64, type MapValue, type TseriesAgg } from '../types.ts';
import type { AggregationSpec, BuiltinRow } from './row.ts';

/** bpftrace's bounds: k in hist(n, k), and the bucket count of lhist. */
const HIST_MAX_BITS = 5;
const LHIST_MAX_BUCKETS = 1000;
/** bpftrace's bound on tseries()'s interval count. */
const TSERIES_MAX_INTERVALS = 1_000_000;
const TSERIES_AGGS: readonly TseriesAgg[] = ['avg', 'max', 'min', 'sum'];

const aggregation = (name: string, doc: string, spec: Omit<AggregationSpec, 'aggregation'>): BuiltinRow => ({
  name,
  family: 'aggregations',
  doc,
  function: { ...spec, aggregation: true },
});

/** sum, min, max, avg, stats: one integer, whose sign the map keeps. */
const ofInt =
  (kind: 'sum' | 'min' | 'max' | 'avg' | 'stats') =>
  (ctx: CheckContext, c: CallExpr): MapValue => ({ kind, signed: signedArg(ctx, c) });

export const aggregationRows: readonly BuiltinRow[] = [
  aggregation('count', 'counts the times it runs', {
    minArgs: 0,
    maxArgs: 0,
    signature: 'count()',
    value: (ctx, c) => {
      c.args.forEach(ctx.expr);
      return { kind: 'count' };
    },
  }),
  aggregation('sum', 'the sum of the values', { minArgs: 1, maxArgs: 1, signature: 'sum(int n)', value: ofInt('sum') }),
  aggregation('min', 'the smallest value', { minArgs: 1, maxArgs: 1, signature: 'min(int n)', value: ofInt('min') }),
  aggregation('max', 'the largest value', { minArgs: 1, maxArgs: 1, signature: 'max(int n)', value: ofInt('max') }),
  aggregation('avg', 'the average of the values', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'avg(int n)',
    value: ofInt('avg'),
  }),
  aggregation('stats', 'count, average and total of the values', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'stats(int n)',
    value: ofInt('stats'),
  }),
  aggregation('hist', 'a power-of-two histogram of the values', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'hist(int n [, int k])',
    value: hist,
  }),
  aggregation('lhist', 'a linear histogram of the values', {
    minArgs: 4,
    maxArgs: 4,
    signature: 'lhist(int n, int min, int max, int step)',
    value: lhist,
  }),
  aggregation('tseries', 'the value over the last intervals of time', {
    minArgs: 3,
    maxArgs: 4,
    signature: 'tseries(int n, int interval_ns, int num_intervals [, string agg])',
    value: tseries,
  }),
];

function signedArg(ctx: CheckContext, c: CallExpr): boolean {
  const t = c.args[0] ? ctx.intOperand(c.args[0], `${c.name}()`) : i64;
  return t.kind === 'int' && t.signed;
}

function hist(ctx: CheckContext, c: CallExpr): MapValue {
  signedArg(ctx, c);
  const k = c.args[1] ? literal(ctx, c.args[1], 'hist() k') : 0;
  if (k !== undefined && (k < 0 || k > HIST_MAX_BITS))
    ctx.error(`hist() k must be between 0 and ${HIST_MAX_BITS} (${k} provided)`, c.args[1]!.span, [
      'k splits each power of two into 2^k buckets',
    ]);
  return { kind: 'hist', bits: k !== undefined && k >= 0 && k <= HIST_MAX_BITS ? k : 0 };
}

function lhist(ctx: CheckContext, c: CallExpr): MapValue {
  signedArg(ctx, c);
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
  // (bpftrace 0.17 and v0.26 take non-negative literals only: a negative min is no bucket they print)
  if (min < 0) fail(`lhist() min must be non-negative (provided min ${min})`);
  else if (step < 1) fail(`lhist() step must be >= 1 (${step} provided)`);
  else if (max <= min) fail(`lhist() max must be greater than min (provided min ${min} and max ${max})`);
  else if (step > max - min)
    fail(`lhist() step is too large for the given range (provided step ${step} for range ${max - min})`);
  else if (Math.floor((max - min) / step) > LHIST_MAX_BUCKETS)
    fail(`lhist() too many buckets, must be <= ${LHIST_MAX_BUCKETS} (would need ${Math.floor((max - min) / step)})`);
  return ok ? { kind: 'lhist', min, max, step } : fallback;
}

const TSERIES_USAGE = 'usage: tseries(value, interval, intervals[, "avg"|"max"|"min"|"sum"]), e.g. tseries($x, 1s, 10)';

/**
 * tseries(n, interval_ns, num_intervals[, agg]): the interval and the count must be known when compiling (a
 * literal, durations like 100ms included, or $N); agg is a string literal naming how values combine.
 */
function tseries(ctx: CheckContext, c: CallExpr): MapValue {
  const signed = signedArg(ctx, c);
  const [, intervalArg, countArg, aggArg] = c.args;
  const fallback: MapValue = { kind: 'tseries', signed, interval: 1, intervals: 1, agg: 'last' };
  const interval = intervalArg && literal(ctx, intervalArg, 'tseries() interval_ns', [TSERIES_USAGE]);
  const intervals = countArg && literal(ctx, countArg, 'tseries() num_intervals', [TSERIES_USAGE]);
  let agg: TseriesAgg = 'last';
  if (aggArg) {
    ctx.expr(aggArg);
    if (aggArg.kind !== 'string')
      ctx.error('tseries() agg must be a string literal', aggArg.span, [`one of ${quotedAggs()}`]);
    else if (!(TSERIES_AGGS as readonly string[]).includes(aggArg.value))
      ctx.error(
        `tseries() expects one of the following aggregation functions: ${TSERIES_AGGS.join(', ')} ("${aggArg.value}" provided)`,
        aggArg.span,
        ['leave agg out to keep the last value of each interval'],
      );
    else agg = aggArg.value as TseriesAgg;
  }
  if (interval === undefined || intervals === undefined) return fallback;
  let ok = true;
  if (interval < 1) {
    ctx.error(`tseries() interval_ns must be >= 1 (${interval} provided)`, intervalArg!.span, [
      'the interval is in nanoseconds; durations like 100ms or 1s read well',
    ]);
    ok = false;
  }
  if (intervals < 1 || intervals > TSERIES_MAX_INTERVALS) {
    ctx.error(
      intervals < 1
        ? `tseries() num_intervals must be >= 1 (${intervals} provided)`
        : `tseries() num_intervals must be < ${TSERIES_MAX_INTERVALS} (${intervals} provided)`,
      countArg!.span,
      ['num_intervals is how many of the latest intervals the series keeps'],
    );
    ok = false;
  }
  return ok ? { kind: 'tseries', signed, interval, intervals, agg } : fallback;
}

function quotedAggs(): string {
  return TSERIES_AGGS.map((a) => `"${a}"`).join(', ');
}

/** An integer known when the script is compiled: a literal, a negated one, or an integer $N. */
function literalValue(e: Expr, params: readonly string[] = []): bigint | undefined {
  if (e.kind === 'int') return BigInt.asIntN(64, e.value);
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int') return -e.operand.value;
  if (e.kind === 'positional' && !e.count) {
    const v = positionalValue(params, e.index);
    return typeof v === 'bigint' ? v : undefined;
  }
  return undefined;
}

function literal(ctx: CheckContext, e: Expr, what: string, hints?: string[]): number | undefined {
  ctx.expr(e);
  const v = literalValue(e, ctx.params);
  if (v === undefined) {
    ctx.error(`${what} must be an integer literal`, e.span, hints);
    return undefined;
  }
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
    ctx.error(`${what} is too large (${v})`, e.span, [
      what.startsWith('tseries') ? 'tseries() sizes must be below 2^53' : 'histogram bounds must be within ±2^53',
    ]);
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
  return (
    v.kind === 'value' ||
    v.kind === 'count' ||
    v.kind === 'sum' ||
    v.kind === 'min' ||
    v.kind === 'max' ||
    v.kind === 'avg'
  );
}
