// The meta functions (lang/builtins/meta.ts): values the checker worked out, and static_assert, which emits nothing.
import { checkerConstant } from './data.ts';
import type { EmitRows } from './emit.ts';

export const metaBuiltins: EmitRows = {
  is_str: checkerConstant,
  is_ptr: checkerConstant,
  is_array: checkerConstant,
  is_integer: checkerConstant,
  is_unsigned_integer: checkerConstant,
  is_literal: checkerConstant,
  kfunc_exist: checkerConstant,
  kfunc_allowed: checkerConstant,
  static_assert: { call: { stmt: () => {} } },
  assert_str: { call: { stmt: () => {} } },
  // reached only where the checker found it cannot run (an error otherwise)
  fail: { call: { stmt: () => {} } },
};
