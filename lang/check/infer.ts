// Type inference and the checks that need types: the skeleton of expressions and statements, maps used
// consistently, variables. What a builtin means is its row's business (lang/builtins/); this file only looks
// rows up by name. All state lives in one InferState (state.ts), passed to plain functions.
import {
  assertNever,
  type Probe,
  type AssignStmt,
  type BinaryExpr,
  type Block,
  type CallExpr,
  type Expr,
  type ForMapStmt,
  type IdentExpr,
  type IncDecExpr,
  type LetStmt,
  type MapExpr,
  type Stmt,
  type TypeofType,
} from '../ast.ts';
import { BUILTINS, builtinFunctions, builtinVars, aggregationReadType, readableInProbe } from '../builtins/index.ts';
import { CONTEXT_VARIABLE } from '../builtins/context.ts';
import { probeContext, type ResolvedAttach } from '../providers.ts';
import type { Span } from '../source.ts';
import { closest } from '../suggest.ts';
import { walk } from '../walk.ts';
import type { CheckContext } from './context.ts';
import { typeFromBtf } from './kernel-types.ts';
import {
  compatible,
  forMapType,
  mergeKey,
  mergeValue,
  readType,
  sameLayout,
  unify,
  valueType,
  widen,
} from './merge.ts';
import {
  argsField,
  inSpace,
  member,
  memberHint,
  probeMemory,
  typeFromName,
  typedArg,
  wholeArgs,
} from './kernel-access.ts';
import { knownValue } from './known.ts';
import { literalInt, positionalValue } from './positional.ts';
import {
  constantInt,
  foldLiteralPair,
  joinLiterals,
  literalInfo,
  literalOf,
  literalType,
  promoteInts,
} from './literals.ts';
import { err, newState, results, type InferOptions, type InferState } from './state.ts';
import { checkDeclaredAssign, lockable } from './declared.ts';
import { literalMaps, signedDivisions } from './signed-division.ts';
import { noteCommLiteral } from './comm-literal.ts';
import { dropMapAddsOfOtherValues, noteMapAdd } from './map-add.ts';
import type { InferResult, MapInfo } from './tables.ts';
import {
  commonType,
  sizeOf,
  i64,
  isPointer,
  isScalar,
  promote,
  sameType,
  boolType,
  tupleIndex,
  stringType,
  typeName,
  u64,
  voidType,
  int,
  mapValueName,
  type MapValue,
  type Type,
} from '../types.ts';
import { textByteLength } from '../byte-text.ts';
import { warning } from '../diagnostics.ts';

export type { InferOptions } from './state.ts';

export function infer(
  probes: readonly { readonly probe: Probe; readonly attach: readonly ResolvedAttach[] }[],
  options: InferOptions,
  lateMaps?: ReadonlyMap<string, MapInfo>,
): InferResult & Pick<InferState, 'recordReaders'> {
  const st = newState(options);
  st.lateMaps = lateMaps;
  st.probeNames = [...new Set(probes.flatMap((p) => p.attach.map((a) => a.text)))];
  st.iteratedMaps = iteratedMaps(probes.map((p) => p.probe));
  st.literalMaps = literalMaps(probes.map((p) => p.probe));
  const diagsBefore = options.diags.length;
  for (const { probe: p, attach: a } of probes) {
    st.vars = new Map();
    st.attach = a;
    const modules = [...new Set(a.map((x) => probeContext(x).btfModule).filter((m) => m !== undefined))];
    if (modules.length > 1)
      err(
        st,
        `this probe attaches to functions of several modules (${modules.join(', ')}), whose types differ`,
        p.span,
        ['split it: one block per module'],
      );
    st.btf = modules[0] !== undefined ? (st.kernel.moduleBtf(modules[0]) ?? st.kernel.btf()) : st.kernel.btf();
    if (p.predicate) intOperand(st, p.predicate, 'a predicate');
    st.unsettled = new Map();
    st.declared = new Map();
    st.literalVars = new Map();
    for (const name of st.clocks.keys()) if (name.startsWith('$')) st.clocks.delete(name);
    block(st, p.body);
    // `let $x;` never assigned: an integer that stays 0
    for (const [name, how] of st.unsettled) if (how === 'type' && !st.vars.has(name)) st.vars.set(name, i64);
    settleLiteralVariables(st);
    settleVariableUses(st, p);
    settleComparisons(st, p);
    signedDivisions(st, p);
    st.varTypes.set(p, st.vars);
  }
  for (const info of st.maps.values()) {
    if (info.written) continue;
    const others = [...st.maps.values()].filter((m) => m.written).map((m) => m.name);
    const guess = closest(info.name, others);
    const hints = [
      guess
        ? `did you mean ${guess}?`
        : `assign it somewhere first, e.g. ${info.name}${info.keys.length ? '[…]' : ''} = 0`,
    ];
    // only read, it reads 0 (bpftrace v0.26 accepts `@never == 123`); given whole to print(), clear(), a loop…,
    // there is no map (v0.26: "Undefined map")
    const whole =
      [...st.mapTargets.values()].some((m) => m.name === info.name) ||
      [...st.forMaps.keys()].some((f) => f.map.name === info.name);
    if (whole) err(st, `${info.name} is used but never assigned a value`, info.firstUse, hints);
    else st.diags.push(warning(`${info.name} is read but never assigned a value: it reads as 0`, info.firstUse, hints));
  }
  // A loop over a map the program first uses later (bpftrace v0.26 allows it): check again knowing its types.
  const late = [...st.lateLoopMaps].filter((n) => st.maps.get(n)?.written);
  if (!lateMaps && late.length && late.length === st.lateLoopMaps.size) {
    options.diags.length = diagsBefore; // the second run reports everything again
    return infer(probes, options, new Map(late.map((n) => [n, st.maps.get(n)!])));
  }
  // A loop copies entries laid out as the map was at the loop; later uses must not widen it.
  for (const { stmt, kv } of st.forMapLayouts) {
    const info = st.maps.get(stmt.map.name)!;
    if (!sameLayout(forMapType(info), kv))
      err(st, `${stmt.map.name} is used with wider keys or values after this loop`, stmt.map.span, [
        'use the map with its final types (its longest strings, say) before the loop',
      ]);
  }
  dropMapAddsOfOtherValues(st);
  return { ...results(st), recordReaders: st.recordReaders };
}

/**
 * A tuple variable's slot has its final type (it grows to hold every value assigned to it); every read of it
 * reads that slot, so it has that type too (`$a = ("hi", 1); print($a); $a = ("longer", 2);` prints the
 * first value through the wider layout).
 */
function settleVariableUses(st: InferState, p: Probe): void {
  walk(p.body, (n) => {
    // &$v hands out a pointer to what $v held then: its slot must not have grown since
    const x = n as Expr;
    if (x.kind !== 'unary' || x.op !== '&' || x.operand.kind !== 'var') return;
    const seen = st.typeOf.get(x.operand);
    const final = st.vars.get(x.operand.name);
    if (!seen || !final || sameType(seen, final)) return;
    if (seen.kind === 'int' && final.kind === 'int' && final.bits <= seen.bits) return; // slots are 8 bytes
    err(
      st,
      `${x.operand.name} is ${typeName(final)} after later assignments, wider than the ${typeName(seen)} this address points to`,
      x.span,
      [`assign ${x.operand.name} its widest value (or cast it) before taking its address`],
    );
  });
  walk(p.body, (n) => {
    if ((n as Expr).kind === 'sizeof') {
      // sizeof($x) of a variable whose type settled after it was read: `$x = 1` is int8
      const written = (n as Extract<Expr, { kind: 'sizeof' }>).arg;
      const arg = written.kind === 'typeof' ? written.arg : written; // sizeof(typeof($x)) is sizeof($x)
      const final = arg.kind === 'var' ? st.vars.get(arg.name) : undefined;
      if (final) st.constants.set(n as Expr, BigInt(sizeOf(final)));
      return;
    }
    if ((n as Expr).kind !== 'var') return;
    const use = n as Extract<Expr, { kind: 'var' }>;
    const seen = st.typeOf.get(use);
    const final = st.vars.get(use.name);
    // (a string read is a prefix of its slot, right as it is; a tuple's elements move when one grows)
    if (seen?.kind === 'tuple' && final?.kind === 'tuple' && !sameType(seen, final)) st.typeOf.set(use, final);
    // an integer slot holds the variable's final type (it widened after this read, or settled to a literal's)
    if (seen?.kind === 'int' && final?.kind === 'int' && !isPointer(final) && !sameType(seen, final))
      st.typeOf.set(use, final);
  });
  // A for-map body runs again after it assigned an outer string: its reads see the slot's widest value.
  for (const [loop, info] of st.forMaps) {
    if (!p.body.statements.some((s) => s === loop || contains(s, loop))) continue;
    walk(loop.body, (n) => {
      if ((n as Expr).kind !== 'var' || info.locals.has((n as Extract<Expr, { kind: 'var' }>).name)) return;
      const use = n as Extract<Expr, { kind: 'var' }>;
      const final = st.vars.get(use.name);
      if (st.typeOf.get(use)?.kind === 'string' && final?.kind === 'string') st.typeOf.set(use, final);
    });
  }
}

function contains(root: Stmt, target: Stmt): boolean {
  let found = false;
  walk(root, (n) => {
    if (n === target) found = true;
  });
  return found;
}

