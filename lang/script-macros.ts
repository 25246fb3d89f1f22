// Script macros (bpftrace v0.26's `macro name(args) { … }`), expanded on the AST before the checker runs.
// Not to be confused with check/macros.ts, which expands the C preprocessor's #define macros.
//
// A use of a macro is replaced by a copy of its body:
//   - a `$v` parameter names the caller's variable and an `@m` parameter the caller's map: the body reads and
//     assigns the caller's own (so `macro inc($x) { $x += 1; }` increments the variable passed);
//   - a bare-name parameter is replaced by the argument expression, as written, at every use (evaluated
//     each time, as in bpftrace);
//   - every other `$variable` of the body gets a name of its own per use, so a macro never sees or
//     clobbers the caller's variables (hygiene);
//   - used as a statement the body runs as a block; used as a value, its last statement must be an
//     expression, and the use becomes a block expression `{ …; value }`.
// An identifier with the name of a macro without parameters is a use of it (`one` for `one()`), unless it
// names a parameter. `__builtin_x` is the builtin `x`, and `x()` the builtin variable `x` (bpftrace v0.26
// defines those as standard-library macros). The standard library (script-stdlib.ts) is searched after the
// script's macros, and its macros only ever call each other: a script's macro cannot change how one works.
// Every node copied from a macro body keeps its span there, marked with the use it was expanded for, so a
// diagnostic or an errorf() message inside a macro also points at the use.
import type { Block, CallExpr, Expr, IdentExpr, MacroDef, Node, Probe, Program, Stmt, TypeName } from './ast.ts';
import { BUILTINS } from './builtins/index.ts';
import { error, type Diagnostic } from './diagnostics.ts';
import { parse } from './parse.ts';
import { sourceFile, type Span } from './source.ts';
import { children, copyTree, deepest, isSpan, isStackOverflow } from './walk.ts';
import { STDLIB_NAME, STDLIB_TEXT } from './script-stdlib.ts';

export interface ExpandResult {
  readonly program: Program;
  readonly diagnostics: Diagnostic[];
}

/** bpftrace refuses a macro that uses itself; this bounds chains of distinct macros too */
const MAX_DEPTH = 64;

