// bpftrace v0.26's warning for `/` and `%` with a signed operand (BPF before cpu v4 has no signed division;
// scry computes it right either way, but users of bpftrace know the warning and its remedy). v0.26 warns only
// when the operands' types differ once a literal took the sign of the other side, so this types each operand
// as v0.26 does: literals at their own width, a binary operator's result as int64/uint64 (`nsecs - @t` is
// signed there), a variable as what all its assignments hold. Checked once inference is done with a probe.
import type { AssignStmt, Expr, Probe } from '../ast.ts';
import { warning } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { isPointer, type Type } from '../types.ts';
import { walk } from '../walk.ts';
import { constantInt, joinLiterals, literalInfo, literalOf, promoteInts } from './literals.ts';
import { readType } from './merge.ts';
import type { InferState } from './state.ts';

/** An integer operand as v0.26 types it: `kind` tells integers, bools, enums and count()/sum()/… reads apart. */
interface Operand {
  readonly kind: string;
  readonly bits: number;
  readonly signed: boolean;
  /** a non-negative literal, which takes the sign of the other operand */
  readonly flexible: boolean;
}

const COMPARISONS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '==', '!=', '&&', '||']);

/** Each variable's type as v0.26 gives it (null: assignments of kinds this does not follow; scry's type then). */
type Variables = Map<string, Operand | null>;

/**
 * Every `a / b`, `a % b`, `$x /= b` and `$x %= b` of a probe. Literals alone are folded by v0.26 before
 * typing, so they never warn.
 */
export function signedDivisions(st: InferState, p: Probe): void {
  const vars = variableTypes(st, p);
  walk(p, (n) => {
    if (n.kind === 'assign' && (n.op === '/=' || n.op === '%=')) {
      const l = n.target.kind === 'var' ? variable(st, vars, n.target.name) : operand(st, vars, n.target);
      const r = operand(st, vars, n.value);
      if (l && r) warnIfSigned(st, n.op.slice(0, -1), l, r, compoundSpan(n));
      return;
    }
    if (n.kind !== 'binary' || (n.op !== '/' && n.op !== '%') || foldable(n)) return;
    const l = operand(st, vars, n.left);
    const r = operand(st, vars, n.right);
    if (l && r) warnIfSigned(st, n.op, l, r, n.span);
  });
}

/**
 * What v0.26 types each variable as: all its assignments' types promoted together (`$i = 0; … $i++` is an
 * int64, `$d = nsecs - @t` too), unless `let $x: T` fixed it. Assignments are taken in source order.
 */
function variableTypes(st: InferState, p: Probe): Variables {
  const vars: Variables = new Map();
  const note = (name: string, o: Operand | undefined): void => {
    if (st.declared.has(name)) return; // keeps its declared type (scry's own)
    const was = vars.get(name);
    vars.set(name, !vars.has(name) ? (o ?? null) : was && o ? promoteOperands(was, o) : null);
  };
  walk(p, (n) => {
    if (n.kind === 'let' && n.value && !n.type && !n.typeOf) note(n.name, operand(st, vars, n.value));
    if (n.kind === 'incdec' && n.target.kind === 'var') {
      const was = variable(st, vars, n.target.name);
      note(n.target.name, was && { kind: 'int', bits: 64, signed: was.signed || n.op === '--', flexible: false });
    }
    if (n.kind !== 'assign' || n.target.kind !== 'var') return;
    const r = operand(st, vars, n.value);
    if (n.op === '=') return note(n.target.name, r);
    const l = variable(st, vars, n.target.name);
    note(
      n.target.name,
      l && r ? { kind: 'int', bits: 64, signed: signedResult(n.op.slice(0, -1), l, r), flexible: false } : undefined,
    );
  });
  return vars;
}

/** Two assignments' types: integers promote as v0.26 promotes them; anything else only with itself. */
function promoteOperands(a: Operand, b: Operand): Operand | null {
  if (a.kind !== b.kind) return null;
  if (a.kind !== 'int') return a;
  const t = promoteInts(int(a), int(b), { a: a.flexible, b: b.flexible });
  return { kind: 'int', bits: t.bits, signed: t.signed, flexible: a.flexible && b.flexible };
}

function int(o: Operand): Extract<Type, { kind: 'int' }> {
  return { kind: 'int', bits: o.bits as 8 | 16 | 32 | 64, signed: o.signed };
}

function variable(st: InferState, vars: Variables, name: string): Operand | undefined {
  return vars.get(name) ?? typed(st.declared.get(name) ?? st.vars.get(name));
}

/** `$x /= 2` from its operator to its end: where v0.26 places the operation it stands for. */
function compoundSpan(s: AssignStmt): Span {
  const at = s.span.file.text.indexOf(s.op, s.target.span.end);
  return { ...s.span, start: at >= 0 && at < s.value.span.start ? at : s.target.span.end, end: s.value.span.end };
}

function warnIfSigned(st: InferState, op: string, l: Operand, r: Operand, span: Span): void {
  const [a, b] = matchSigns(l, r);
  if (a.kind === b.kind && a.bits === b.bits && a.signed === b.signed) return;
  if (a.signed || b.signed)
    st.diags.push(
      warning(`signed operands for '${op}' can lead to undefined behavior (cast to unsigned to silence warning)`, span),
    );
}