/** What a builtin's hook may ask of the checker (see CheckContext), over this state. */
function contextOf(st: InferState): CheckContext {
  return {
    expr: (e) => expr(st, e),
    intOperand: (e, what) => intOperand(st, e, what),
    useMap: (m, value, span) => useMap(st, m, value, span),
    mapInfo: (name) => st.maps.get(name),
    error: (message, span, hints) => err(st, message, span, hints),
    report: (d) => st.diags.push(d),
    attach: () => st.attach,
    btf: () => st.btf,
    params: st.params,
    namedParams: st.namedParams,
    typeOf: st.typeOf,
    kernel: st.kernel,
    config: st.config,
    unsafe: st.unsafe,
    hasChild: st.hasChild,
    unreachable: () => st.deadDepth > 0,
    constants: st.constants,
    constBytes: st.constBytes,
    mapTargets: st.mapTargets,
    registers: st.registers,
    positionals: st.positionals,
    printfs: st.printfs,
    printedAs: (e, t) => {
      const asKey = e.kind === 'ident' ? BUILTINS.get(e.name)?.variable?.asKey : undefined;
      return asKey ? asKey(t, st.probeNames) : t;
    },
    timestampClock: (e) => timestampClock(st, e),
  };
}

/** The clock a builtin's timestamp is of (its row says: nsecs(tai)), or that of the variable or map holding one */
function timestampClock(st: InferState, e: Expr): string | undefined {
  if (e.kind === 'ident' || e.kind === 'call') return BUILTINS.get(e.name)?.timestampClock?.(e);
  if (e.kind === 'var' || e.kind === 'map') return st.clocks.get(e.name);
  return undefined;
}

/**
 * `@[(1, "a")]` is `@[1, "a"]` (bpftrace v0.26): a map keyed by one tuple has the tuple's elements as its keys,
 * laid out the same way (compiler/layout.ts), so the tuple's bytes are the key as they are.
 */
function spreadTupleKey(keyTypes: Type[]): Type[] {
  const [only] = keyTypes;
  if (keyTypes.length !== 1 || only?.kind !== 'tuple' || only.names || only.elements.length < 2) return keyTypes;
  return only.elements.map((e) => (e.kind === 'int' && !e.space && !e.view ? (e.signed ? i64 : u64) : e));
}

function noteMapKeys(
  st: InferState,
  m: MapExpr,
  keyTypes: Type[],
  shown: Type[],
  flexible: boolean[],
): MapInfo | undefined {
  const existing = st.maps.get(m.name);
  if (!existing) return undefined;
  if (existing.keys.length !== keyTypes.length) {
    st.diags.push({
      severity: 'error',
      message: `${m.name} used with ${keyTypes.length} key${keyTypes.length === 1 ? '' : 's'} here but ${existing.keys.length} elsewhere`,
      span: m.span,
      related: [{ message: `${m.name} first used here`, span: existing.keySpan }],
    });
    return existing;
  }
  const merged = existing.keys.map((k, i) => mergeKey(k, keyTypes[i]!));
  const bad = merged.findIndex((k) => k === undefined);
  if (bad >= 0) {
    // bpftrace v0.26's words, then which key differs
    const expected = existing.shownKeys ?? existing.keys;
    st.diags.push({
      severity: 'error',
      message: `Argument mismatch for ${m.name}: trying to access with arguments: '${keyList(shown)}' when map expects arguments: '${keyList(expected)}'`,
      span: (m.keys[bad] ?? m.keys[0]!).span,
      hints:
        keyTypes.length > 1
          ? [`key ${bad + 1} is ${typeName(shown[bad]!)} here but ${typeName(expected[bad]!)} elsewhere`]
          : undefined,
      related: [{ message: `${m.name} first used here`, span: existing.keySpan }],
    });
    return existing;
  }
  existing.keys = merged as Type[];
  if (existing.shownKeys) {
    const was = existing.flexibleKeys ?? [];
    existing.shownKeys = existing.shownKeys.map((k, i) => {
      const now = shown[i]!;
      return plainInt(k) && plainInt(now)
        ? promoteInts(k, now, { a: was[i] === true, b: flexible[i] === true })
        : (merged[i] as Type);
    });
    existing.flexibleKeys = existing.shownKeys.map((_, i) => was[i] === true && flexible[i] === true);
    // an integer key is stored in 8 bytes, signed as v0.26 promotes the keys written there: `@d[1]` then
    // `@d[(uint64)x]` is a uint64 key (the literal takes its sign), not an int64 one
    existing.keys = existing.keys.map((k, i) => storedAs(k, existing.shownKeys![i]!));
  }
  return existing;
}

/** An integer that is only a number: no view (symbol, errno…), not a pointer. */
function plainInt(t: Type): t is Extract<Type, { kind: 'int' }> {
  return t.kind === 'int' && !t.view && !t.space;
}

/** An 8-byte stored integer signed as the type bpftrace v0.26 gives the key or value (MapInfo.shownKeys, shownValue). */
function storedAs(stored: Type, shown: Type): Type {
  if (!plainInt(stored) || !plainInt(shown) || stored.bits !== 64) return stored;
  return shown.signed === stored.signed ? stored : shown.signed ? i64 : u64;
}

/** Keys as bpftrace v0.26 lists them: `int8`, or `(int8,string[3])` for several. */
function keyList(keys: readonly Type[]): string {
  return keys.length === 1 ? typeName(keys[0]!) : `(${keys.map(typeName).join(',')})`;
}

/** The keys of one use as v0.26 names them: literals at their own width, a tuple key spread like the keys. */
function shownKeys(st: InferState, keys: readonly Expr[]): Type[] {
  const types = keys.map((k) => literalType(k) ?? st.typeOf.get(k) ?? i64);
  const [only] = types;
  if (types.length === 1 && only?.kind === 'tuple' && !only.names && only.elements.length >= 2)
    return [...only.elements];
  return types;
}

function useMap(
  st: InferState,
  m: MapExpr,
  value: MapValue | undefined,
  valueSpan: Span,
  shownValue?: MapInfo['shownValue'],
): MapInfo {
  const keyTypes = spreadTupleKey(m.keys.map((k) => probeKey(st, m, k, keyType(st, expr(st, k), k.span))));
  if (m.keys.length && keyTypes.every((t) => sizeOf(t) === 0))
    err(st, `a key of no bytes (${keyTypes.map(typeName).join(', ')}) cannot index a map`, m.keys[0]!.span, [
      'use a key with at least one element',
    ]);
  const shown = shownKeys(st, m.keys);
  const flexible = shown.length === m.keys.length ? m.keys.map((k) => literalInfo(k)?.flexible === true) : [];
  let info = noteMapKeys(st, m, keyTypes, shown, flexible);
  // a write where the kernel may not refill its allocation caches during a run (tables.ts MapInfo)
  const insertsOutsideTask = value !== undefined && !st.attach.every((a) => probeContext(a).taskContext);
  if (info && insertsOutsideTask) info.insertsOutsideTask = true;
  const insertsInLoop = value !== undefined && st.loopDepth > 0;
  if (info && insertsInLoop) info.insertsInLoop = true;
  if (!info) {
    info = {
      name: m.name,
      keys: keyTypes,
      shownKeys: shown,
      flexibleKeys: flexible,
      // until an assignment gives it one, the value type is the one the whole program gives the map (known on
      // inference's second run), or a stand-in no assignment has to match
      value: value ?? st.lateMaps?.get(m.name)?.value ?? { kind: 'value', type: i64 },
      firstUse: m.span,
      valueSpan,
      keySpan: m.span,
      shownValue,
      written: value !== undefined,
      ...(insertsOutsideTask ? { insertsOutsideTask: true } : {}),
      ...(insertsInLoop ? { insertsInLoop: true } : {}),
    };
    st.maps.set(m.name, info);
    if (value) return info;
  }
  if (!value) {
    // read (or looked up) before its first assignment: what the assignments store is known once all are seen
    if (!info.written && !st.lateMaps) st.lateLoopMaps.add(m.name);
    return info;
  }
  if (!info.written) {
    // only assignments type a map's values (bpftrace v0.26): has_key, delete and reads before them do not
    info.written = true;
    info.value = value;
    info.valueSpan = valueSpan;
    info.shownValue = shownValue;
    return info;
  }
  info.shownValue =
    info.shownValue && shownValue
      ? {
          type: promoteInts(info.shownValue.type, shownValue.type, {
            a: info.shownValue.flexible,
            b: shownValue.flexible,
          }),
          flexible: info.shownValue.flexible && shownValue.flexible,
        }
      : undefined;
  const unified = mergeValue(info.value, value);
  // an integer value is stored signed as v0.26 promotes the values assigned (`@a = 1; @a = nsecs` is a uint64)
  const merged =
    unified?.kind === 'value' && info.shownValue
      ? { ...unified, type: storedAs(unified.type, info.shownValue.type) }
      : unified;
  if (!merged) {
    st.diags.push({
      severity: 'error',
      message: `${m.name} is assigned ${mapValueName(value)} here but holds ${mapValueName(info.value)} elsewhere`,
      span: valueSpan,
      related: [{ message: `${m.name} first assigned here`, span: info.valueSpan }],
    });
  } else info.value = merged;
  return info;
}

/**
 * A builtin's own key type (VariableSpec.asKey: `@[probe]` keys by the attach point's index, an IntView of the attach point names,
 * which user space prints as the name); a map also keyed by a string there (merge.ts mergeKey) or walked by a
 * for loop keeps the builtin's plain type.
 */
function probeKey(st: InferState, m: MapExpr, k: Expr, t: Type): Type {
  const asKey = k.kind === 'ident' ? BUILTINS.get(k.name)?.variable?.asKey : undefined;
  return asKey && !st.iteratedMaps.has(m.name) ? asKey(t, st.probeNames) : t;
}

/** The maps some `for ($kv : @m)` walks. */
function iteratedMaps(roots: readonly Probe[]): Set<string> {
  const names = new Set<string>();
  for (const r of roots) walk(r, (n) => void (n.kind === 'for-map' && names.add(n.map.name)));
  return names;
}

