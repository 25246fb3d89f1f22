// A generic child visitor for the AST, for passes that only care about a few node kinds.
import { assertNever, type Node } from './ast.ts';
import type { Span } from './source.ts';

/** The direct children of a node, in source order. */
export function children(n: Node): Node[] {
  switch (n.kind) {
    case 'program':
      return [...n.config, ...n.probes];
    case 'config-item':
    case 'attach-point':
    case 'type-name':
    case 'int':
    case 'string':
    case 'bool':
    case 'var':
    case 'positional':
    case 'ident':
      return [];
    case 'probe':
      return [...n.attachPoints, ...(n.predicate ? [n.predicate] : []), n.body];
    case 'block':
      return [...n.statements];
    case 'expr-stmt':
      return [n.expr];
    case 'jump':
      return n.value ? [n.value] : [];
    case 'assign':
      return [n.target, n.value];
    case 'let':
      return [...(n.type ? [n.type] : []), ...(n.typeOf ? [n.typeOf] : []), ...(n.value ? [n.value] : [])];
    case 'if':
      return [n.cond, n.then, ...(n.else ? [n.else] : [])];
    case 'unroll':
      return [n.count, n.body];
    case 'while':
      return [n.cond, n.body];
    case 'for-map':
      return [n.map, n.body];
    case 'for-range':
      return [n.from, n.to, n.body];
    case 'map':
      return [...n.keys];
    case 'call':
      return [...n.args];
    case 'binary':
      return [n.left, n.right];
    case 'unary':
      return [n.operand];
    case 'incdec':
      return [n.target];
    case 'ternary':
      return [n.cond, n.then, n.else];
    case 'field':
      return [n.base];
    case 'index':
      return [n.base, n.index];
    case 'cast':
      return [n.type, n.expr];
    case 'tuple':
      return [...n.elements];
    case 'sizeof':
      return [n.arg];
    case 'offsetof':
      return [n.type];
    case 'typeof':
      return [n.arg];
    case 'block-expr':
      return [...n.statements, n.value];
    default:
      return assertNever(n);
  }
}

/**
 * Visits `n` and its descendants depth-first, parents before children. Returning `false` from `visit`
 * skips that node's children. A loop over an explicit stack: however deep the tree, no JS stack is used.
 */
export function walk(n: Node, visit: (n: Node, parent: Node | undefined) => boolean | void, parent?: Node): void {
  const todo: [Node, Node | undefined][] = [[n, parent]];
  while (todo.length) {
    const [node, up] = todo.pop()!;
    if (visit(node, up) === false) continue;
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) todo.push([kids[i]!, node]);
  }
}

/** The most deeply nested node under `n` (the first in source order at that depth), and its depth. */
export function deepest(n: Node): { node: Node; depth: number } {
  let best = { node: n, depth: 0 };
  const todo: [Node, number][] = [[n, 0]];
  while (todo.length) {
    const [node, depth] = todo.pop()!;
    if (depth > best.depth) best = { node, depth };
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) todo.push([kids[i]!, depth + 1]);
  }
  return best;
}

/** V8's "Maximum call stack size exceeded": a recursive pass met a tree deeper than the JS stack allows. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** A span (its source file, start and end), as opposed to a node, which has a kind. */
export function isSpan(x: object): x is Span {
  return 'file' in x && 'start' in x && 'end' in x && !('kind' in x);
}

/**
 * A deep copy of a subtree, its own nodes throughout (the checker keys what it decides by node), sharing the
 * spans (never changed once made).
 */
export function copyTree<T>(x: T): T {
  if (Array.isArray(x)) return x.map(copyTree) as T;
  if (typeof x !== 'object' || x === null || isSpan(x)) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) out[k] = copyTree(v);
  return out as T;
}