/** Whether v0.26's result of an integer operator is signed: either operand is (once literals took a sign), or `-`. */
function signedResult(op: string, l: Operand, r: Operand): boolean {
  const [a, b] = matchSigns(l, r);
  return a.signed || b.signed || op === '-';
}

/** A literal on one side only takes the other side's sign. */
function matchSigns(l: Operand, r: Operand): [Operand, Operand] {
  if (l.flexible && !r.flexible) return [{ ...l, signed: r.signed, flexible: false }, r];
  if (r.flexible && !l.flexible) return [l, { ...r, signed: l.signed, flexible: false }];
  return [l, r];
}

function literal(value: bigint): Operand {
  const { type, flexible } = literalOf(value);
  return { kind: 'int', bits: type.bits, signed: type.signed, flexible };
}

/** Undefined for what is not an integer (a pointer, a string): v0.26 does not warn about those. */
function operand(st: InferState, vars: Variables, e: Expr): Operand | undefined {
  if (foldable(e)) {
    const folded = constantInt(e);
    return folded !== undefined ? literal(folded) : typed(st.typeOf.get(e));
  }
  const position = e.kind === 'positional' ? st.positionals.get(e) : undefined;
  if (typeof position === 'bigint') return literal(position); // $1 stands for its number
  if (e.kind === 'var') return vars.get(e.name) ?? typed(st.typeOf.get(e));
  const v = e.kind === 'map' ? st.maps.get(e.name)?.value : undefined;
  if (e.kind === 'map' && v) {
    const lit = st.literalMaps.get(e.name);
    if (lit) return { kind: 'int', bits: lit.type.bits, signed: true, flexible: lit.flexible };
    const t = readType(v);
    if (v.kind !== 'value') return { kind: v.kind, bits: 64, signed: t.kind === 'int' && t.signed, flexible: false };
  }
  if (e.kind === 'binary') return binaryResult(st, vars, e);
  if (e.kind === 'unary' && (e.op === '-' || e.op === '~')) {
    const o = operand(st, vars, e.operand);
    return o && { kind: 'int', bits: 64, signed: o.signed, flexible: false };
  }
  // (the target of `@m /= …` is not read as an expression: the map's type)
  return typed(st.typeOf.get(e) ?? (v && readType(v)));
}

function typed(t: Type | undefined): Operand | undefined {
  if (t?.kind === 'bool') return BOOL;
  if (t?.kind !== 'int' || isPointer(t)) return undefined;
  if (t.view?.kind === 'enum') return { kind: `enum ${t.view.name}`, bits: 64, signed: false, flexible: false };
  return { kind: 'int', bits: t.bits, signed: t.signed, flexible: false };
}

/**
 * v0.26's type of a binary operator's result: bool for comparisons, else int64 when signed (or `-`), else
 * uint64. A left-nested chain (a + b + c …) is typed in a loop, so its length costs no JS stack.
 */
function binaryResult(st: InferState, vars: Variables, e: Extract<Expr, { kind: 'binary' }>): Operand | undefined {
  const chain: Extract<Expr, { kind: 'binary' }>[] = [];
  let left: Expr = e;
  for (; left.kind === 'binary' && !foldable(left); left = left.left) chain.push(left);
  let acc = operand(st, vars, left);
  for (let i = chain.length - 1; i >= 0; i--) {
    const b = chain[i]!;
    if (COMPARISONS.has(b.op)) acc = BOOL;
    else {
      const r = operand(st, vars, b.right);
      if (!acc || !r) return undefined;
      acc =
        acc.kind === 'bool' && r.kind === 'bool'
          ? BOOL
          : { kind: 'int', bits: 64, signed: signedResult(b.op, acc, r), flexible: false };
    }
  }
  return acc;
}

const BOOL: Operand = { kind: 'bool', bits: 8, signed: false, flexible: false };

/** Literals (no enumerators) joined by operators: v0.26 folds them into one literal before typing. */
function foldable(e: Expr): boolean {
  for (; e.kind === 'binary'; e = e.left) if (!foldable(e.right)) return false;
  if (e.kind === 'int') return e.enumId === undefined;
  return e.kind === 'unary' && e.op === '-' && foldable(e.operand);
}

/**
 * Maps the program assigns nothing but integer literals (with `=`), with the type v0.26 gives their values: the
 * literals' (`@n = 10` holds an int8 whose sign follows what it meets), as for such variables.
 */
export function literalMaps(roots: readonly Probe[]): Map<string, LiteralInt> {
  const found = new Map<string, LiteralInt | undefined>();
  for (const root of roots)
    walk(root, (n) => {
      if ((n.kind !== 'assign' && n.kind !== 'incdec') || n.target.kind !== 'map') return;
      const name = n.target.name;
      const lit = n.kind === 'assign' && n.op === '=' ? literalInfo(n.value) : undefined;
      const was = found.get(name);
      if (!lit || (found.has(name) && !was)) return void found.set(name, undefined);
      found.set(name, was ? joinLiterals(was, lit) : lit);
    });
  return new Map([...found].filter((e): e is [string, LiteralInt] => e[1] !== undefined));
}

type LiteralInt = NonNullable<ReturnType<typeof literalInfo>>;