/** The program with every macro use expanded and the definitions dropped. */
export function expandScriptMacros(program: Program): ExpandResult {
  const diagnostics: Diagnostic[] = [];
  const user = table(program.macros ?? [], diagnostics);
  for (const d of program.macros ?? []) checkJumps(d, diagnostics);
  const lib = library ?? lazyStdlib;
  let uses = 0;

  interface Scope {
    /** the macro being expanded, and the ones it was used from (innermost last) */
    readonly stack: readonly MacroDef[];
    /** true inside a standard-library macro: only the library's macros are seen */
    readonly library: boolean;
    /** the use being expanded (its span marks every copied span) */
    readonly from?: Span;
    readonly vars: ReadonlyMap<string, string>;
    readonly maps: ReadonlyMap<string, string>;
    readonly exprs: ReadonlyMap<string, Expr>;
    /** the suffix the body's own variables get */
    readonly suffix: string;
  }
  const top: Scope = { stack: [], library: false, vars: new Map(), maps: new Map(), exprs: new Map(), suffix: '' };

  // A probe that uses no macro is kept as it is (the walk below is recursive: a 10,000-term sum would cost
  // it the stack); one that does, nested deeper than the stack allows, is an error at its deepest node.
  const probes = program.probes.map((p): Probe => {
    if (!usesMacros(p)) return p;
    try {
      return {
        ...p,
        ...(p.predicate ? { predicate: expr(p.predicate, top) } : {}),
        body: block(p.body, top),
      };
    } catch (e) {
      if (!isStackOverflow(e)) throw e;
      diagnostics.push(error('this probe nests too deep to expand the macros it uses', deepest(p).node.span));
      return p;
    }
  });
  const { macros: _dropped, ...rest } = program;
  return { program: { ...rest, probes }, diagnostics };

  /** Whether a probe has a call or identifier that expansion rewrites (an explicit stack: no recursion). */
  function usesMacros(p: Probe): boolean {
    const todo: Node[] = [p];
    for (let n = todo.pop(); n; n = todo.pop()) {
      if (n.kind === 'call' && (user.has(n.name) || lib.has(n.name) || isBuiltinVariable(n.name, n.args))) return true;
      if (
        n.kind === 'ident' &&
        (user.has(n.name) || lib.has(n.name) || n.name.startsWith('__builtin_') || isArglessFunction(n.name))
      )
        return true;
      todo.push(...children(n));
    }
    return false;
  }

  function lookup(name: string, args: readonly Expr[], scope: Scope): MacroDef | 'arity' | undefined {
    const tables = scope.library ? [lib] : [user, lib];
    let arity = false;
    for (const t of tables) {
      const defs = (t.get(name) ?? []).filter((d) => d.params.length === args.length);
      if (!defs.length) {
        arity ||= (t.get(name)?.length ?? 0) > 0;
        continue;
      }
      // the most specific definition that takes these arguments: `$v` wants a variable, `@m` a whole map
      const fits = defs.filter((d) => d.params.every((p, i) => accepts(p, args[i]!)));
      fits.sort((a, b) => specificity(b) - specificity(a));
      if (fits[0]) return fits[0];
      return defs[0]; // reported as a mismatched argument
    }
    return arity ? 'arity' : undefined;
  }

  function block(b: Block, scope: Scope): Block {
    return { ...b, statements: b.statements.map((s) => stmt(s, scope)), span: mark(b.span, scope) };
  }

  function stmt(s: Stmt, scope: Scope): Stmt {
    if (s.kind === 'expr-stmt' && (s.expr.kind === 'call' || s.expr.kind === 'ident')) {
      const r = useOf(s.expr, scope, 'statement');
      if (r.kind === 'block') return r;
      // a block-expression argument used as a statement is a block
      if (r.kind === 'block-expr')
        return {
          kind: 'block',
          statements: [...r.statements, { kind: 'expr-stmt', expr: r.value, span: r.value.span }],
          span: r.span,
        };
      return { ...s, expr: r, span: mark(s.span, scope) };
    }
    return copy(s, scope) as Stmt;
  }

  function expr(e: Expr, scope: Scope): Expr {
    return copy(e, scope) as Expr;
  }

  /** A call or identifier: a macro's expansion, a parameter's argument, a builtin, or itself (copied). */
  function useOf(e: CallExpr | IdentExpr, scope: Scope, as: 'statement' | 'value'): Expr | Block {
    if (e.kind === 'ident') {
      const arg = scope.exprs.get(e.name);
      if (arg) return copyTree(arg);
      const builtin = /^__builtin_(\w+)$/.exec(e.name)?.[1];
      if (builtin && BUILTINS.get(builtin)?.variable) return { ...e, name: builtin, span: mark(e.span, scope) };
      const def = lookup(e.name, [], scope);
      if (typeof def === 'object') return expansion(def, [], e.span, scope, as);
      // a function that takes no arguments, named without them (v0.26 stdlib.md: "with or without the call syntax")
      if (isArglessFunction(e.name))
        return { kind: 'call', name: e.name, nameSpan: mark(e.span, scope), args: [], span: mark(e.span, scope) };
      return { ...e, span: mark(e.span, scope) };
    }
    const args = e.args.map((a) => expr(a, scope));
    const def = lookup(e.name, args, scope);
    if (typeof def === 'object') return expansion(def, args, e.span, scope, as);
    // `cpu()`: the builtin variable, as bpftrace v0.26's standard library defines it
    if (isBuiltinVariable(e.name, args)) return { kind: 'ident', name: e.name, span: mark(e.span, scope) };
    if (def === 'arity' && !BUILTINS.get(e.name)?.function) {
      const defs = [...(scope.library ? [] : (user.get(e.name) ?? [])), ...(lib.get(e.name) ?? [])];
      const counts = [...new Set(defs.map((d) => d.params.length))];
      diagnostics.push({
        ...error(
          `macro '${e.name}' takes ${counts.join(' or ')} argument${counts.length === 1 && counts[0] === 1 ? '' : 's'}, not ${args.length}`,
          mark(e.span, scope),
        ),
        related: defs.map((d) => ({ message: `'${e.name}' is defined here`, span: d.nameSpan })),
      });
    }
    return { ...e, args, nameSpan: mark(e.nameSpan, scope), span: mark(e.span, scope) };
  }

  /** A copy of the macro's body for one use: a block statement, or a value. */
  function expansion(def: MacroDef, args: Expr[], at: Span, scope: Scope, as: 'statement'): Block;
  function expansion(def: MacroDef, args: Expr[], at: Span, scope: Scope, as: 'value'): Expr;
  function expansion(def: MacroDef, args: Expr[], at: Span, scope: Scope, as: 'statement' | 'value'): Block | Expr;
  function expansion(def: MacroDef, args: Expr[], at: Span, scope: Scope, as: 'statement' | 'value'): Block | Expr {
    const from = mark(at, scope);
    const fail = (message: string, span: Span, hints?: string[]) => {
      diagnostics.push({
        ...error(message, span, hints),
        related: [{ message: 'the macro is defined here', span: def.nameSpan }],
      });
      return as === 'value'
        ? ({ kind: 'int', value: 0n, raw: '0', span: from } as Expr)
        : ({ kind: 'block', statements: [], span: from } as Block);
    };
    if (scope.stack.includes(def)) return fail(`macro '${def.name}' uses itself`, from, ['macros cannot be recursive']);
    if (scope.stack.length >= MAX_DEPTH) return fail(`macros nest more than ${MAX_DEPTH} deep here`, from);
    const vars = new Map<string, string>();
    const maps = new Map<string, string>();
    const exprs = new Map<string, Expr>();
    for (const [i, p] of def.params.entries()) {
      const a = args[i]!;
      if (p.kind === 'var') {
        if (a.kind !== 'var')
          return fail(`macro '${def.name}' takes a variable for ${p.name}`, a.span, [
            `pass a $variable, e.g. $v = …; ${def.name}($v)`,
          ]);
        vars.set(p.name, a.name);
      } else if (p.kind === 'map') {
        if (a.kind !== 'map' || a.keys.length)
          return fail(`macro '${def.name}' takes a map for ${p.name}`, a.span, [
            'pass a map by its name, e.g. @m (without keys)',
          ]);
        maps.set(p.name, a.name);
      } else if ((a.kind === 'map' && !a.keys.length) || a.kind === 'var') {
        // a whole map or a variable given for an expression parameter is its value: `{ @y }` (bpftrace v0.26)
        exprs.set(p.name, { kind: 'block-expr', statements: [], value: a, span: a.span });
      } else exprs.set(p.name, a);
    }
    const inner: Scope = {
      stack: [...scope.stack, def],
      library: scope.library || def.span.file.name === STDLIB_NAME,
      from,
      vars,
      maps,
      exprs,
      suffix: `__${def.name}_${++uses}`,
    };
    if (as === 'statement') return { ...block(def.body, inner), span: from };
    // the last statement is the value (a macro used there is expanded as a value too)
    const written = def.body.statements;
    const final = written[written.length - 1];
    if (final?.kind !== 'expr-stmt')
      return fail(`macro '${def.name}' has no value: its body does not end with an expression`, from, [
        `use it as a statement (${def.name}(…);), or end its body with the value`,
      ]);
    const statements = written.slice(0, -1).map((st) => stmt(st, inner));
    const value = expr(final.expr, inner);
    return statements.length ? { kind: 'block-expr', statements, value, span: from } : value;
  }

  /** A copy of any node: macro uses expanded, parameters substituted, the body's own variables renamed. */
  function copy(n: unknown, scope: Scope): unknown {
    if (Array.isArray(n)) return n.map((x) => copy(x, scope));
    if (typeof n !== 'object' || n === null) return n;
    if (isSpan(n)) return mark(n, scope);
    const node = n as Node;
    switch (node.kind) {
      case 'ident':
      case 'call':
        return useOf(node, scope, 'value');
      case 'var':
        return { ...node, name: rename(node.name, scope), span: mark(node.span, scope) };
      case 'map':
        // a macro sees the maps it is given, no other (bpftrace v0.26)
        if (scope.suffix && !scope.maps.has(node.name))
          diagnostics.push(
            error(
              `Unhygienic access to map: ${node.name}. Maps must be passed into the macro as arguments.`,
              mark(node.span, scope),
              [
                `add a map parameter (macro ${scope.stack[scope.stack.length - 1]!.name}(@m, …)) and pass ${node.name} to it`,
              ],
            ),
          );
        return {
          ...node,
          name: scope.maps.get(node.name) ?? node.name,
          keys: node.keys.map((k) => expr(k, scope)),
          span: mark(node.span, scope),
        };
      case 'let': {
        if (scope.vars.has(node.name))
          diagnostics.push(
            error(`Variable declaration shadows macro arg ${node.name}`, mark(node.span, scope), [
              `assign the parameter without \`let\`, or give the variable another name`,
            ]),
          );
        // `let $v: typeof(x)` for a parameter x parses as a type named x: it is the argument's type
        const of = node.type && paramType(node.type, scope);
        if (of) {
          const { type: _type, ...rest } = node;
          return { ...(copyFields(rest, scope) as object), typeOf: of, name: rename(node.name, scope) };
        }
        return { ...(copyFields(node, scope) as object), name: rename(node.name, scope) };
      }
      case 'sizeof': {
        const of = node.arg.kind === 'type-name' && paramType(node.arg, scope);
        if (of) return { ...node, arg: of, span: mark(node.span, scope) };
        break;
      }
      case 'typeof': {
        // `(typeof(x))v`, `sizeof(typeof(x))` for a parameter x: the argument's type
        const of = node.arg.kind === 'type-name' && paramType(node.arg, scope);
        if (of) return { ...node, arg: of, span: mark(node.span, scope) };
        break;
      }
      case 'for-map':
      case 'for-range':
        return { ...(copyFields(node, scope) as object), variable: rename(node.variable, scope) };
      case 'block':
        return block(node, scope);
    }
    return copyFields(n, scope);
  }

  function copyFields(n: object, scope: Scope): unknown {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n)) {
      if (k === 'statements' && Array.isArray(v)) out[k] = v.map((s: Stmt) => stmt(s, scope));
      else out[k] = copy(v, scope);
    }
    return out;
  }

  /** A bare type name that names an expression parameter: that argument */
  function paramType(t: TypeName, scope: Scope): Expr | undefined {
    const arg = t.pointer === 0 && t.arrayLength === undefined ? scope.exprs.get(t.name) : undefined;
    return arg && copyTree(arg);
  }

  function rename(name: string, scope: Scope): string {
    if (!scope.suffix) return name;
    return scope.vars.get(name) ?? `${name}${scope.suffix}`;
  }
}

