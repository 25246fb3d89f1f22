// Type inference and the checks that need types: identifiers, calls, maps used consistently, printf formats.
import {
  assertNever,
  type AssignStmt,
  type Block,
  type CallExpr,
  type Expr,
  type MapExpr,
  type Probe,
  type Stmt,
} from '../ast.ts';
import { lookupBuiltinVar, lookupFunction, builtinFunctions, builtinVars } from '../builtins.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import { parseFormat, type FormatPiece } from '../format-string.ts';
import type { Span } from '../source.ts';
import { closest } from '../suggest.ts';
import type { CheckContext } from './context.ts';
import { aggregationReadType, aggregationValue, isAggregation, mapFunctionType } from './map-functions.ts';
import { i64, sameType, stringType, typeName, u64, voidType, mapValueName, type MapValue, type Type } from '../types.ts';

export interface MapInfo {
  readonly name: string;
  keys: Type[]; // one per key expression; [] for a scalar map
  value: MapValue;
  readonly firstUse: Span;
  /** where the value kind was fixed, for conflict messages */
  valueSpan: Span;
  keySpan: Span;
}

export interface PrintfInfo {
  readonly call: CallExpr;
  readonly format: string;
  readonly pieces: readonly FormatPiece[];
  readonly args: readonly Type[];
}

export interface InferResult {
  readonly typeOf: Map<Expr, Type>;
  readonly maps: Map<string, MapInfo>;
  readonly printfs: Map<CallExpr, PrintfInfo>;
}

