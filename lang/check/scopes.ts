// Block scoping of `$` variables (bpftrace v0.22 and later, v0.26's VariablePreCheck): a variable belongs to the
// block that first assigns or declares it, and is gone when that block ends.
//   - `$x` first assigned in two sibling blocks is two variables (they may hold different types);
//   - `$x` read after the block that assigned it ended is undeclared (an error: declare it before with `let $x;`);
//   - `let $x` where a `$x` is already visible, and a loop variable named as one, are errors (no shadowing);
//   - a `let $x;` read before anything is assigned to it reads 0 with a warning, and one never assigned warns.
// Every later pass keys variables by name, so a name declared again in another block is renamed here
// (`$x'2`); diagnostics show it as written (lang/diagnostics.ts shownName). A probe needing no rename is kept as
// it is.
import type { Block, Expr, Node, Probe, Program, Stmt } from '../ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { deepest, isSpan, isStackOverflow, walk } from '../walk.ts';

interface Variable {
  /** the name later passes know it by: as written, or renamed when the probe declared that name before */
  readonly internal: string;
  readonly how: 'let' | 'assign' | 'loop';
  readonly origin: Span;
  assigned: boolean;
}

/** The program with each probe's variables resolved to their blocks; mistakes go to `diagnostics`. */
export function scopeVariables(program: Program, diagnostics: Diagnostic[]): Program {
  let changed = false;
  const probes = program.probes.map((p) => {
    try {
      const scoped = scopeProbe(p, diagnostics);
      if (scoped !== p) changed = true;
      return scoped;
    } catch (e) {
      if (!isStackOverflow(e)) throw e;
      diagnostics.push(error('this probe nests too deep to check its variables', deepest(p).node.span));
      return p;
    }
  });
  return changed ? { ...program, probes } : program;
}

function scopeProbe(probe: Probe, diagnostics: Diagnostic[]): Probe {
  /** innermost last */
  const scopes: Map<string, Variable>[] = [new Map()];
  /** how many variables of each name the probe has declared so far */
  const declaredCount = new Map<string, number>();
  /** the latest variable of each name whose block ended: what an undeclared use is told */
  const ended = new Map<string, Variable>();
  const lets: { variable: Variable; name: string }[] = [];
  /** nodes whose variable was renamed: var expressions, let statements, loops */
  const renamed = new Map<object, string>();

  if (probe.predicate) expr(probe.predicate, false);
  block(probe.body);
  for (const { variable, name } of lets)
    if (!variable.assigned) diagnostics.push(warning(`Variable ${name} was never assigned to.`, variable.origin));
  return renamed.size ? rebuild(probe, renamed) : probe;

  function find(name: string): Variable | undefined {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const v = scopes[i]!.get(name);
      if (v) return v;
    }
    return undefined;
  }

  function declare(name: string, how: Variable['how'], origin: Span, node: object, assigned: boolean): Variable {
    const n = (declaredCount.get(name) ?? 0) + 1;
    declaredCount.set(name, n);
    const v: Variable = { internal: n === 1 ? name : `${name}'${n}`, how, origin, assigned };
    scopes[scopes.length - 1]!.set(name, v);
    if (v.internal !== name) renamed.set(node, v.internal);
    return v;
  }

  function scoped(run: () => void): void {
    scopes.push(new Map());
    try {
      run();
    } finally {
      for (const [name, v] of scopes.pop()!) ended.set(name, v);
    }
  }

  function block(b: Block): void {
    scoped(() => b.statements.forEach(stmt));
  }

  /** a read of `$name` at `node` (meta: inside sizeof/typeof/offsetof, which never read it) */
  function use(name: string, node: object, span: Span, meta: boolean): Variable | undefined {
    const v = find(name);
    if (!v) {
      diagnostics.push(undeclared(name, span, ended.get(name)));
      return undefined;
    }
    if (v.internal !== name) renamed.set(node, v.internal);
    if (!v.assigned && !meta)
      diagnostics.push(
        warning(`Variable used before it was assigned: ${name}`, span, [`it reads 0 here; assign ${name} first`]),
      );
    return v;
  }

  function stmt(s: Stmt): void {
    switch (s.kind) {
      case 'block':
        return block(s);
      case 'expr-stmt':
        return expr(s.expr, false);
      case 'jump':
        if (s.value) expr(s.value, false);
        return;
      case 'assign': {
        if (s.target.kind === 'map') {
          expr(s.target, false);
          return expr(s.value, false);
        }
        expr(s.value, false);
        const name = s.target.name;
        // `$x += v` reads $x first (bpftrace v0.26 makes it `$x = $x + v`)
        const v = s.op === '=' ? find(name) : use(name, s.target, s.target.span, false);
        if (s.op !== '=' && !v) return;
        if (v) {
          v.assigned = true;
          if (v.internal !== name) renamed.set(s.target, v.internal);
        } else declare(name, 'assign', s.span, s.target, true);
        return;
      }
      case 'let': {
        if (s.typeOf) expr(s.typeOf, true);
        if (s.value) expr(s.value, false);
        const seen = find(s.name);
        if (seen) {
          diagnostics.push(
            shadowing(`Variable ${s.name} was already declared. Variable shadowing is not allowed.`, s.span, seen, [
              `give it another name, or assign the existing ${s.name} without \`let\``,
            ]),
          );
          return;
        }
        const v = declare(s.name, 'let', s.span, s, s.value !== undefined);
        lets.push({ variable: v, name: s.name });
        return;
      }
      case 'if':
        expr(s.cond, false);
        block(s.then);
        if (s.else) stmt(s.else);
        return;
      case 'unroll':
        expr(s.count, false);
        return block(s.body);
      case 'while':
        expr(s.cond, false);
        return block(s.body);
      case 'for-map':
      case 'for-range': {
        const seen = find(s.variable);
        if (seen)
          diagnostics.push(
            shadowing(`Loop declaration shadows existing variable: ${s.variable}`, s.span, seen, [
              'give the loop variable a name of its own',
            ]),
          );
        if (s.kind === 'for-map') expr(s.map, false);
        else {
          expr(s.from, false);
          expr(s.to, false);
        }
        return scoped(() => {
          declare(s.variable, 'loop', s.span, s, true);
          block(s.body);
        });
      }
    }
  }

  function expr(e: Expr, meta: boolean): void {
    walk(e, (n) => {
      const x = n as Expr;
      switch (x.kind) {
        case 'var':
          use(x.name, x, x.span, meta);
          return false;
        case 'unary':
          // `&$x` may hand $x to something that assigns it: counted as assigned (as v0.26 does)
          if (x.op !== '&' || x.operand.kind !== 'var') return true;
          {
            const v = use(x.operand.name, x.operand, x.operand.span, true);
            if (v) v.assigned = true;
          }
          return false;
        case 'incdec': {
          if (x.target.kind !== 'var') return true;
          const v = use(x.target.name, x.target, x.target.span, meta);
          if (v) v.assigned = true;
          return false;
        }
        case 'block-expr':
          scoped(() => {
            x.statements.forEach(stmt);
            expr(x.value, meta);
          });
          return false;
        case 'sizeof':
        case 'offsetof': {
          const arg = x.kind === 'sizeof' ? x.arg : x.type;
          if (arg.kind !== 'type-name') expr(arg as Expr, true);
          return false;
        }
        default:
          if ((n as Node).kind === 'typeof') {
            const arg = (n as Extract<Node, { kind: 'typeof' }>).arg;
            if (arg.kind !== 'type-name') expr(arg, true);
            return false;
          }
          return true;
      }
    });
  }
}