/** A builtin function that takes no arguments and is no variable or aggregation: `default_str_length` */
function isArglessFunction(name: string): boolean {
  const row = BUILTINS.get(name);
  return row?.function?.maxArgs === 0 && !row.function.aggregation && !row.variable;
}

/** `x()` for a builtin variable `x` that is not also a function (bpftrace v0.26's wrappers, e.g. `cpu()`) */
function isBuiltinVariable(name: string, args: readonly Expr[]): boolean {
  const row = BUILTINS.get(name);
  // comm(pid) needs its argument: comm() is still the variable
  return args.length === 0 && !!row?.variable && (!row.function || row.function.minArgs > 0);
}

function accepts(p: MacroDef['params'][number], a: Expr): boolean {
  if (p.kind === 'var') return a.kind === 'var';
  if (p.kind === 'map') return a.kind === 'map' && a.keys.length === 0;
  return true;
}

function specificity(d: MacroDef): number {
  return d.params.filter((p) => p.kind !== 'ident').length;
}

/** Definitions by name; two with the same name and parameters are an error. */
function table(defs: readonly MacroDef[], diagnostics: Diagnostic[]): Map<string, MacroDef[]> {
  const out = new Map<string, MacroDef[]>();
  const shape = (d: MacroDef) => d.params.map((p) => p.kind).join(',');
  for (const d of defs) {
    if (!distinctParams(d, diagnostics)) continue;
    const same = out.get(d.name) ?? [];
    const twin = same.find((o) => shape(o) === shape(d));
    if (twin)
      diagnostics.push({
        ...error(`macro '${d.name}' is defined twice with the same parameters`, d.nameSpan, ['rename one of them']),
        related: [{ message: 'the first definition', span: twin.nameSpan }],
      });
    else out.set(d.name, [...same, d]);
  }
  return out;
}

