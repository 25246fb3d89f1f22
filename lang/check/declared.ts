// Variables declared with a type (`let $x: uint8;`, `let $y: typeof($a);`) keep it, as bpftrace v0.26 has them:
// an assigned integer is converted to the declared type (a warning when it may not fit, an error for a literal
// that does not), a string or tuple must fit the declared size. Undeclared variables widen instead (infer.ts).
import type { Expr } from '../ast.ts';
import { warning } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { isPointer, typeName, type Type } from '../types.ts';
import { literalType, literalValue } from './literals.ts';
import { err, type InferState } from './state.ts';

/** Whether a declared type is kept by the variable: plain integers, strings and tuples of them. */
export function lockable(t: Type): boolean {
  if (t.kind === 'int') return !t.view && !isPointer(t) && !t.pointeeInt && !t.pointeeName;
  if (t.kind === 'string') return true;
  if (t.kind === 'tuple') return t.elements.every(lockable);
  return false;
}

/**
 * Checks that `vt` (the type of `value`) can be assigned to `name`, declared `declared`; reports what does not
 * fit at `span` (the variable keeps its type either way). Returns false after an error.
 */
export function checkDeclaredAssign(
  st: InferState,
  name: string,
  declared: Type,
  vt: Type,
  value: Expr | undefined,
  span: Span,
): boolean {
  const problem = fit(declared, vt, value);
  if (problem === 'fits') return true;
  const shown = value ? (literalType(value) ?? vt) : vt;
  if (problem === 'error') {
    const hint =
      declared.kind === 'int' && vt.kind === 'int'
        ? `cast it if truncating is what you want: (${typeName(declared)})…`
        : declared.kind === vt.kind
          ? `declare ${name} with a type large enough to hold it`
          : `${name} was declared ${typeName(declared)}: assign values of that type, or use another variable`;
    err(
      st,
      `Type mismatch for ${name}: trying to assign value of type '${typeName(shown)}' when variable already has a type '${typeName(declared)}'`,
      span,
      [hint],
    );
    return false;
  }
  st.diags.push(
    warning(
      `Expression of type: ${typeName(vt)} being cast to type: ${typeName(declared)}. This may cause unexpected results. Use an explicit cast to suppress this warning.`,
      span,
    ),
  );
  return true;
}

type Fit = 'fits' | 'warn' | 'error';

function fit(declared: Type, vt: Type, value: Expr | undefined): Fit {
  if (declared.kind === 'int') {
    if (vt.kind === 'bool') return 'fits';
    if (vt.kind !== 'int') return 'error';
    const literal = value ? literalValue(value) : undefined;
    if (literal !== undefined) return inRange(literal, declared) ? 'fits' : 'error';
    return intFits(vt, declared) ? 'fits' : 'warn';
  }
  if (declared.kind === 'string') return vt.kind === 'string' && vt.size <= declared.size ? 'fits' : 'error';
  if (declared.kind === 'tuple') {
    if (vt.kind !== 'tuple' || vt.elements.length !== declared.elements.length) return 'error';
    const items = value?.kind === 'tuple' ? value.elements : undefined;
    let worst: Fit = 'fits';
    for (let i = 0; i < declared.elements.length; i++) {
      const f = fit(declared.elements[i]!, vt.elements[i]!, items?.[i]);
      if (f === 'error') return 'error';
      if (f === 'warn') worst = 'warn';
    }
    return worst;
  }
  return 'fits';
}

function inRange(v: bigint, t: Extract<Type, { kind: 'int' }>): boolean {
  const bits = BigInt(t.bits);
  return t.signed ? v >= -(1n << (bits - 1n)) && v < 1n << (bits - 1n) : v >= 0n && v < 1n << bits;
}

/** bpftrace v0.26's FitsInto for integers: same sign and no wider; unsigned into a strictly wider signed. */
function intFits(from: Extract<Type, { kind: 'int' }>, to: Extract<Type, { kind: 'int' }>): boolean {
  if (from.signed === to.signed) return from.bits <= to.bits;
  return !from.signed && from.bits < to.bits;
}