function keyType(st: InferState, t: Type, span: Span): Type {
  if (t.kind === 'void') {
    err(st, 'this expression has no value and cannot be a map key', span);
    return u64;
  }
  if (t.kind === 'int' && t.view) return valueType(t); // a symbol, errno, … printed as text
  // Integer keys are stored as 8 bytes whatever their width, as bpftrace does.
  if (isPointer(t)) return t; // printed as an address
  if (t.kind === 'int') return t.signed ? i64 : u64;
  return t; // a bool stays one: @a[true] prints true (bpftrace v0.26)
}

function expr(st: InferState, e: Expr): Type {
  const t = exprInner(st, e);
  st.typeOf.set(e, t);
  return t;
}

function intOperand(st: InferState, e: Expr, what: string): Type {
  return requireInt(st, expr(st, e), e, what);
}

function requireInt(st: InferState, t: Type, e: Expr, what: string): Type {
  if (t.kind !== 'int' && t.kind !== 'bool') {
    if (t.kind !== 'void') err(st, `${what} needs an integer, got ${typeName(t)}`, e.span);
    else err(st, `${what} needs a value, but this expression has none`, e.span);
  }
  return t;
}

function binaryType(st: InferState, e: BinaryExpr, lt: Type, rt: Type): Type {
  const folded = foldBinary(st, e);
  if (e.op !== '&&' && e.op !== '||') {
    if (lt.kind === 'string' || rt.kind === 'string') {
      // strings are equal or not; only two literals order (bpftrace v0.26 folds those, and refuses the rest)
      const ordering = ['<', '<=', '>', '>='].includes(e.op);
      const literals = e.left.kind === 'string' && e.right.kind === 'string';
      if (lt.kind === 'string' && rt.kind === 'string' && ordering && !literals) {
        err(st, `the ${e.op} operator does not apply to strings (${typeName(lt)}, ${typeName(rt)})`, e.opSpan, [
          'strings compare with == and !=; strncmp(a, b, n) compares the first n characters',
        ]);
        return boolType;
      }
      if (lt.kind === 'string' && rt.kind === 'string' && (ordering || e.op === '==' || e.op === '!=')) {
        noteCommLiteral(st, e);
        return boolType;
      }
      const comparison = ['<', '<=', '>', '>=', '==', '!='].includes(e.op);
      err(
        st,
        lt.kind === rt.kind
          ? `operator ${e.op} does not apply to strings`
          : comparison
            ? `cannot compare ${typeName(lt)} with ${typeName(rt)}`
            : `operator ${e.op} needs integers, got ${typeName(lt)} and ${typeName(rt)}`,
        e.opSpan,
        lt.kind === rt.kind ? ['strings compare with == and !='] : undefined,
      );
      return u64;
    }
  }
  // tuples compare element by element (bpftrace v0.26): both are written as the type that holds either, then
  // compared byte for byte (strings are NUL-padded, so a shorter one compares as itself)
  if ((e.op === '==' || e.op === '!=') && (lt.kind === 'tuple' || rt.kind === 'tuple')) {
    const both = lt.kind === 'tuple' && rt.kind === 'tuple' ? unify(lt, rt) : undefined;
    if (!both)
      err(st, `cannot compare ${typeName(lt)} with ${typeName(rt)}`, e.opSpan, [
        'tuples compare (== and !=) with tuples of as many elements of matching types',
      ]);
    else st.operandTypes.set(e, [both, both]);
    return boolType;
  }
  // buffers compare by length and bytes (bpftrace v0.26 variable.buf_equality), as the type that holds both
  if ((e.op === '==' || e.op === '!=') && lt.kind === 'buffer' && rt.kind === 'buffer' && !lt.view && !rt.view) {
    const both: Type = { kind: 'buffer', size: Math.max(lt.size, rt.size) };
    st.operandTypes.set(e, [both, both]);
    return boolType;
  }
  // arrays (and structs) of one type compare byte for byte, as bpftrace v0.26 compares them
  if ((e.op === '==' || e.op === '!=') && (comparableBytes(st, lt) || comparableBytes(st, rt))) {
    if (!sameType(lt, rt))
      err(st, `cannot compare ${typeName(lt)} with ${typeName(rt)}`, e.opSpan, [
        'arrays and structs compare (== and !=) only with values of the same type',
      ]);
    return boolType;
  }
  const l = requireInt(st, lt, e.left, `operator ${e.op}`);
  const r = requireInt(st, rt, e.right, `operator ${e.op}`);
  if (e.op !== '&&' && e.op !== '||') st.operandTypes.set(e, conversions(st, e.op, l, r, e.right, e.left));
  if ((isPointer(l) || isPointer(r)) && e.op !== '&&' && e.op !== '||' && !COMPARISONS.has(e.op))
    return pointerArithmetic(st, e, e.op, l, r, e.opSpan);
  // comparisons and && || are bools, as bpftrace v0.26 types them; so are & | ^ of two bools (still 0 or 1)
  if (COMPARISONS.has(e.op) || e.op === '&&' || e.op === '||') return boolType;
  if (l.kind === 'bool' && r.kind === 'bool' && (e.op === '&' || e.op === '|' || e.op === '^')) return boolType;
  // folded literals are a literal (v0.26), unsigned past INT64_MAX: 1 << 63 is 9223372036854775808
  if (folded !== undefined) return folded > I64_MAX ? u64 : i64;
  return arithmeticType(st, e.op, l, r, e.right, e.left);
}

/** An integer literal's value, a positional parameter's given as a number, or an operator's on them (folded). */
function foldedValue(st: InferState, e: Expr): bigint | undefined {
  if (e.kind === 'int') return e.enumId === undefined ? e.value : undefined;
  if (e.kind === 'positional') {
    const v = st.positionals.get(e);
    return typeof v === 'bigint' ? v : undefined;
  }
  return st.folded.get(e);
}

/**
 * An operator on two literals is folded when compiling, as bpftrace v0.26 folds it; where v0.26 refuses (an
 * overflow, a division by 0, a shift by 64 or more), so does scry, rather than compute a wrapped number.
 */
function foldBinary(st: InferState, e: BinaryExpr): bigint | undefined {
  const l = foldedValue(st, e.left);
  const r = foldedValue(st, e.right);
  if (l === undefined || r === undefined) return undefined;
  const v = foldLiteralPair(e.op, l, r);
  if (v === undefined) err(st, 'unable to fold literals due to overflow or underflow', e.span);
  // a comparison folds to a bool, no integer literal: (1 > 0) * 5 is bool * 5 (unsigned) there
  else if (!COMPARISONS.has(e.op) && e.op !== '&&' && e.op !== '||') {
    st.folded.set(e, v);
    st.constants.set(e, v); // the program computes the folded value, not the operator: -16 >> 2 is -4 here only
  } else return undefined;
  return v;
}

/** `-x` and `~x` of a literal, folded as v0.26 folds them: the negation of one past 2^63 is refused. */
function foldUnary(st: InferState, e: Extract<Expr, { kind: 'unary' }>): bigint | undefined {
  const v = foldedValue(st, e.operand);
  if (v === undefined || e.op === '!') return undefined; // !x is a bool (see foldBinary)
  if (e.op === '-' && v > I64_MAX + 1n) {
    err(st, 'negative value will underflow', e.span);
    return undefined;
  }
  const folded = e.op === '-' ? -v : BigInt.asUintN(64, ~v);
  st.folded.set(e, folded);
  return folded;
}

/**
 * The result of an integer operator: 64 bits wide, as bpftrace (0.17 and v0.26) computes every operator, so
 * `(uint32)a * (uint32)b` and `(uint16)x << 20` do not wrap at 32 bits as C's promotion would. Signed as v0.26
 * has it: when either operand is (a non-negative literal, or what holds only those, takes the other side's sign:
 * signFlexible), and `-` always
 * (`(uint64)1 - (uint64)2` is -1); a shift keeps its left operand's sign.
 */
function arithmeticType(st: InferState, op: string, l: Type, r: Type, right: Expr, left?: Expr): Type {
  const signed = (t: Type) => t.kind === 'int' && t.signed;
  if (op === '<<' || op === '>>') return int(64, signed(l));
  const lFlexible = left !== undefined && signFlexible(st, left);
  const rFlexible = signFlexible(st, right);
  const lSigned = lFlexible && !rFlexible ? signed(r) : signed(l);
  const rSigned = rFlexible && !lFlexible ? signed(l) : signed(r);
  return int(64, op === '-' || lSigned || rSigned);
}

/**
 * `&$v`: the address of a variable's slot on the BPF stack, a kernel pointer to the variable's type (as in
 * bpftrace v0.26, which also takes `&` of variables only, and of maps). Reading through it copies from the stack.
 */
function addressOf(st: InferState, operand: Expr, span: Span): Type {
  const t = expr(st, operand);
  if (operand.kind !== 'var') {
    err(st, 'operator & takes the address of a variable only', span, [
      'store the value in a variable first: $v = …; $p = &$v',
    ]);
    return i64;
  }
  if (t.kind === 'record')
    return { kind: 'int', bits: 64, signed: false, space: 'kernel', pointee: t.btf, pointeeName: t.name };
  // (a tuple is read back in scry's own slot layout, the one its variable is stored in)
  if (t.kind === 'int' || t.kind === 'string' || t.kind === 'tuple')
    return { kind: 'int', bits: 64, signed: false, space: 'kernel', pointeeInt: t };
  if (t.kind === 'bool') return { kind: 'int', bits: 64, signed: false, space: 'kernel', pointeeInt: int(8, false) };
  err(st, `scry cannot take the address of ${typeName(t)} yet`, span, [
    'take the address of an integer, string, tuple or struct variable',
  ]);
  return i64;
}

/**
 * (int8[8])12345, (int8[])"hello", (bool[2])(uint16)1: the bytes of an integer or string seen as an array of
 * integers; the sizes must agree (an empty length takes the source's). As bpftrace v0.26 casts.
 */