export function infer(probes: readonly Probe[], diags: Diagnostic[]): InferResult {
  const typeOf = new Map<Expr, Type>();
  const maps = new Map<string, MapInfo>();
  const printfs = new Map<CallExpr, PrintfInfo>();
  let vars = new Map<string, Type>();

  const err = (msg: string, span: Span, hints?: string[]) => diags.push(error(msg, span, hints));
  const ctx: CheckContext = {
    expr: (e) => expr(e),
    intOperand: (e, what) => intOperand(e, what),
    useMap: (m, value, span) => useMap(m, value, span),
    mapInfo: (name) => maps.get(name),
    error: err,
    report: (d) => diags.push(d),
  };

  function noteMapKeys(m: MapExpr, keyTypes: Type[]): MapInfo | undefined {
    const existing = maps.get(m.name);
    if (!existing) return undefined;
    if (existing.keys.length !== keyTypes.length) {
      diags.push({
        severity: 'error',
        message: `${m.name} used with ${keyTypes.length} key${keyTypes.length === 1 ? '' : 's'} here but ${existing.keys.length} elsewhere`,
        span: m.span,
        related: [{ message: `${m.name} first used here`, span: existing.keySpan }],
      });
      return existing;
    }
    existing.keys = existing.keys.map((k, i) => {
      const merged = mergeKey(k, keyTypes[i]!);
      if (!merged) {
        diags.push({
          severity: 'error',
          message: `${m.name} key ${i + 1} has type ${typeName(keyTypes[i]!)} here but ${typeName(k)} elsewhere`,
          span: m.keys[i]!.span,
          related: [{ message: `${m.name} first used here`, span: existing.keySpan }],
        });
        return k;
      }
      return merged;
    });
    return existing;
  }

  function useMap(m: MapExpr, value: MapValue | undefined, valueSpan: Span): MapInfo {
    const keyTypes = m.keys.map((k) => keyType(expr(k), k.span));
    let info = noteMapKeys(m, keyTypes);
    if (!info) {
      info = {
        name: m.name,
        keys: keyTypes,
        value: value ?? { kind: 'value', type: i64 },
        firstUse: m.span,
        valueSpan,
        keySpan: m.span,
      };
      maps.set(m.name, info);
      return info;
    }
    if (value) {
      const merged = mergeValue(info.value, value);
      if (!merged) {
        diags.push({
          severity: 'error',
          message: `${m.name} is assigned ${mapValueName(value)} here but holds ${mapValueName(info.value)} elsewhere`,
          span: valueSpan,
          related: [{ message: `${m.name} first assigned here`, span: info.valueSpan }],
        });
      } else info.value = merged;
    }
    return info;
  }

  function keyType(t: Type, span: Span): Type {
    if (t.kind === 'void') {
      err('this expression has no value and cannot be a map key', span);
      return u64;
    }
    // Integer keys are stored as 8 bytes whatever their width, as bpftrace does.
    if (t.kind === 'int' || t.kind === 'bool') return t.kind === 'int' && t.signed ? i64 : u64;
    return t;
  }

  function expr(e: Expr): Type {
    const t = exprInner(e);
    typeOf.set(e, t);
    return t;
  }

  function intOperand(e: Expr, what: string): Type {
    const t = expr(e);
    if (t.kind !== 'int' && t.kind !== 'bool') {
      if (t.kind !== 'void') err(`${what} needs an integer, got ${typeName(t)}`, e.span);
      else err(`${what} needs a value, but this expression has none`, e.span);
    }
    return t;
  }

  function exprInner(e: Expr): Type {
    switch (e.kind) {
      case 'int':
        if (e.value > 0xffffffffffffffffn) err(`integer literal ${e.raw} does not fit in 64 bits`, e.span);
        return e.value > 0x7fffffffffffffffn ? u64 : i64;
      case 'string':
        return stringType(Buffer.byteLength(e.value) + 1);
      case 'bool':
        return { kind: 'bool' };
      case 'var': {
        const t = vars.get(e.name);
        if (!t) {
          err(`undefined variable ${e.name}`, e.span, ['assign it first: ' + e.name + ' = …']);
          return i64;
        }
        return t;
      }
      case 'positional':
        err('positional parameters are not supported yet', e.span);
        return i64;
      case 'map': {
        const info = useMap(e, undefined, e.span);
        return readType(info.value);
      }
      case 'ident': {
        const b = lookupBuiltinVar(e.name);
        if (!b) {
          const guess = closest(e.name, builtinVars.map((v) => v.name));
          err(`unknown identifier '${e.name}'`, e.span, guess ? [`did you mean '${guess}'?`] : undefined);
          return i64;
        }
        return b.type;
      }
      case 'call':
        return call(e, undefined);
      case 'binary': {
        if ((e.op === '==' || e.op === '!=') && isStringish(e.left) && isStringish(e.right)) {
          err('string comparison is not supported yet', e.opSpan);
          return u64;
        }
        const l = intOperand(e.left, `operator ${e.op}`);
        const r = intOperand(e.right, `operator ${e.op}`);
        if (['<', '<=', '>', '>=', '==', '!=', '&&', '||'].includes(e.op)) return u64;
        const signed = (l.kind === 'int' && l.signed) || (r.kind === 'int' && r.signed);
        return signed ? i64 : u64;
      }
      case 'unary': {
        if (e.op === '*' || e.op === '&') {
          err(`operator ${e.op} is not supported yet`, e.span);
          return i64;
        }
        const t = intOperand(e.operand, `operator ${e.op}`);
        if (e.op === '!') return u64;
        return e.op === '-' ? i64 : t.kind === 'int' ? { kind: 'int', bits: 64, signed: t.signed } : u64;
      }
      case 'incdec':
        return incdecTarget(e.target, e.span);
      case 'ternary': {
        intOperand(e.cond, 'a condition');
        const a = intOperand(e.then, 'the ternary operator');
        const b = intOperand(e.else, 'the ternary operator');
        return (a.kind === 'int' && a.signed) || (b.kind === 'int' && b.signed) ? i64 : u64;
      }
      case 'field':
      case 'index':
      case 'cast':
      case 'tuple':
      case 'sizeof':
      case 'offsetof':
        err(`${describe(e.kind)} is not supported yet`, e.span);
        return i64;
      default:
        return assertNever(e);
    }
  }

  function isStringish(e: Expr): boolean {
    return e.kind === 'string' || (e.kind === 'ident' && e.name === 'comm');
  }

  function incdecTarget(target: MapExpr | { kind: 'var'; name: string; span: Span }, span: Span): Type {
    if (target.kind === 'map') {
      const info = useMap(target, { kind: 'value', type: i64 }, span);
      return readType(info.value);
    }
    const t = vars.get(target.name);
    if (!t) {
      err(`undefined variable ${target.name}`, target.span);
      return i64;
    }
    if (t.kind !== 'int') err(`++/-- need an integer variable, ${target.name} is ${typeName(t)}`, span);
    return t;
  }

  function call(c: CallExpr, assignedTo: MapExpr | undefined): Type {
    const fn = lookupFunction(c.name);
    if (!fn) {
      const guess = closest(c.name, builtinFunctions.map((f) => f.name));
      err(`unknown function '${c.name}'`, c.nameSpan, guess ? [`did you mean '${guess}'?`] : undefined);
      c.args.forEach(expr);
      return i64;
    }
    if (c.args.length < fn.minArgs || c.args.length > fn.maxArgs) {
      const n = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      err(`${c.name}() takes ${n} argument${fn.maxArgs === 1 ? '' : 's'}, got ${c.args.length}`, c.span, [
        `usage: ${fn.signature}`,
      ]);
    }
    if (fn.aggregation) {
      if (assignedTo) return aggregationReadType(aggregationValue(ctx, c));
      err(`${c.name}() must be assigned directly to a map`, c.span, [`for example: @x = ${fn.signature}`]);
      c.args.forEach(expr);
      return u64; // a value, so the misuse is reported once rather than again by whatever uses it
    }
    switch (fn.name) {
      case 'exit':
        if (c.args[0]) intOperand(c.args[0], 'exit()');
        return voidType;
      case 'printf':
        printf(c);
        return voidType;
      default: {
        const t = mapFunctionType(ctx, c);
        if (!t) throw new Error(`no checker for function ${c.name}`);
        return t;
      }
    }
  }

  function printf(c: CallExpr): void {
    const [fmtArg, ...rest] = c.args;
    const args = rest.map(expr);
    if (!fmtArg) return;
    if (fmtArg.kind !== 'string') {
      err('printf() needs a string literal as its format', fmtArg.span);
      return;
    }
    const parsed = parseFormat(fmtArg.value);
    if ('error' in parsed) {
      err(parsed.error, fmtArg.span);
      return;
    }
    const specs = parsed.pieces.filter((p): p is Extract<FormatPiece, { spec: unknown }> => 'spec' in p);
    if (specs.length !== args.length) {
      err(`printf() format has ${specs.length} conversion${specs.length === 1 ? '' : 's'} but ${args.length} argument${args.length === 1 ? '' : 's'} follow`, c.span);
      return;
    }
    specs.forEach((p, i) => {
      const t = args[i]!;
      const want = p.spec.conv === 's' ? 'string' : 'int';
      const isInt = t.kind === 'int' || t.kind === 'bool';
      if ((want === 'string') !== (t.kind === 'string') || (want === 'int' && !isInt)) {
        err(`%${p.spec.conv} needs ${want === 'string' ? 'a string' : 'an integer'}, got ${typeName(t)}`, rest[i]!.span);
      }
    });
    printfs.set(c, { call: c, format: fmtArg.value, pieces: parsed.pieces, args });
  }

  function assign(s: AssignStmt): void {
    if (s.target.kind === 'map') {
      if (s.value.kind === 'call' && isAggregation(s.value)) {
        if (s.op !== '=') err(`${s.value.name}() cannot be combined with ${s.op}`, s.span);
        typeOf.set(s.value, call(s.value, s.target));
        useMap(s.target, aggregationValue(ctx, s.value), s.value.span);
        return;
      }
      const vt = expr(s.value);
      if (vt.kind === 'void') {
        err('this expression has no value to assign', s.value.span);
        return;
      }
      if (s.op !== '=' && vt.kind !== 'int' && vt.kind !== 'bool') err(`${s.op} needs an integer`, s.value.span);
      useMap(s.target, { kind: 'value', type: valueType(vt) }, s.value.span);
      return;
    }
    const vt = expr(s.value);
    if (vt.kind === 'void') {
      err('this expression has no value to assign', s.value.span);
      return;
    }
    const prev = vars.get(s.target.name);
    if (s.op !== '=') {
      if (!prev) err(`undefined variable ${s.target.name}`, s.target.span);
      return;
    }
    if (prev && !compatible(prev, valueType(vt))) {
      err(`${s.target.name} holds ${typeName(prev)}, cannot assign ${typeName(vt)}`, s.value.span);
      return;
    }
    vars.set(s.target.name, prev ?? valueType(vt));
  }

  function stmt(s: Stmt): void {
    switch (s.kind) {
      case 'expr-stmt':
        if (s.expr.kind === 'call') {
          typeOf.set(s.expr, call(s.expr, undefined));
        } else expr(s.expr);
        return;
      case 'assign':
        return assign(s);
      case 'block':
        return block(s);
      case 'if':
        intOperand(s.cond, 'a condition');
        block(s.then);
        if (s.else) stmt(s.else);
        return;
      case 'let':
      case 'unroll':
      case 'while':
      case 'for-map':
      case 'for-range':
      case 'jump':
        err(`${describe(s.kind)} is not supported yet`, s.span);
        return;
      default:
        return assertNever(s);
    }
  }

  function block(b: Block): void {
    b.statements.forEach(stmt);
  }

  for (const p of probes) {
    vars = new Map();
    if (p.predicate) intOperand(p.predicate, 'a predicate');
    block(p.body);
  }
  return { typeOf, maps, printfs };
}