/** Each parameter named once (bpftrace v0.26 refuses `macro f($a, $a)`, and leaves the macro out) */
function distinctParams(d: MacroDef, diagnostics: Diagnostic[]): boolean {
  const seen = new Set<string>();
  const what = { var: 'Variable', map: 'Map', ident: 'Ident' } as const;
  for (const p of d.params) {
    if (!seen.has(p.name)) {
      seen.add(p.name);
      continue;
    }
    diagnostics.push(
      error(`${what[p.kind]} for macro argument has already been used: ${p.name}`, p.span, [
        'give each parameter a name of its own',
      ]),
    );
    return false;
  }
  return true;
}

/**
 * `return`, and `break` or `continue` outside a loop of its own, would leave the macro for wherever it is used:
 * refused, as bpftrace v0.26's control-flow check refuses them (control_flow_analyser.cpp, JumpDisallowed).
 */
function checkJumps(def: MacroDef, diagnostics: Diagnostic[]): void {
  const visit = (n: Node, inLoop: boolean): void => {
    if (n.kind === 'jump' && (n.jump === 'return' || !inLoop))
      diagnostics.push(
        error(`'${n.jump}' statement is not allowed in a macro`, n.span, [
          'a macro cannot leave the code it is used in: return or break where the macro is used (exit() ends the run)',
        ]),
      );
    const loop = n.kind === 'while' || n.kind === 'for-map' || n.kind === 'for-range';
    for (const c of children(n)) visit(c, inLoop || loop);
  };
  visit(def.body, false);
}