function arrayCast(st: InferState, e: Expr, target: Extract<Type, { kind: 'array' }>, from: Type): Type {
  const elem = sizeOf(target.elem);
  const bytes = from.kind === 'int' ? from.bits / 8 : from.kind === 'bool' ? 1 : from.kind === 'string' ? from.size : 0;
  if (!bytes) {
    err(st, `cannot cast ${typeName(from)} to an array`, e.span, ['integers and strings cast to integer arrays']);
    return target;
  }
  const count = target.count || bytes / elem;
  if (!Number.isInteger(count) || count * elem !== bytes) {
    const shown = target.count
      ? `${typeName(target)} (${count * elem} bytes)`
      : typeName(target).replace(/\[0\]$/, '[]');
    err(st, `cannot cast ${typeName(from)} (${bytes} bytes) to ${shown}`, e.span, [
      Number.isInteger(bytes / elem)
        ? `the sizes must match: (${typeName(target.elem)}[${bytes / elem}]) fits`
        : `the sizes must match: ${bytes} bytes are not a whole number of ${typeName(target.elem)}`,
    ]);
    return { ...target, count: Math.max(1, Math.floor(count)) };
  }
  return { ...target, count };
}

/** The bytes of a value an integer cast may reinterpret: integer arrays, byte buffers, kernel arrays. */
function bytesOf(st: InferState, t: Type): number | undefined {
  if (t.kind === 'array') return sizeOf(t);
  if (t.kind === 'buffer') return t.size;
  if (t.kind === 'record' && st.btf?.kind(t.btf) === 'array') return t.size;
  return undefined;
}

/**
 * (bool)x: whether an integer, pointer, bool or castable map (count, sum, …) is not zero, or a string is not
 * empty, as bpftrace v0.26 casts to bool.
 */
function boolCast(st: InferState, e: Extract<Expr, { kind: 'cast' }>, from: Type): Type {
  if (!isScalar(from) && from.kind !== 'string')
    err(st, `cannot cast ${typeName(from)} to bool`, e.span, [
      'integers, pointers and strings cast to bool: (bool)n is true when n is not 0, (bool)s when s is not empty',
    ]);
  return boolType;
}

/** Values == and != compare as bytes: integer arrays, kernel arrays and structs. */
function comparableBytes(st: InferState, t: Type): boolean {
  return t.kind === 'array' || (t.kind === 'record' && st.btf !== undefined && t.size > 0);
}

/** `a[5]` on an array of 4: refused when the index is a constant, as bpftrace v0.26 does. */
function outOfBounds(st: InferState, e: Extract<Expr, { kind: 'index' }>, count: number): void {
  const i = e.index.kind === 'int' ? e.index.value : undefined;
  if (i !== undefined && i >= BigInt(count))
    err(st, `the index ${i} is out of bounds for array of size ${count}`, e.index.span, [
      `valid indexes are 0 to ${count - 1}`,
    ]);
}

/** `$t[1 + 1]`: a tuple element by a constant index (bpftrace v0.26), recorded for the code generator. */
function tupleElementAt(
  st: InferState,
  e: Extract<Expr, { kind: 'index' }>,
  t: Extract<Type, { kind: 'tuple' }>,
): Type {
  const i = constantInt(e.index);
  if (i === undefined) {
    err(st, 'a tuple is indexed by a constant', e.index.span, ['use a number: $t[1], or $t.1']);
    return i64;
  }
  if (i < 0n || i >= BigInt(t.elements.length)) {
    err(st, `tuple index ${i} is out of range: this tuple has ${t.elements.length} elements`, e.index.span);
    return i64;
  }
  st.constants.set(e.index, i);
  st.tupleElements.set(e, Number(i));
  return t.elements[Number(i)]!;
}

/** The bound a computed index is checked against at run time (a constant one was checked above). */
function bound(e: Extract<Expr, { kind: 'index' }>, count: number): { bound?: number } {
  return e.index.kind === 'int' ? {} : { bound: count };
}

const COMPARISONS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '==', '!=']);

/**
 * `p + n`, `n + p`, `p - n` (and `p += n`, `p -= n`): a pointer moved by n elements, as in C and bpftrace;
 * the step (the pointee's size) is recorded under `key` for the code generator. Any other arithmetic on a
 * pointer is refused, as bpftrace does, rather than computed on the address.
 */
function pointerArithmetic(st: InferState, key: Expr, op: string, l: Type, r: Type, span: Span): Type {
  const ptr = isPointer(l) ? l : r;
  const refuse = (message: string, hint: string): Type => {
    err(st, message, span, [hint]);
    return u64;
  };
  if (isPointer(l) && isPointer(r))
    return refuse(
      `operator ${op} cannot be used on two pointers (${typeName(l)} and ${typeName(r)})`,
      `cast them to integers to work on the addresses: (uint64)a ${op} (uint64)b`,
    );
  if (op !== '+' && op !== '-')
    return refuse(
      `operator ${op} cannot be used on a pointer (${typeName(ptr)}): pointers only add and subtract integers`,
      `cast it to an integer to work on the address: (uint64)p ${op} …`,
    );
  if (op === '-' && !isPointer(l))
    return refuse(
      `an integer minus a pointer (${typeName(r)}) has no meaning`,
      'put the pointer on the left (p - n), or cast it to an integer: n - (uint64)p',
    );
  const size = pointeeSize(st, ptr);
  if (size === undefined)
    return refuse(
      `cannot move ${typeName(ptr)} by elements: the size of what it points to is unknown`,
      `cast it to a pointer to a sized type, or to an integer to add bytes: (uint64)p ${op} n`,
    );
  if (size !== 1) st.pointerSteps.set(key, { size, integer: isPointer(l) ? 'right' : 'left' });
  return ptr;
}

/** Bytes of one element of a pointer's target; 1 for untyped (void) pointers, as C compilers do. */
function pointeeSize(st: InferState, p: Type): number | undefined {
  if (p.kind !== 'int') return undefined;
  if (p.pointeeInt) return sizeOf(p.pointeeInt);
  if (p.pointee === undefined) return 1;
  if (!st.btf) return undefined;
  const target = st.btf.resolve(p.pointee);
  if (target === 0) return 1;
  const size = st.btf.sizeOf(target);
  return size ? size : undefined;
}

/** The largest int64: integer literals above it are uint64 (bpftrace v0.26). */
const I64_MAX = 0x7fffffffffffffffn;

