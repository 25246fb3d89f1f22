// The meta functions (lang/builtins/meta.ts): values the checker worked out, and static_assert, which emits nothing.
import type { CallExpr } from '../../../lang/index.ts';
import { CodegenError, type Gen } from '../context.ts';
import { emitConstant } from '../values.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

const known: BuiltinEmit = {
  call: {
    int: (g: Gen, c: CallExpr) => {
      if (!emitConstant(g, c)) throw new CodegenError(`${c.name}() has no value known when compiling`, c.span);
    },
  },
};

export const metaBuiltins: EmitRows = {
  is_str: known,
  is_ptr: known,
  is_array: known,
  is_integer: known,
  is_unsigned_integer: known,
  is_literal: known,
  kfunc_exist: known,
  static_assert: { call: { stmt: () => {} } },
  // reached only where the checker found it cannot run (an error otherwise)
  fail: { call: { stmt: () => {} } },
};
