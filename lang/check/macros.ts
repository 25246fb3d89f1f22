// Identifiers in probes that name something the C part made, rewritten before inference as bpftrace v0.26 has
// them: an object-like macro stands for its value parsed as an expression (`#define X 1 + 2` makes `X * 2`
// equal 6), and an enumerator (the script's or the kernel's) for its value. Builtins keep their meaning
// (bpftrace parses them as builtins, which no macro replaces), and a name that is neither stays unknown.
import type { Expr, IdentExpr, Program } from '../ast.ts';
import type { BtfTypes } from '../btf.ts';
import { BUILTINS } from '../builtins/index.ts';
import { expandScriptIdentifier } from '../c/preprocess-script.ts';
import type { Macro } from '../c/preprocess.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import { parse } from '../parse.ts';
import { sourceFile, type Span } from '../source.ts';

/** The program with macro and enumerator identifiers replaced; the same object when there are none. */
export function expandIdentifiers(
  ast: Program,
  macros: ReadonlyMap<string, Macro>,
  btf: () => BtfTypes | undefined,
  diags: Diagnostic[],
): Program {
  const replace = (e: IdentExpr, expanding: ReadonlySet<string>): Expr | undefined => {
    if (e.name === 'args' || BUILTINS.get(e.name)?.variable) return undefined;
    if (!expanding.has(e.name)) {
      const text = expandScriptIdentifier(macros, e.name, e.span, (d) => diags.push(d));
      if (text !== undefined) {
        const value = macroValue(e, text, diags);
        if (!value) return { kind: 'int', value: 0n, raw: e.name, span: e.span };
        const inner = new Set(expanding).add(e.name);
        return rewrite(value, (x) => replace(x, inner));
      }
    }
    const hit = btf()?.enumerator(e.name);
    return hit ? { kind: 'int', value: hit.value, raw: e.name, enumId: hit.enumId, span: e.span } : undefined;
  };
  if (!hasCandidate(ast, (name) => macros.has(name) || btf()?.enumerator(name) !== undefined)) return ast;
  // `sizeof(NAME)` parses NAME as a type; one that names no type but a macro or enumerator is that value
  const valueName = (name: string) => mayBeValue(name) && btf()?.lookup(name) === undefined;
  return rewrite(ast, (e) => replace(e, new Set()), valueName);
}

/** scry's own type names, which `sizeof(…)` keeps as types */
const SCRY_TYPE = /^(u?int(8|16|32|64)|bool|string|void|char|short|int|long|unsigned|signed)$/;

/** A type name `sizeof(…)` may take for a macro's or enumerator's value: one plain word, not a scry type. */
const mayBeValue = (name: string) => /^[A-Za-z_]\w*$/.test(name) && !SCRY_TYPE.test(name);

/**
 * Whether some identifier could be rewritten, found without recursion (long flat chains cost no stack): the
 * identifiers, and the plain type names `sizeof(…)` takes. Not other type names: a cast's `(uint32)` or
 * `(struct task_struct *)` is never a value, and asking the kernel's enumerators about it read the whole vmlinux
 * BTF and built its enumerator index, ~35 ms of CPU at the start of a one-liner that needed neither.
 */
function hasCandidate(ast: Program, known: (name: string) => boolean): boolean {
  const todo: unknown[] = [ast];
  while (todo.length > 0) {
    const node = todo.pop();
    if (Array.isArray(node)) todo.push(...(node as unknown[]));
    else if (node !== null && typeof node === 'object' && typeof (node as { kind?: unknown }).kind === 'string') {
      const o = node as Record<string, unknown>;
      if (o.kind === 'ident') {
        const name = o.name as string;
        if (name !== 'args' && !BUILTINS.get(name)?.variable && known(name)) return true;
      } else if (o.kind === 'sizeof' && isValueTypeName(o.arg)) {
        if (!BUILTINS.get(o.arg.name)?.variable && known(o.arg.name)) return true;
      } else if (o.kind !== 'type-name') for (const [k, v] of Object.entries(o)) if (k !== 'span') todo.push(v);
    }
  }
  return false;
}

/** `sizeof`'s argument when rewrite() may take it for a value: a type name of one plain word. */
function isValueTypeName(arg: unknown): arg is { kind: 'type-name'; name: string } {
  const a = arg as { kind?: unknown; name?: unknown; pointer?: unknown; arrayLength?: unknown };
  return (
    a.kind === 'type-name' &&
    a.pointer === 0 &&
    a.arrayLength === undefined &&
    typeof a.name === 'string' &&
    mayBeValue(a.name)
  );
}

/** A macro's value as an expression, every span at the identifier it replaces; undefined (reported) if it is none. */
function macroValue(use: IdentExpr, text: string, diags: Diagnostic[]): Expr | undefined {
  const prefix = 'BEGIN { ';
  const file = sourceFile(`<macro ${use.name}>`, `${prefix}${text}\n;}`);
  const parsed = parse(file);
  const statements = parsed.program?.probes[0]?.body.statements;
  const only = statements?.length === 1 ? statements[0] : undefined;
  if (!only || only.kind !== 'expr-stmt') {
    diags.push(
      error(`the macro ${use.name} stands for '${text}', which is not an expression`, use.span, [
        'a macro used in a probe must expand to one expression, e.g. #define LIMIT (1 << 10)',
      ]),
    );
    return undefined;
  }
  return relocate(only.expr, file, use.span);
}

/** A copy of `node` with every span in `from` replaced by `to`. */
function relocate<T>(node: T, from: unknown, to: Span): T {
  if (Array.isArray(node)) return node.map((x: unknown) => relocate(x, from, to)) as T;
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (o.file === from) return to as T;
  if (typeof o.kind !== 'string') return node;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, relocate(v, from, to)])) as T;
}

/**
 * Rewrites identifier expressions anywhere under `node` (AST nodes are the objects with a `kind`), copying
 * only the nodes on the way to a change.
 */
function rewrite<T>(node: T, f: (e: IdentExpr) => Expr | undefined, valueName?: (name: string) => boolean): T {
  if (Array.isArray(node)) {
    let changed = false;
    const out = node.map((x: unknown) => {
      const y = rewrite(x, f, valueName);
      changed ||= y !== x;
      return y;
    });
    return (changed ? out : node) as T;
  }
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (typeof o.kind !== 'string') return node;
  if (o.kind === 'ident') return (f(o as unknown as IdentExpr) ?? node) as T;
  if (o.kind === 'sizeof' && valueName) {
    const arg = o.arg as { kind: string; name: string; pointer: number; arrayLength?: number; span: Span };
    if (isValueTypeName(arg) && valueName(arg.name)) {
      const value = f({ kind: 'ident', name: arg.name, span: arg.span });
      if (value) return { ...o, arg: value } as T;
    }
  }
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(o)) {
    const y = rewrite(v, f, valueName);
    if (y !== v) (copy ??= { ...o })[k] = y;
  }
  return (copy ?? node) as T;
}
