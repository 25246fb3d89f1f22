// Functions on maps: clear, zero, delete, has_key, len, print. Whole-map arguments are not expressions
// (checking `@m` as one would record a use of @m with no keys): the hooks look at them by name and record the
// map each call acts on in the mapTargets side table, which the code generator obeys.
import type { CallExpr, Expr, MapExpr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { boolType, i64, isHistogram, stackViewOf, typeName, voidType, type Type } from '../types.ts';
import type { BuiltinRow, CallSpec } from './row.ts';
import { warning } from '../diagnostics.ts';

const mapFunction = (name: string, doc: string, spec: Omit<CallSpec, 'aggregation'>): BuiltinRow => ({
  name,
  family: 'maps',
  doc,
  function: { ...spec, aggregation: false },
});

export const mapRows: readonly BuiltinRow[] = [
  mapFunction('clear', 'removes every entry of a map', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'clear(@map)',
    actsInScry: true,
    check: wholeMapCall(voidType),
  }),
  mapFunction('zero', 'sets every value of a map to zero', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'zero(@map)',
    actsInScry: true,
    check: wholeMapCall(voidType),
  }),
  mapFunction('delete', 'removes one entry of a map; true when there was one', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'delete(@map, key) or delete(@map[key])',
    discardable: true,
    check: (ctx, c) => {
      deleteOrHasKey(ctx, c);
      return boolType; // whether there was an entry to delete (bpftrace v0.26)
    },
  }),
  mapFunction('has_key', 'whether a map has an entry for a key', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'has_key(@map, key)',
    check: (ctx, c) => {
      deleteOrHasKey(ctx, c);
      return boolType;
    },
  }),
  mapFunction('len', 'the number of entries of a map', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'len(@map)',
    check: wholeMapCall(i64),
  }),
  mapFunction('print', 'prints a map, or a value', {
    minArgs: 1,
    maxArgs: 3,
    signature: 'print(@map [, int top [, int div]]) or print(value)',
    actsInScry: true,
    check: (ctx, c) => {
      print(ctx, c);
      return voidType;
    },
  }),
];

/** `@m` with no keys: the whole map, as clear/zero/len/print take it. */
function wholeMap(e: Expr | undefined): MapExpr | undefined {
  return e?.kind === 'map' && e.keys.length === 0 ? e : undefined;
}

/**
 * The entry that delete/has_key name: `f(@m[k…])`, or `f(@m, k)` where a tuple `k` spreads over the keys of a
 * multi-key map (bpftrace's `delete(@m, (1, 2))`; a tuple variable too, element by element, as the keys of a
 * multi-key map are one tuple in bpftrace v0.26). `keyCount` is the map's number of keys when known.
 */
function keyedTarget(ctx: CheckContext, c: CallExpr, keyCount: number | undefined): MapExpr | undefined {
  const [m, k] = c.args;
  if (m?.kind !== 'map') return undefined;
  if (!k) return m;
  if (m.keys.length) return undefined;
  const spread =
    k.kind === 'tuple' && k.elements.length > 1 && (keyCount === undefined || keyCount === k.elements.length);
  return {
    kind: 'map',
    name: m.name,
    keys: spread ? k.elements : (tupleVariableKeys(ctx, k, keyCount) ?? [k]),
    bare: m.bare,
    span: { ...m.span, end: k.span.end },
  };
}

/**
 * `$t` (or `$kv.0`, a tuple inside a variable) holding a tuple of as many elements as the map has keys: its
 * elements `$t.0`, `$t.1`, … (read again for each key, which only a variable allows)
 */
function tupleVariableKeys(ctx: CheckContext, k: Expr, keyCount: number | undefined): Expr[] | undefined {
  if (!inVariable(k) || keyCount === undefined || keyCount < 2) return undefined;
  const t = ctx.expr(k);
  if (t.kind !== 'tuple' || t.elements.length !== keyCount) return undefined;
  return t.elements.map((_, i) => ({
    kind: 'field',
    base: k,
    name: String(i),
    arrow: false,
    nameSpan: k.span,
    span: k.span,
  }));
}

function inVariable(e: Expr): boolean {
  return e.kind === 'var' || (e.kind === 'field' && inVariable(e.base));
}

function wholeMapCall(result: Type): CallSpec['check'] {
  return (ctx, c) => {
    wholeMapArg(ctx, c);
    return result;
  };
}