function exprInner(st: InferState, e: Expr): Type {
  switch (e.kind) {
    case 'int':
      if (e.value > 0xffffffffffffffffn) err(st, `integer literal ${e.raw} does not fit in 64 bits`, e.span);
      // an enumerator keeps its enum, so `@x = ONE` prints ONE (bpftrace v0.26)
      if (e.enumId !== undefined && st.btf)
        return {
          kind: 'int',
          bits: 64,
          signed: true,
          view: { kind: 'enum', btf: e.enumId, name: st.btf.typeName(e.enumId) },
        };
      // past INT64_MAX a literal is unsigned (bpftrace v0.26: 18446744073709551615 prints so; 0.17 printed -1)
      return e.value > I64_MAX ? u64 : i64;
    case 'string':
      return stringType(textByteLength(e.value) + 1);
    case 'bool':
      return { kind: 'bool' };
    case 'var': {
      const t = st.vars.get(e.name) ?? declaredOnly(st, e.name);
      if (!t) {
        err(st, `undefined variable ${e.name}`, e.span, ['assign it first: ' + e.name + ' = …']);
        return i64;
      }
      return t;
    }
    case 'positional': {
      // $N stands for its argument as a literal: an integer when it reads as one, else a string.
      if (e.count) {
        st.positionals.set(e, BigInt(st.params.length));
        return i64;
      }
      if (e.index < 1 || e.index >= 2 ** 63) {
        // (bpftrace 0.17 and v0.26 refuse $0 and a number past int64 when parsing)
        err(st, 'the positional parameter is out of integer range [1, 9223372036854775807]', e.span, [
          '$1 is the first argument after the program; $# is how many there are',
        ]);
        return i64;
      }
      const v = positionalValue(st.params, e.index);
      st.positionals.set(e, v);
      return typeof v === 'bigint' ? i64 : stringType(textByteLength(v) + 1);
    }
    case 'map': {
      const info = useMap(st, e, undefined, e.span);
      if (!readableInProbe(info.value)) {
        // stats and histograms live per CPU (and per bucket) and are put together only in user space
        err(st, `${e.name} holds ${mapValueName(info.value)}, which cannot be read in an expression`, e.span, [
          `print(${e.name}) shows it; keep a plain counter (${e.name}_n++) if a probe needs the number`,
        ]);
      }
      return readType(info.value);
    }
    case 'ident':
      return ident(st, e);
    case 'call':
      return call(st, e, undefined);
    case 'binary': {
      // a left-nested chain (a + b + c …, a || b || …) is typed in a loop, so its length costs no JS stack
      const chain: BinaryExpr[] = [];
      let l: Expr = e;
      for (; l.kind === 'binary'; l = l.left) chain.push(l);
      let t = expr(st, l);
      for (let i = chain.length - 1; i >= 0; i--) {
        const b = chain[i]!;
        t = binaryType(st, b, t, expr(st, b.right));
        if (i > 0) st.typeOf.set(b, t);
      }
      return t;
    }
    case 'unary': {
      if (e.op === '&') return addressOf(st, e.operand, e.span);
      if (e.op === '*') {
        const ot = expr(st, e.operand);
        if (ot.kind !== 'int') {
          err(
            st,
            `cannot dereference ${typeName(ot)}`,
            e.span,
            ot.kind === 'string' ? ['a string is already its characters: use it as it is'] : undefined,
          );
          return i64;
        }
        if (e.op === '*' && ot.kind === 'int' && ot.pointee !== undefined && st.btf) {
          const target = st.btf.resolve(ot.pointee);
          if (target === 0 || st.btf.kind(target) === 'func_proto') {
            err(st, `cannot dereference ${typeName(ot)}`, e.span, [
              'cast it to a pointer to a type first: *(int64 *)p',
            ]);
            return i64;
          }
          st.memory.set(e, { via: 'pointer', offset: 0, space: ot.space ?? 'kernel' });
          return typeFromBtf(st.btf, ot.pointee, ot.space ?? 'kernel');
        }
        if (e.op === '*' && ot.kind === 'int' && ot.space && ot.pointeeInt) {
          st.memory.set(e, { via: 'pointer', offset: 0, space: ot.space });
          return ot.pointeeInt;
        }
        // a plain integer is read as a uint64 at that address, in its address space or else the probe's
        // (bpftrace v0.26; loads.bt reads *kaddr("avenrun"))
        st.memory.set(e, { via: 'pointer', offset: 0, space: ot.space ?? probeMemory(st) });
        return u64;
      }
      const t = intOperand(st, e.operand, `operator ${e.op}`);
      const folded = foldUnary(st, e);
      if (e.op === '!') return boolType; // as bpftrace v0.26: !x is a bool
      if (t.kind === 'bool')
        err(st, `operator ${e.op} does not apply to bool`, e.span, [
          `cast it to an integer first: ${e.op}(int64)x, or use !x to negate a bool`,
        ]);
      // ~ of a literal is a literal (bpftrace v0.26 folds it): ~10 is 18446744073709551605, unsigned
      if (folded !== undefined) return folded > I64_MAX ? u64 : i64;
      // -x and ~x compute at x's own width (it wraps there) and widen by its sign, as v0.26 types and computes
      // them: ~(uint8)255 is 0, -(uint8)1 is 255, -(int8)-128 is -128
      return t.kind === 'int' ? int(64, t.signed) : promote(t);
    }
    case 'incdec':
      return incdec(st, e);
    case 'ternary': {
      intOperand(st, e.cond, 'a condition');
      const a = expr(st, e.then);
      const b = expr(st, e.else);
      if (a.kind === 'string' && b.kind === 'string') return stringType(Math.max(a.size, b.size));
      // `c ? printf(…) : printf(…)` as a statement: no value either way (bpftrace v0.26)
      if (a.kind === 'void' && b.kind === 'void') return voidType;
      const both =
        (a.kind === 'buffer' && b.kind === 'buffer') || (a.kind === 'tuple' && b.kind === 'tuple')
          ? unify(a, b)
          : undefined;
      if (both) return both;
      if (!isScalar(a) || !isScalar(b)) {
        err(
          st,
          `the branches of ?: must both be integers, strings, buffers or tuples of one shape, got ${typeName(a)} and ${typeName(b)}`,
          e.span,
        );
        return i64;
      }
      // cond ? ONE : TWO is still the enum; cond ? p : 0 still the pointer
      return sameType(a, b) || isPointer(a) ? a : isPointer(b) ? b : promotedAs(st, a, b, e.else, e.then);
    }
    case 'cast': {
      const target = e.type.kind === 'typeof' ? typeofType(st, e.type) : typeFromName(st, e.type);
      const from = expr(st, e.expr);
      if (!target) return i64;
      if (target.kind === 'int' && target.view?.kind === 'enum') enumLiteralCast(st, e, target.view);
      if (target.kind === 'array') return arrayCast(st, e, target, from);
      if (target.kind === 'bool') return boolCast(st, e, from);
      if (target.kind === 'int' && !isScalar(from) && bytesOf(st, from) === target.bits / 8) return target; // (uint32)pton(…)
      // a char or uint8_t array read from memory (a string here) gives its bytes too: (int32)s.bytes
      if (target.kind === 'int' && from.kind === 'string' && st.memory.has(e.expr) && from.size === target.bits / 8)
        return target;
      if (target.kind === 'int' && !isScalar(from)) {
        const bytes = bytesOf(st, from);
        const fits = ([8, 16, 32, 64] as const).find((b) => b / 8 === bytes);
        err(
          st,
          `cannot cast ${typeName(from)} to ${typeName(target)}`,
          e.span,
          bytes === undefined
            ? [
                from.kind === 'string'
                  ? `a string is text, not a number; only a char array read from memory of exactly ${target.bits / 8} bytes casts to ${typeName(target)}`
                  : 'casts to integers take integers, integer arrays and byte buffers',
              ]
            : [
                fits
                  ? `an integer cast reads all ${bytes} bytes: (uint${fits}) fits`
                  : `an integer cast reads all the bytes, and ${bytes} bytes are no integer: index the elements instead`,
              ],
        );
        return target;
      }
      if (target.kind !== 'int') {
        err(st, `casts to ${typeName(target)} are not supported`, e.type.span, [
          'cast to an integer type: (uint32)x, or to a pointer: (struct file *)p',
        ]);
        return target;
      }
      // A pointer keeps the address space it came from; an integer becomes a pointer into the memory the probe
      // sees (user memory in uprobes and usdt, as bpftrace v0.26 decides). uptr()/kptr() say otherwise.
      if (target.space) return inSpace(target, isPointer(from) ? from.space : probeMemory(st));
      return target;
    }
    case 'field': {
      if (e.base.kind === 'ident' && e.base.name === 'args') return argsField(st, e);
      // iterators name their context `ctx` in bpftrace: ctx->task
      if (
        e.base.kind === 'ident' &&
        e.base.name === CONTEXT_VARIABLE &&
        st.attach.length &&
        st.attach.every((a) => probeContext(a).ctxArgs)
      )
        return typedArg(st, e);
      const bt = expr(st, e.base);
      if (bt.kind === 'tuple') {
        const i = tupleIndex(bt, e.name);
        const el = bt.elements[i];
        if (!el) {
          if (bt.names && !/^\d+$/.test(e.name))
            err(st, `this record has no field ${e.name}`, e.nameSpan, [`its fields are ${bt.names.join(', ')}`]);
          else
            err(
              st,
              `tuple index ${e.name} is out of range: this tuple has ${bt.elements.length} elements (0 to ${bt.elements.length - 1})`,
              e.nameSpan,
            );
          return i64;
        }
        st.tupleElements.set(e, i);
        return el;
      }
      // `.` and `->` mean the same, as in bpftrace v0.26: `.` on a pointer reads through it (curtask.parent.pid)
      if (bt.kind === 'int' && bt.pointee !== undefined && st.btf)
        return member(st, e, bt.pointee, 'pointer', bt.space ?? 'kernel');
      if (bt.kind === 'record' && st.btf) return member(st, e, bt.btf, 'record', bt.space);
      if (bt.kind === 'int' && bt.space)
        err(st, `scry does not know what this pointer points to, so it has no field ${e.name}`, e.span, [
          st.btf
            ? `cast it to its type first: ((struct sock *)p)->${e.name}`
            : 'this kernel has no BTF (/sys/kernel/btf/vmlinux), which typed pointers need',
        ]);
      else
        err(st, `${typeName(bt)} has no fields`, e.span, [
          'field access works on args, tuples ($t.0) and kernel structs (p->field)',
        ]);
      return i64;
    }
    case 'tuple': {
      const elements = e.elements.map((x) => {
        const t = expr(st, x);
        if (t.kind === 'void') err(st, 'this expression has no value to put in a tuple', x.span);
        return literalType(x) ?? t; // (3, "a") is (int8, string[2]) in bpftrace v0.26
      });
      return e.names ? { kind: 'tuple', elements, names: e.names } : { kind: 'tuple', elements };
    }
    case 'sizeof': {
      const t = operandType(st, e.arg);
      if (t) st.constants.set(e, BigInt(sizeOf(t)));
      return u64;
    }
    case 'offsetof': {
      const t = operandType(st, e.type);
      if (!t) return u64;
      if (t.kind !== 'record' || !st.btf) {
        err(st, `offsetof needs a struct or union, got ${typeName(t)}`, e.span);
        return u64;
      }
      let id = t.btf;
      let offset = 0;
      for (const name of e.field) {
        const hit = st.btf.findMember(id, name);
        if (!hit) {
          err(st, `${st.btf.typeName(id)} has no field ${name}`, e.span, memberHint(st, id, name));
          return u64;
        }
        offset += hit.offset;
        id = hit.member.type;
      }
      st.constants.set(e, BigInt(offset));
      return u64;
    }
    case 'index': {
      const bt = expr(st, e.base);
      intOperand(st, e.index, 'an index');
      if (bt.kind === 'tuple') return tupleElementAt(st, e, bt);
      if (bt.kind === 'int' && bt.pointee !== undefined && st.btf) {
        const stride = st.btf.sizeOf(bt.pointee);
        if (!stride) {
          err(st, `cannot index ${typeName(bt)}: its target has no size`, e.span);
          return i64;
        }
        st.memory.set(e, { via: 'pointer', offset: 0, stride, space: bt.space ?? 'kernel' });
        return typeFromBtf(st.btf, bt.pointee, bt.space ?? 'kernel');
      }
      if (bt.kind === 'int' && bt.space && bt.pointeeInt) {
        st.memory.set(e, { via: 'pointer', offset: 0, stride: sizeOf(bt.pointeeInt), space: bt.space });
        return bt.pointeeInt;
      }
      if (bt.kind === 'array') {
        outOfBounds(st, e, bt.count);
        st.memory.set(e, { via: 'record', offset: 0, stride: sizeOf(bt.elem), space: 'kernel', ...bound(e, bt.count) });
        return bt.elem;
      }
      if (bt.kind === 'string') {
        // a string's bytes, as bpftrace v0.26 indexes them: int8 (read from its copy, or where it lies in memory)
        outOfBounds(st, e, bt.size);
        const space = st.memory.get(e.base)?.space ?? 'kernel';
        st.memory.set(e, { via: 'record', offset: 0, stride: 1, space, ...bound(e, bt.size) });
        return int(8, true);
      }
      if (bt.kind === 'record' && st.btf && st.btf.kind(bt.btf) === 'array') {
        const arr = st.btf.type(bt.btf);
        if (arr.kind === 'array') {
          // a flexible array member (int y[0]) has no bound to check
          if (arr.count > 0) outOfBounds(st, e, arr.count);
          st.memory.set(e, {
            via: 'record',
            offset: 0,
            stride: st.btf.sizeOf(arr.elem) ?? 0,
            space: bt.space,
            ...(arr.count > 0 ? bound(e, arr.count) : {}),
          });
          return typeFromBtf(st.btf, arr.elem, bt.space);
        }
      }
      err(
        st,
        `cannot index ${typeName(bt)}`,
        e.span,
        bt.kind === 'int' && bt.space ? ['cast it to a typed pointer first: ((int32 *)p)[2]'] : undefined,
      );
      return i64;
    }
    case 'block-expr':
      e.statements.forEach((s) => stmt(st, s));
      return expr(st, e.value);
    default:
      return assertNever(e);
  }
}