/** Plain map values and variables keep 64-bit integers; strings keep their size. */
function valueType(t: Type): Type {
  if (t.kind === 'int') return t.signed ? i64 : u64;
  if (t.kind === 'bool') return u64;
  return t;
}

function readType(v: MapValue): Type {
  switch (v.kind) {
    case 'value':
      return v.type;
    case 'count':
      return u64;
    default:
      return v.signed ? i64 : u64;
  }
}

function compatible(a: Type, b: Type): boolean {
  if (a.kind === 'int' && b.kind === 'int') return true;
  if (a.kind === 'string' && b.kind === 'string') return true;
  return sameType(a, b);
}

/** Two uses of one key position: integers widen, strings take the larger size. */
function mergeKey(a: Type, b: Type): Type | undefined {
  if (a.kind === 'int' && b.kind === 'int') return a.signed || b.signed ? i64 : u64;
  if (a.kind === 'string' && b.kind === 'string') return stringType(Math.max(a.size, b.size));
  return sameType(a, b) ? a : undefined;
}

function mergeValue(a: MapValue, b: MapValue): MapValue | undefined {
  if (a.kind === 'value' && b.kind === 'value') {
    if (a.type.kind === 'int' && b.type.kind === 'int') return { kind: 'value', type: a.type.signed || b.type.signed ? i64 : u64 };
    if (a.type.kind === 'string' && b.type.kind === 'string')
      return { kind: 'value', type: stringType(Math.max(a.type.size, b.type.size)) };
    return sameType(a.type, b.type) ? a : undefined;
  }
  if (a.kind !== b.kind) return undefined;
  if (a.kind === 'count') return a;
  const signed = ('signed' in a && a.signed) || ('signed' in b && b.signed);
  return { kind: a.kind, signed } as MapValue;
}

function describe(kind: string): string {
  return (
    {
      field: 'field access',
      index: 'indexing',
      cast: 'a cast',
      tuple: 'a tuple',
      sizeof: 'sizeof',
      offsetof: 'offsetof',
      let: 'let',
      unroll: 'unroll',
      while: 'while',
      'for-map': 'for',
      'for-range': 'for',
      jump: 'break/continue/return',
    }[kind] ?? kind
  );
}