function wholeMapArg(ctx: CheckContext, c: CallExpr): void {
  const arg = c.args[0];
  if (!arg) return;
  const m = wholeMap(arg);
  if (m) {
    const info = ctx.mapInfo(m.name);
    if (c.name === 'len' && info && isHistogram(info.value))
      ctx.error(`len() does not work on ${info.value.kind}() maps`, arg.span, [
        'each bucket of a histogram is a map entry of its own',
      ]);
    else if (c.name === 'len' && info && info.keys.length === 0)
      // worded as bpftrace v0.26 words it
      ctx.error('call to len() expects a map with explicit keys (non-scalar map)', arg.span, [
        `${m.name} is a scalar map: it always holds one value`,
      ]);
    if (c.name === 'len' && info?.value.kind === 'tseries') tseriesEntry(ctx, c, arg.span);
    ctx.mapTargets.set(c, m);
    return;
  }
  // len(kstack), len($s), len(@s[k]): a stack's frames (bpftrace v0.26 call.ustack len); a stack is a value like any other
  const t = c.name === 'len' || arg.kind !== 'map' ? ctx.expr(arg) : undefined;
  if (c.name === 'len' && t && stackViewOf(t)) return;
  if (arg.kind === 'map')
    ctx.error(`${c.name}() takes a whole map: write ${c.name}(${arg.name}), without a key`, arg.span);
  else ctx.error(`${c.name}() needs a map${c.name === 'len' ? ' or a stack' : ''}, e.g. ${c.name}(@m)`, arg.span);
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
      ctx.error(`has_key() needs a key: has_key(${m.name}, key)`, c.span, [
        'a map without keys has no entries to look for',
      ]);
      return;
    }
    if (info && info.keys.length) {
      ctx.error(`delete() of one entry of ${m.name} needs its key: delete(${m.name}, key)`, c.span, [
        `to empty the whole map, use clear(${m.name})`,
      ]);
      return;
    }
  }
  if (k && info && info.keys.length === 0) {
    // worded as bpftrace v0.26 words it
    ctx.error(`call to ${c.name}() expects a map with explicit keys (non-scalar map)`, c.span, [
      `${m.name} is a scalar map (it has no keys): ${c.name === 'delete' ? `delete(${m.name})` : `use ${m.name} itself`}`,
    ]);
    return;
  }
  const target = keyedTarget(ctx, c, info?.keys.length)!;
  ctx.mapTargets.set(c, target);
  const used = ctx.useMap(target, undefined, c.span);
  if (used.value.kind === 'tseries') return tseriesEntry(ctx, c, c.span);
  if (c.name === 'has_key' && isHistogram(used.value))
    ctx.error(`has_key() does not work on ${used.value.kind}() maps`, c.span, [
      'each bucket of a histogram is a map entry of its own',
    ]);
}

/** tseries keep one entry per interval slot (compiler/layout.ts): a probe cannot count, find or delete a key's. */
function tseriesEntry(ctx: CheckContext, c: CallExpr, span: CallExpr['span']): void {
  ctx.error(`${c.name}() does not work on tseries() maps`, span, [
    'each interval of a time series is a map entry of its own; clear() empties the whole map',
  ]);
}

function print(ctx: CheckContext, c: CallExpr): void {
  const [arg, ...rest] = c.args;
  if (!arg) return;
  const whole = wholeMap(arg);
  if (whole) {
    ctx.mapTargets.set(c, whole);
    // bpftrace v0.26's warning (it still divides the average by div, as scry does)
    if (rest.length && ctx.mapInfo(whole.name)?.value.kind === 'stats')
      ctx.report(warning("print()'s top and div arguments are ignored when used on stats() maps.", c.span));
    // top and div: how many of the largest entries, and what to divide values by (0: all, no division); literals
    // (a positional parameter is one), as bpftrace v0.26 wants them
    rest.forEach((e, i) => {
      const what = i === 0 ? 'top' : 'div';
      const t = ctx.intOperand(e, `print() ${what}`);
      const literal =
        e.kind === 'int' || e.kind === 'positional' || (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int');
      if (t.kind === 'int' && !literal)
        ctx.error(`print()'s ${what} must be an integer literal`, e.span, [
          `write the number itself, e.g. print(${arg.kind === 'map' ? arg.name : '@m'}, 10)`,
        ]);
    });
    return;
  }
  const t = ctx.expr(arg);
  rest.forEach(ctx.expr);
  if (rest.length)
    ctx.error(`print() of a value takes one argument, got ${c.args.length}`, c.span, [
      'top and div apply to whole maps: print(@m, 10)',
    ]);
  if (!printable(t))
    ctx.error(
      t.kind === 'void' ? 'print() needs a value, but this expression has none' : `cannot print ${typeName(t)}`,
      arg.span,
    );
}

function printable(t: Type): boolean {
  return t.kind === 'tuple' ? t.elements.every(printable) : t.kind !== 'void';
}
