// `@m[k] = @m[k] + v` (or `v + @m[k]`, `@m[k] - v`): the same key read and written in one statement, which the
// code generator makes one lookup and an atomic add of ±v (compiler/codegen/maps.ts emitMapAdd) instead of a
// read, a second lookup and an update, in which another CPU's add between the two would be lost. Only where
// nothing but the number of lookups differs: the keys read the same value both times (builtins that cannot change
// within a run, `$` variables, literals, a tracepoint's `args` fields, and operators over those), v changes
// nothing a second evaluation would see (no call, `++`/`--` or block), and, once every probe is checked, the map
// holds a plain 64-bit integer (not a pointer, which moves by elements, nor a value printed as something else).
import { walk } from '../walk.ts';
import type { AssignStmt, Expr, MapExpr } from '../ast.ts';
import type { InferState } from './state.ts';

/** Builtins whose value cannot change within one run of a probe. */
const STABLE_BUILTINS: ReadonlySet<string> = new Set(['pid', 'tid', 'comm', 'uid', 'gid', 'cpu', 'cgroup', 'args']);

/** Records `s` in st.mapAdds when it reads and writes the same key (after its value has been inferred). */
export function noteMapAdd(st: InferState, s: AssignStmt): void {
  const v = s.value;
  if (s.op !== '=' || s.target.kind !== 'map' || v.kind !== 'binary' || (v.op !== '+' && v.op !== '-')) return;
  if (st.pointerSteps.has(v)) return;
  const target = s.target;
  const same = (x: Expr): x is MapExpr =>
    x.kind === 'map' &&
    x.name === target.name &&
    x.keys.length === target.keys.length &&
    x.keys.every((k, i) => sameStableValue(k, target.keys[i]!));
  const delta = same(v.left) ? v.right : v.op === '+' && same(v.right) ? v.left : undefined;
  if (delta && withoutEffects(delta)) st.mapAdds.set(s, { op: v.op, delta });
}

/** Once every probe is checked: keeps only the statements whose map holds a plain 64-bit integer. */
export function dropMapAddsOfOtherValues(st: InferState): void {
  for (const s of st.mapAdds.keys()) {
    const value = s.target.kind === 'map' ? st.maps.get(s.target.name)?.value : undefined;
    const plain = value?.kind === 'value' && value.type.kind === 'int' && !value.type.space && !value.type.view;
    if (!plain || value.type.bits !== 64) st.mapAdds.delete(s);
  }
}

/** Whether two expressions are written alike and read alike wherever they are evaluated in one statement. */
function sameStableValue(a: Expr, b: Expr): boolean {
  switch (a.kind) {
    case 'int':
    case 'string':
    case 'bool':
      return b.kind === a.kind && b.value === a.value;
    case 'var':
      return b.kind === 'var' && b.name === a.name;
    case 'ident':
      return b.kind === 'ident' && b.name === a.name && STABLE_BUILTINS.has(a.name);
    case 'field': // a tracepoint's argument: the context does not change
      return (
        b.kind === 'field' &&
        b.name === a.name &&
        b.arrow === a.arrow &&
        a.base.kind === 'ident' &&
        a.base.name === 'args' &&
        sameStableValue(a.base, b.base)
      );
    case 'binary':
      return (
        b.kind === 'binary' && b.op === a.op && sameStableValue(a.left, b.left) && sameStableValue(a.right, b.right)
      );
    default:
      return false;
  }
}

/** No call, `++`/`--` or block inside: evaluating it changes nothing a second evaluation would see. */
function withoutEffects(x: Expr): boolean {
  let pure = true;
  walk(x, (n) => {
    if (n.kind === 'call' || n.kind === 'incdec' || n.kind === 'block-expr') pure = false;
    return pure;
  });
  return pure;
}