/** `x++`, `--x`: integers step by one, pointers by one element (see pointerArithmetic). */
function incdec(st: InferState, e: IncDecExpr): Type {
  const target = e.target;
  if (target.kind === 'map') {
    const held = st.maps.get(target.name)?.value;
    const ptr = held?.kind === 'value' && isPointer(held.type) ? held.type : undefined;
    if (ptr) pointerArithmetic(st, e, e.op[0]!, ptr, i64, e.span);
    const info = useMap(st, target, { kind: 'value', type: ptr ?? i64 }, e.span);
    return readType(info.value);
  }
  const t = st.vars.get(target.name) ?? declaredOnly(st, target.name);
  st.literalVars.delete(target.name);
  if (!t) {
    err(st, `undefined variable ${target.name}`, target.span);
    return i64;
  }
  if (t.kind !== 'int') err(st, `++/-- need an integer variable, ${target.name} is ${typeName(t)}`, e.span);
  else if (isPointer(t)) pointerArithmetic(st, e, e.op[0]!, t, i64, e.span);
  else if (!st.declared.has(target.name)) {
    // as `$x = $x + 1` (v0.26): the variable widens to 64 bits, so (uint8)255 + 1 is 256; `--` makes it signed
    const stepped = widen(t, int(64, t.signed || e.op === '--'));
    st.vars.set(target.name, stepped);
    return stepped;
  }
  return t;
}

/** A builtin variable: its row says its type, where it means something, and how it reads in this probe. */
function ident(st: InferState, e: IdentExpr): Type {
  if (e.name === 'args') return wholeArgs(st, e);
  const row = BUILTINS.get(e.name);
  const b = row?.variable;
  if (!b) {
    if (row?.function) {
      err(st, `unknown identifier '${e.name}'`, e.span, [`${e.name} is a function: call it as ${e.name}(…)`]);
      return i64;
    }
    if (/^sarg\d+$/.test(e.name)) {
      // bpftrace removed the stack-argument builtins: say so in its words, as v0.26 does
      err(st, `${e.name} is deleted. This was deprecated in v0.21 and was last available in v0.24.`, e.span, [
        'Use *(reg("sp") + <stack_offset>) instead.',
      ]);
      return i64;
    }
    const guess = closest(
      e.name,
      builtinVars.map((v) => v.name),
    );
    err(st, `unknown identifier '${e.name}'`, e.span, guess ? [`did you mean '${guess}'?`] : undefined);
    return i64;
  }
  const wrong = b.only ? st.attach.filter((a) => !b.only!.includes(a.provider)) : [];
  if (wrong.length) {
    err(st, `${e.name} is not available in ${wrong[0]!.provider} probes`, e.span, [
      `${e.name} (${row.doc}) exists only in ${listWords(b.only!)} probes`,
    ]);
    return b.type;
  }
  return b.check ? b.check(contextOf(st), e, b.type) : b.type;
}

/** A builtin function: the generic checks (known, argument count, aggregations assigned to a map), then its row's hook. */
function call(st: InferState, c: CallExpr, assignedTo: MapExpr | undefined): Type {
  const row = BUILTINS.get(c.name);
  const fn = row?.function;
  if (!fn) {
    if (row?.variable) {
      err(st, `unknown function '${c.name}'`, c.nameSpan, [
        `${c.name} is a builtin variable: write it without parentheses`,
      ]);
      c.args.forEach((a) => expr(st, a));
      return row.variable.type;
    }
    const guess = closest(
      c.name,
      builtinFunctions.map((f) => f.name),
    );
    err(
      st,
      `unknown function '${c.name}'`,
      c.nameSpan,
      c.name === 'typeof'
        ? [
            'typeof(…) names a type, not a value: use it in a cast (typeof($x))v, sizeof(typeof(…)) or let $y: typeof(…)',
          ]
        : guess
          ? [`did you mean '${guess}'?`]
          : undefined,
    );
    c.args.forEach((a) => expr(st, a));
    return i64;
  }
  if (c.args.length < fn.minArgs || c.args.length > fn.maxArgs)
    err(st, arityMessage(c.name, fn.minArgs, fn.maxArgs, c.args.length), c.span, [`usage: ${fn.signature}`]);
  if (!fn.aggregation && fn.actsInScry) {
    const pinned = st.attach.map((a) => probeContext(a).pinnedTo).find((p) => p !== undefined);
    if (pinned !== undefined)
      err(st, `${c.name}() means nothing in a pinned iterator: scry has exited when ${pinned} is read`, c.nameSpan, [
        'printf() writes into what the reader of the file reads; maps keep their values',
      ]);
  }
  if (!fn.aggregation) return fn.check(contextOf(st), c);
  if (assignedTo) return aggregationReadType(aggregateValue(st, c));
  err(st, `${c.name}() must be assigned directly to a map`, c.span, [`for example: @x = ${fn.signature}`]);
  c.args.forEach((a) => expr(st, a));
  return u64; // a value, so the misuse is reported once rather than again by whatever uses it
}

/** What an aggregation call puts in its map; asked for twice (the call's type, the map), checked once. */
function aggregateValue(st: InferState, c: CallExpr): MapValue {
  let v = st.aggregates.get(c);
  if (!v) {
    const fn = BUILTINS.get(c.name)?.function;
    if (!fn?.aggregation) throw new Error(`${c.name} is not an aggregation`);
    st.aggregates.set(c, (v = fn.value(contextOf(st), c)));
  }
  return v;
}

/**
 * A variable `let $x;` declared and nothing assigned yet: read (`$x`, `$x++`, `$x += 1`) it is an integer 0
 * (bpftrace v0.26), settled so from here on. Undefined for any other.
 */
function declaredOnly(st: InferState, name: string): Type | undefined {
  if (st.unsettled.get(name) !== 'type') return undefined;
  st.unsettled.delete(name);
  st.vars.set(name, i64);
  return i64;
}

function assign(st: InferState, s: AssignStmt): void {
  if (s.op === '=') st.clocks.set(s.target.name, timestampClock(st, s.value));
  if (s.target.kind === 'map') {
    // `@m = { let $a = 100; avg($a) }`: the block's statements run, its aggregation goes to the map (v0.26)
    let value = s.value;
    const blocks: Expr[] = [];
    while (value.kind === 'block-expr' && endsInAggregation(value)) {
      blocks.push(value);
      value.statements.forEach((x) => stmt(st, x));
      value = value.value;
    }
    if (value.kind === 'call' && BUILTINS.get(value.name)?.function?.aggregation) {
      if (s.op !== '=') err(st, `${value.name}() cannot be combined with ${s.op}`, s.span);
      const t = call(st, value, s.target);
      st.typeOf.set(value, t);
      blocks.forEach((b) => st.typeOf.set(b, t));
      useMap(st, s.target, aggregateValue(st, value), value.span);
      return;
    }
    const vt = expr(st, s.value);
    if (vt.kind === 'void') {
      err(st, 'this expression has no value to assign', s.value.span);
      return;
    }
    // an aggregation is made by its call, not copied from another map (bpftrace v0.26 refuses `@x = @y` too)
    const from = s.value.kind === 'map' ? s.value : undefined;
    const source = from && st.maps.get(from.name)?.value;
    if (s.op === '=' && from && source && source.kind !== 'value' && readableInProbe(source)) {
      err(
        st,
        `${from.name} holds ${mapValueName(source)}, which cannot be assigned from one map to another`,
        from.span,
        [
          `call the function itself (${s.target.name} = ${source.kind}(…)), or cast the value: ${s.target.name} = (int64)${from.name}${from.keys.length ? '[…]' : ''}`,
        ],
      );
      return;
    }
    if (s.op !== '=' && vt.kind !== 'int' && vt.kind !== 'bool') err(st, `${s.op} needs an integer`, s.value.span);
    const held = st.maps.get(s.target.name)?.value;
    if (s.op !== '=' && held?.kind === 'value' && isPointer(held.type)) {
      // @p += n moves the pointer the map holds; the map keeps holding that pointer
      const moved = pointerArithmetic(st, s.value, s.op.slice(0, -1), held.type, vt, s.span);
      useMap(st, s.target, { kind: 'value', type: moved }, s.value.span);
      return;
    }
    // BPF maps refuse values of no bytes (EINVAL at creation)
    if (sizeOf(vt) === 0)
      err(st, `${typeName(vt)} holds no bytes, so a map cannot store it`, s.value.span, [
        'store a value with at least one element',
      ]);
    useMap(st, s.target, { kind: 'value', type: valueType(vt) }, s.value.span, assignedInt(s, vt));
    noteMapAdd(st, s);
    return;
  }
  const vt = expr(st, s.value);
  if (vt.kind === 'void') {
    err(st, 'this expression has no value to assign', s.value.span);
    return;
  }
  if (s.op !== '=') {
    const prev = st.vars.get(s.target.name) ?? declaredOnly(st, s.target.name);
    st.literalVars.delete(s.target.name);
    if (!prev) err(st, `undefined variable ${s.target.name}`, s.target.span);
    else if (prev.kind !== 'int' || (vt.kind !== 'int' && vt.kind !== 'bool'))
      err(st, `${s.op} needs integers`, s.span);
    else {
      const op = s.op.slice(0, -1);
      st.operandTypes.set(s.value, conversions(st, op, prev, vt, s.value));
      if (isPointer(prev) || isPointer(vt)) pointerArithmetic(st, s.value, op, prev, vt, s.span);
      // `$x op= v` is `$x = $x op v` (v0.26): the variable widens to hold the 64-bit result, unless declared
      else if (!st.declared.has(s.target.name))
        st.vars.set(s.target.name, widen(prev, arithmeticType(st, op, prev, vt, s.value)));
    }
    return;
  }
  declare(st, s.target.name, vt, s.value.span, s.value);
}

