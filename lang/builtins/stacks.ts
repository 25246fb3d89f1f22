// Stacks: the kernel and user stack of the current task, as builtin variables or with a mode and a depth.
import type { CallExpr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { closest } from '../suggest.ts';
import { MAX_STACK_FRAMES, i64, stackType, u64, type StackMode, type Type } from '../types.ts';
import { intLiteral } from './args.ts';
import type { BuiltinRow } from './row.ts';
import { warning } from '../diagnostics.ts';

const stackModes: readonly StackMode[] = ['bpftrace', 'perf', 'raw', 'build_id'];

const stack = (name: 'kstack' | 'ustack', space: 'kernel' | 'user'): BuiltinRow => ({
  name,
  family: 'stacks',
  doc: `the ${space} stack`,
  // the mode, unless the call names one, is config stack_mode's (BPFTRACE_STACK_MODE)
  variable: {
    type: stackType(space),
    check: (ctx, e) => {
      if (space === 'user' || ctx.config.stackMode !== 'build_id') return stackType(space, ctx.config.stackMode);
      // bpftrace v0.26's words and fallback
      ctx.report(warning("'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode.", e.span));
      return stackType(space, 'raw');
    },
  },
  function: {
    minArgs: 0,
    maxArgs: 2,
    signature: `${name}([bpftrace|perf|raw${space === 'user' ? '|build_id' : ''}] [, int frames])`,
    aggregation: false,
    check: (ctx, c) => stackCall(ctx, c, space),
  },
});

export const stackRows: readonly BuiltinRow[] = [stack('kstack', 'kernel'), stack('ustack', 'user')];

/**
 * The most frames a stack may ask for (bpftrace v0.26's limit); past the kernel's perf_event_max_stack (127
 * unless raised) bpf_get_stack stops early, and the rest of the value stays empty.
 */
const STACK_LIMIT_MAX = 1024;

/** kstack / kstack(perf) / kstack(5) / kstack(perf, 5). */
function stackCall(ctx: CheckContext, c: CallExpr, space: 'kernel' | 'user'): Type {
  let mode: StackMode = ctx.config.stackMode;
  let limit = MAX_STACK_FRAMES;
  let args = c.args;
  const first = args[0];
  if (first?.kind === 'ident') {
    if (!stackModes.includes(first.name as StackMode)) {
      const guess = closest(first.name, stackModes);
      ctx.error(`unknown stack mode '${first.name}'`, first.span, [
        guess ? `did you mean '${guess}'?` : `the modes are ${stackModes.join(', ')}`,
      ]);
    } else mode = first.name as StackMode;
    ctx.typeOf.set(first, u64);
    args = args.slice(1);
  }
  const n = args[0];
  if (args.length > 1) ctx.error(`${c.name}() takes a mode and a frame count`, c.span, [`usage: ${c.name}(perf, 10)`]);
  if (n) {
    // a literal, or a positional parameter that reads as a number: ustack($1)
    const v = intLiteral(ctx, n);
    if (v === undefined || v < 1n || v > BigInt(STACK_LIMIT_MAX)) {
      if (v === undefined) ctx.expr(n);
      ctx.error(`${c.name}() frame count must be an integer literal from 1 to ${STACK_LIMIT_MAX}`, n.span);
    } else {
      ctx.typeOf.set(n, i64);
      limit = Number(v);
    }
  }
  // bpftrace v0.26's words: build ids name user-space files (the mode may come from config stack_mode)
  if (mode === 'build_id' && space === 'kernel') {
    ctx.error("'build_id' stack mode can only be used for ustack", first?.kind === 'ident' ? first.span : c.span, [
      'use bpftrace, perf or raw',
    ]);
    mode = 'raw';
  }
  return stackType(space, mode, limit);
}