/** The standard library's macro names, read off its text: a program that uses none of them never parses it. */
const STDLIB_NAMES = new Set([...STDLIB_TEXT.matchAll(/^macro (\w+)\(/gm)].map((m) => m[1]!));
/** The standard library as a table that parses it only when a name it defines is looked up. */
const lazyStdlib: Pick<Map<string, MacroDef[]>, 'has' | 'get'> = {
  has: (name) => STDLIB_NAMES.has(name),
  get: (name) => (STDLIB_NAMES.has(name) ? stdlib().get(name) : undefined),
};

let library: Map<string, MacroDef[]> | undefined;
/** The standard library's macros, parsed on first use. */
function stdlib(): Map<string, MacroDef[]> {
  if (library) return library;
  const parsed = parse(sourceFile(STDLIB_NAME, STDLIB_TEXT));
  const bad = parsed.diagnostics.find((d) => d.severity === 'error');
  if (bad || !parsed.program) throw new Error(`internal error: the standard library does not parse: ${bad?.message}`);
  const diagnostics: Diagnostic[] = [];
  library = table(parsed.program.macros ?? [], diagnostics);
  if (diagnostics.length) throw new Error(`internal error: ${diagnostics[0]!.message}`);
  return library;
}

/** A span inside a macro body, marked with the use it was expanded for (the outermost use last). */
function mark(s: Span, scope: { from?: Span }): Span {
  return scope.from ? { ...s, expandedFrom: scope.from } : s;
}