/** The integer a map is assigned as v0.26 types it (MapInfo.shownValue): `x op= v` is a 64-bit result there. */
function assignedInt(s: AssignStmt, vt: Type): MapInfo['shownValue'] {
  if (vt.kind !== 'int' || vt.view || vt.space) return undefined;
  if (s.op !== '=') return { type: valueType(vt) as typeof vt, flexible: false };
  return literalInfo(s.value) ?? { type: vt, flexible: false };
}

/** A block expression whose value is (a block expression ending in) an aggregation call. */
function endsInAggregation(e: Expr): boolean {
  if (e.kind === 'block-expr') return endsInAggregation(e.value);
  return e.kind === 'call' && BUILTINS.get(e.name)?.function?.aggregation !== undefined;
}

function stmt(st: InferState, s: Stmt): void {
  switch (s.kind) {
    case 'expr-stmt': {
      const before = st.diags.length;
      const t = s.expr.kind === 'call' ? call(st, s.expr, undefined) : expr(st, s.expr);
      st.typeOf.set(s.expr, t);
      const refused = st.diags.slice(before).some((d) => d.severity === 'error');
      if (t.kind !== 'void' && !s.dropped && !refused && !st.deadDepth && discarded(s.expr))
        st.diags.push(warning('Return value discarded.', s.expr.span, ['assign it to _ if that is meant: _ = …']));
      return;
    }
    case 'assign':
      return assign(st, s);
    case 'block':
      return block(st, s);
    case 'if': {
      intOperand(st, s.cond, 'a condition');
      // a condition known when compiling leaves one branch unreachable (fail() there is no error: v0.26)
      const known = knownValue(s.cond, st.constants, st.positionals);
      const branch = (dead: boolean, check: () => void) => {
        if (dead) st.deadDepth++;
        try {
          check();
        } finally {
          if (dead) st.deadDepth--;
        }
      };
      branch(known === 0n, () => block(st, s.then));
      const otherwise = s.else;
      if (otherwise) branch(known !== undefined && known !== 0n, () => stmt(st, otherwise));
      return;
    }
    case 'let':
      return letStmt(st, s);
    case 'unroll': {
      if (s.count.kind === 'positional') expr(st, s.count); // records what $N stands for, for codegen
      const n = literalInt(s.count, st.params);
      // bpftrace v0.26's words for the bounds
      if (n === undefined) err(st, 'unroll needs an integer literal count (or a positional parameter)', s.count.span);
      else if (n < 1n) err(st, `unroll minimum value is 1, got ${n}`, s.count.span);
      else if (n > 100n) err(st, `unroll maximum value is 100, got ${n}`, s.count.span, ['use a while loop for more']);
      return loopBody(st, s.body);
    }
    case 'while':
      // bpftrace v0.26 warns on every while loop
      st.diags.push({
        severity: 'warning',
        message: 'While loops are deprecated and may be removed in the future.',
        span: s.span,
        hints: [
          'For loops support ranges (e.g. `for ($x : $start..$end) { ... }`), and can be used in place of while. These are more easily proven to be bounded by the verifier.',
        ],
      });
      intOperand(st, s.cond, 'a while condition');
      return loopBody(st, s.body);
    case 'for-range': {
      const from = intOperand(st, s.from, 'a range');
      const to = intOperand(st, s.to, 'a range');
      declare(
        st,
        s.variable,
        (from.kind === 'int' && from.signed) || (to.kind === 'int' && to.signed) ? i64 : u64,
        s.span,
      );
      return loopBody(st, s.body);
    }
    case 'for-map':
      return forMap(st, s);
    case 'jump':
      if (s.jump !== 'return' && st.loopDepth === 0) err(st, `${s.jump} outside of a loop`, s.span);
      if (s.value) returnValue(st, s, s.value);
      return;
    default:
      return assertNever(s);
  }
}

/**
 * `return X;`: X becomes the probe program's return value (bpftrace v0.26), so it is an integer, and only a
 * probe's own body can give one (break/continue take none; a loop's body runs as a callback whose return
 * value the loop consumes).
 */
function returnValue(st: InferState, s: Extract<Stmt, { kind: 'jump' }>, value: Expr): void {
  if (s.jump !== 'return') {
    err(st, `${s.jump} takes no value`, value.span, [`write ${s.jump}; alone`]);
    return;
  }
  const t = expr(st, value);
  if (t.kind !== 'int' && t.kind !== 'bool')
    err(st, `Probe return values can only be integers. Found ${typeName(t)}`, value.span);
  else if (st.loopDepth > 0)
    err(st, 'return with a value inside a loop is not supported', s.span, [
      'set a variable in the loop, break, and return it after the loop',
    ]);
}

function loopBody(st: InferState, b: Block): void {
  st.loopDepth++;
  block(st, b);
  st.loopDepth--;
}

/**
 * for ($kv : @m) { … }: $kv is (key, value). The body becomes a callback of bpf_for_each_map_elem: it reads
 * and assigns the variables from outside (through the loop's context), and what it declares stays inside.
 */
function forMap(st: InferState, s: ForMapStmt): void {
  const name = s.map.name;
  const seen = st.maps.get(name);
  const info = (seen?.written ? seen : undefined) ?? st.lateMaps?.get(name);
  let kv: Type = { kind: 'tuple', elements: [i64, i64] };
  if (!info) {
    st.lateLoopMaps.add(name);
    err(st, `${name} is never assigned a value`, s.map.span, [`assign to ${name} somewhere, e.g. ${name}[1] = 0`]);
  } else if (info.keys.length === 0) {
    err(st, `${name} has no keys: for loops iterate over maps with keys`, s.map.span, [`read it directly: ${name}`]);
  } else if (!readableInProbe(info.value)) {
    err(st, `cannot iterate over ${name}: it holds ${mapValueName(info.value)} values`, s.map.span, [
      'for loops work on maps of plain values and on count(), sum(), min(), max() and avg() maps',
    ]);
  } else {
    kv = forMapType(info);
    st.forMapLayouts.push({ stmt: s, kv });
  }
  const saved = st.vars;
  // `let $x;` before the loop and first assigned inside it: the loop assigns the outer $x (bpftrace v0.26)
  const declaredOutside = new Set([...st.unsettled].filter(([, how]) => how === 'type').map(([n]) => n));
  st.vars = new Map(saved);
  st.vars.set(s.variable, kv);
  try {
    loopBody(st, s.body);
    // The body may assign the outer variables (they reach it by address): what it widened them to holds outside too.
    for (const [n, t] of st.vars) if (saved.has(n) || declaredOutside.has(n)) saved.set(n, t);
    const locals = new Map([...st.vars].filter(([n]) => !saved.has(n)));
    st.forMaps.set(s, { kvType: kv, locals, outer: outerReads(s, locals) });
  } finally {
    st.vars = saved;
  }
}

/**
 * Gives a variable a type the first time it is assigned; later assignments must fit it, and integers promote
 * (bpftrace v0.26: `$x = (int8)1; $x = 1000` is int16), strings and tuples grow to fit.
 */
function declare(st: InferState, name: string, t: Type, span: Span, value?: Expr): void {
  const held = st.declared.get(name);
  if (held) {
    // `let $x: T`: the variable keeps T; what is assigned is converted to it (declared.ts)
    st.literalVars.delete(name);
    checkDeclaredAssign(st, name, held, t, value, span);
    return;
  }
  const prev = st.vars.get(name);
  const unsettled = st.unsettled.get(name);
  st.unsettled.delete(name);
  const lit = value && literalInfo(value);
  const was = st.literalVars.get(name);
  if (lit && (!prev || was)) st.literalVars.set(name, was ? joinLiterals(was, lit) : lit);
  else st.literalVars.delete(name);
  if (unsettled === 'space' && prev && isPointer(prev) && isPointer(t) && compatible(prev, t)) {
    st.vars.set(name, inSpace(prev, t.space));
    return;
  }
  if (prev && !compatible(prev, t)) err(st, `${name} holds ${typeName(prev)}, cannot assign ${typeName(t)}`, span);
  else if (prev)
    st.vars.set(
      name,
      widen(was?.type ?? prev, lit?.type ?? t, { a: was?.flexible ?? false, b: lit?.flexible ?? false }),
    );
  else st.vars.set(name, t);
}

/** A call with too few or too many arguments, in bpftrace v0.26's words (pre_type_check.cpp check_nargs/varargs) */
function arityMessage(name: string, min: number, max: number, given: number): string {
  const args = (k: number) => (k === 0 ? 'no arguments' : k === 1 ? 'one argument' : `${k} arguments`);
  const what =
    min === max
      ? `requires ${args(min)}`
      : given < min
        ? `requires at least ${args(min)}`
        : max === 0
          ? 'requires no arguments'
          : `takes up to ${args(max)}`;
  return `${name}() ${what} (${given} provided)`;
}

/**
 * An expression statement whose value is computed for nothing (bpftrace v0.26 warns; `_ = e` says it is meant):
 * not `x++`, not a call made for what it does (delete's bool), not the last value of a macro used as a statement
 */