function undeclared(name: string, span: Span, ended: Variable | undefined): Diagnostic {
  if (!ended) return error(`Undefined or undeclared variable: ${name}`, span, [`assign it first: ${name} = …`]);
  const hint =
    ended.how === 'loop'
      ? `${name} is the loop variable of a loop that has ended`
      : `${name} ended with the block it was declared in: to use it here, declare it before that block with \`let ${name};\``;
  return {
    ...error(`Undefined or undeclared variable: ${name}`, span, [hint]),
    related: [{ message: `${name} was declared here`, span: ended.origin }],
  };
}

function shadowing(message: string, span: Span, seen: Variable, hints: string[]): Diagnostic {
  const origin =
    seen.how === 'let'
      ? 'This is the initial declaration.'
      : seen.how === 'loop'
        ? 'This is the loop variable.'
        : 'This is the initial assignment.';
  return {
    ...error(message, span, hints),
    related: [{ message: origin, span: seen.origin }],
  };
}

/** `node` with the renamed variables' new names; subtrees without one are kept as they are */
function rebuild<T>(x: T, renamed: ReadonlyMap<object, string>): T {
  if (Array.isArray(x)) {
    let out: unknown[] | undefined;
    x.forEach((v, i) => {
      const r = rebuild(v, renamed);
      if (r !== v) (out ??= [...x])[i] = r;
    });
    return (out ?? x) as T;
  }
  if (typeof x !== 'object' || x === null || isSpan(x)) return x;
  const node = x as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(node)) {
    const r = rebuild(v, renamed);
    if (r !== v) (out ??= { ...node })[k] = r;
  }
  const name = renamed.get(node);
  if (name !== undefined) {
    const kind = node.kind;
    (out ??= { ...node })[kind === 'for-map' || kind === 'for-range' ? 'variable' : 'name'] = name;
  }
  return (out ?? x) as T;
}