function discarded(e: Expr): boolean {
  if (e.kind === 'incdec' || e.span.expandedFrom) return false;
  const f = e.kind === 'call' ? BUILTINS.get(e.name)?.function : undefined;
  return !(f && !f.aggregation && f.discardable);
}

/** `(enum E)3` of a literal no enumerator of E has (bpftrace v0.26 refuses it; a computed value it cannot know) */
function enumLiteralCast(
  st: InferState,
  e: Extract<Expr, { kind: 'cast' }>,
  view: { btf: number; name?: string },
): void {
  const lit = e.expr;
  if (lit.kind !== 'int' || lit.enumId !== undefined || !st.btf) return;
  const t = st.btf.type(st.btf.resolve(view.btf));
  if (t?.kind !== 'enum' || t.values.some((v) => v.value === lit.value)) return;
  const name = (view.name ?? st.btf.typeName(view.btf)).replace(/^enum /, '');
  err(st, `Enum: ${name} doesn't contain a variant value of ${lit.value}`, e.span, [
    `its values: ${t.values.map((v) => `${v.name} = ${v.value}`).join(', ')}`,
  ]);
}

/** Variables assigned only literals take the type v0.26 gives them (see literals.ts); reads settle to it. */
function settleLiteralVariables(st: InferState): void {
  for (const [name, { type }] of st.literalVars) {
    const held = st.vars.get(name);
    if (held?.kind === 'int' && !held.view && !held.space) st.vars.set(name, type);
  }
}

/** What sizeof/offsetof measure: a written type, typeof(…), or an expression's type (never evaluated). */
function operandType(st: InferState, a: Extract<Expr, { kind: 'sizeof' }>['arg']): Type | undefined {
  if (a.kind === 'type-name') return typeFromName(st, a);
  if (a.kind === 'typeof') return typeofType(st, a);
  const t = expr(st, a);
  // a literal, or literals folded, is its smallest type (bpftrace v0.26: sizeof(1) is 1, sizeof(300) and
  // sizeof(100 + 200) 2)
  const folded = st.folded.get(a);
  return literalInfo(a)?.type ?? (folded !== undefined ? literalOf(folded).type : t);
}

/** `typeof(T)` is T; `typeof(expr)` the expression's type (typeOfExpr) */
function typeofType(st: InferState, t: TypeofType): Type | undefined {
  return t.arg.kind === 'type-name' ? typeFromName(st, t.arg) : (typeOfExpr(st, t.arg) ?? i64);
}

/**
 * The type `typeof(e)` names (bpftrace v0.26): the expression is typed, never evaluated. A variable's type is its
 * own (`$x = (uint8)1` is uint8; one assigned only literals the literals' so far). `typeof(@m)` is the key type
 * of a map with keys (a tuple of several) and the value type of one without; a map's types are those the whole
 * program gives it, so a map first used later is typed again once inference has seen all of it. Undefined for a
 * `let $x;` not assigned yet: typeof does not read it (which would make it an integer), so nothing is known.
 */
function typeOfExpr(st: InferState, e: Expr): Type | undefined {
  if (e.kind === 'var' && !st.vars.has(e.name) && st.unsettled.get(e.name) === 'type') return undefined;
  if (e.kind === 'map' && e.keys.length === 0 && !e.bare) {
    const final = st.lateMaps?.get(e.name);
    const info = final ?? st.maps.get(e.name);
    if (!final) st.lateLoopMaps.add(e.name);
    if (!info) {
      err(st, `${e.name} is never assigned a value`, e.span, [`assign to ${e.name} somewhere, e.g. ${e.name}[1] = 0`]);
      return i64;
    }
    if (info.keys.length === 0) return info.shownValue?.type ?? readType(info.value);
    const keys = info.shownKeys ?? info.keys;
    return keys.length === 1 ? keys[0]! : { kind: 'tuple', elements: [...keys] };
  }
  const t = expr(st, e);
  if (e.kind === 'map' && e.keys.length) {
    // @m[k]: the value as the whole program assigns it, known on inference's second run
    if (!st.lateMaps) st.lateLoopMaps.add(e.name);
    const shown = (st.lateMaps?.get(e.name) ?? st.maps.get(e.name))?.shownValue;
    if (shown) return shown.type;
  }
  const own = literalType(e); // typeof(1) is int8, as the literal is
  if (own) return own;
  const lit = e.kind === 'var' ? st.literalVars.get(e.name) : undefined;
  if (lit && t.kind === 'int' && !t.view && !t.space) return lit.type;
  return t.kind === 'int' && t.view ? valueType(t) : t;
}

function letStmt(st: InferState, s: LetStmt): void {
  if (s.value) st.clocks.set(s.name, timestampClock(st, s.value));
  // typeof(expr) only types its expression: the code generator never evaluates it
  let declared = s.type ? typeFromName(st, s.type) : s.typeOf ? typeOfExpr(st, s.typeOf) : undefined;
  const vt = s.value ? expr(st, s.value) : undefined;
  if (!declared && !vt) {
    if (!st.vars.has(s.name)) st.unsettled.set(s.name, 'type');
    return;
  }
  // a declared pointer points where the value assigned to it does; without one, into the probe's memory (a cast's rule)
  const settleSpace = declared !== undefined && isPointer(declared) && s.type !== undefined && !vt;
  if (declared && isPointer(declared) && s.type)
    declared = inSpace(declared, vt && isPointer(vt) ? vt.space : probeMemory(st));
  if (vt?.kind === 'void') {
    err(st, 'this expression has no value to assign', s.value!.span);
    return;
  }
  if (declared && vt && !compatible(declared, vt)) {
    err(st, `${s.name} is declared ${typeName(declared)}, cannot assign ${typeName(vt)}`, s.value!.span);
    return;
  }
  // a declared type is kept (bpftrace v0.26); typeof() of a variable a later assignment settles is not known yet
  const keeps =
    declared !== undefined && lockable(declared) && !(s.typeOf?.kind === 'var' && st.unsettled.has(s.typeOf.name))
      ? declared
      : undefined;
  if (keeps && vt) checkDeclaredAssign(st, s.name, keeps, vt, s.value, s.value!.span);
  st.declared.delete(s.name);
  declare(st, s.name, declared ?? vt ?? i64, s.span, declared ? undefined : s.value);
  if (keeps) st.declared.set(s.name, keeps);
  if (settleSpace) st.unsettled.set(s.name, 'space');
}

function block(st: InferState, b: Block): void {
  b.statements.forEach((s) => stmt(st, s));
}

/**
 * What the operands of an integer operator convert to: a comparison's to the type v0.26 promotes both to
 * (promotedAs); any other operator's to its 64-bit result (see arithmeticType), a shift's right operand to 64
 * bits of its own sign.
 */
function conversions(st: InferState, op: string, l: Type, r: Type, right: Expr, left?: Expr): readonly [Type, Type] {
  if (op === '<<' || op === '>>')
    return [arithmeticType(st, op, l, r, right, left), int(64, r.kind === 'int' && r.signed)];
  if (COMPARISONS.has(op)) {
    const common = promotedAs(st, l, r, right, left);
    return [common, common];
  }
  const result = arithmeticType(st, op, l, r, right, left);
  return [result, result];
}

/**
 * What both sides of a comparison (or both branches of ?:) convert to, as v0.26 promotes them (not C's
 * conversions): a non-negative literal, or a variable or map that holds only such literals, takes the other
 * side's sign; an unsigned side at least as wide as the signed one makes both signed at twice the width (int64 at
 * most): `(uint32)4294967295 > (int32)-1` and `nsecs > -1` are true, and so is `(uint64)-1 > $b` after `$b = 1`;
 * `c ? (uint32)x : -1` is an int64.
 */
function promotedAs(st: InferState, l: Type, r: Type, right: Expr, left?: Expr): Type {
  const plain = (t: Type) => (t.kind === 'int' ? int(t.bits, t.signed) : t.kind === 'bool' ? int(8, false) : undefined); // bool: a u8
  const a = plain(l);
  const b = plain(r);
  if (!a || !b || a.kind !== 'int' || b.kind !== 'int') return commonType(l, r);
  const flexible = { a: left !== undefined && signFlexible(st, left), b: signFlexible(st, right) };
  return promoteInts(a, b, flexible);
}

/** Whether v0.26 lets the value take the other operand's sign: a non-negative literal, or what holds only those. */
function signFlexible(st: InferState, e: Expr): boolean {
  if (e.kind === 'var') return st.literalVars.get(e.name)?.flexible === true;
  if (e.kind === 'map') return (st.lateMaps?.get(e.name) ?? st.maps.get(e.name))?.shownValue?.flexible === true;
  return literalInfo(e)?.flexible === true;
}

/**
 * A comparison with a variable, typed again once the probe's body has settled the variable's type and whether
 * it holds only literals (v0.26 resolves types for the whole program before it promotes the operands).
 */
function settleComparisons(st: InferState, p: Probe): void {
  walk(p.body, (n) => {
    const x = n as Expr;
    if (x.kind !== 'binary' || !COMPARISONS.has(x.op) || (x.left.kind !== 'var' && x.right.kind !== 'var')) return;
    const [was] = st.operandTypes.get(x) ?? [];
    const l = st.typeOf.get(x.left);
    const r = st.typeOf.get(x.right);
    if (was?.kind !== 'int' || !l || !r) return;
    st.operandTypes.set(x, conversions(st, x.op, l, r, x.right, x.left));
  });
}

/** `a`, `a and b`, `a, b and c` */
function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Variables a for-map body (nested loops included) reads or assigns that it does not declare itself, in source order. */
function outerReads(s: ForMapStmt, locals: ReadonlyMap<string, Type>): string[] {
  const names = new Set<string>();
  walk(s.body, (n) => {
    if (n.kind === 'var' && !locals.has(n.name)) names.add(n.name);
  });
  return [...names];
}
