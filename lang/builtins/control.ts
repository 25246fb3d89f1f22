// Functions that act rather than compute: exit the program, send a signal, override a kernel function's return.
import type { CheckContext } from '../check/context.ts';
import type { CallExpr } from '../ast.ts';
import { probeContext } from '../providers.ts';
import { boolType, typeName, voidType, type Type } from '../types.ts';
import type { BuiltinRow, CallSpec } from './row.ts';

const control = (name: string, doc: string, spec: Omit<CallSpec, 'aggregation'>): BuiltinRow => ({
  name,
  family: 'control',
  doc,
  function: { ...spec, aggregation: false },
});

const signals: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

export const controlRows: readonly BuiltinRow[] = [
  control('exit', 'ends the program', {
    minArgs: 0,
    maxArgs: 1,
    signature: 'exit([int code])',
    actsInScry: true,
    check: (ctx, c) => {
      if (c.args[0]) ctx.intOperand(c.args[0], 'exit()');
      return voidType;
    },
  }),
  control('unwatch', 'removes a watchpoint (bpftrace v0.26 documents it, but has no watchpoint it can remove)', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'unwatch(void *addr)',
    check: (ctx, c) => {
      if (c.args[0]) ctx.intOperand(c.args[0], 'unwatch()');
      // v0.26.1 type-checks the call and generates an unresolved call for it, which cannot load
      if (!ctx.unreachable())
        ctx.error(
          'unwatch() has no watchpoint to remove: watchpoint:ADDR:LEN:MODE probes stay for the whole run',
          c.nameSpan,
          [
            'the watchpoints it removed (on a function argument) are gone from bpftrace v0.26',
            "to stop acting on hits, test a map in the probe's predicate, e.g. /@done == 0/",
          ],
        );
      return voidType;
    },
  }),
  control('signal', 'sends a signal to the current process (needs --unsafe)', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'signal(int|string signal)',
    check: (ctx, c) => signal(ctx, c, 'signal'),
  }),
  control('signal_thread', 'sends a signal to the current thread (needs --unsafe)', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'signal_thread(int|string signal)',
    check: (ctx, c) => signal(ctx, c, 'signal_thread'),
  }),
  control('override', "replaces the probed kernel function's return value (needs --unsafe)", {
    minArgs: 1,
    maxArgs: 1,
    signature: 'override(int return_value)',
    check: override,
  }),
  control('write_user', "writes bytes into the current task's user memory (needs --unsafe)", {
    minArgs: 3,
    maxArgs: 3,
    signature: 'write_user(void *dst, string|buffer src, int length)',
    check: writeUser,
  }),
];

/**
 * write_user(dst, src, n): bpf_probe_write_user of the first n bytes of a value the probe holds (a string, a
 * buffer, an integer); true when the kernel wrote them. n past the value's size is cut to it.
 */
function writeUser(ctx: CheckContext, c: CallExpr): Type {
  const [dst, src, len] = c.args;
  // bpftrace v0.26's words
  if (!ctx.unsafe)
    ctx.error('write_user() is unsafe. To use you need the --unsafe flag', c.nameSpan, [
      'it can crash or corrupt the traced process: run scry with --unsafe if you mean it',
    ]);
  if (dst) {
    const t = ctx.intOperand(dst, 'write_user()');
    if (t.kind === 'int' && t.space === 'kernel')
      ctx.error('write_user() writes user memory, and this is a kernel pointer', dst.span, [
        'cast it if it really is a user address: write_user(uptr(p), …)',
      ]);
  }
  if (src) {
    const t = ctx.expr(src);
    if (t.kind !== 'string' && t.kind !== 'buffer' && !(t.kind === 'int' && !t.space))
      ctx.error(`write_user() writes a string, a buffer or an integer the probe holds, got ${typeName(t)}`, src.span, [
        'for example write_user(args.filename, "/tmp/x", 7)',
      ]);
  }
  if (len) ctx.intOperand(len, 'write_user()');
  return boolType;
}

function signal(ctx: CheckContext, c: CallExpr, name: 'signal' | 'signal_thread'): Type {
  const a = c.args[0];
  if (!ctx.unsafe)
    ctx.error(`${name}() sends signals to traced processes, so it needs --unsafe`, c.nameSpan, [
      'run scry with --unsafe if you mean it',
    ]);
  const foreign = ctx.attach().find((x) => probeContext(x).foreignTask);
  if (foreign)
    ctx.error(`${name}() can not be used with "${foreign.provider}" probes`, c.nameSpan, [
      foreign.provider === 'BEGIN' || foreign.provider === 'END'
        ? 'BEGIN and END run in scry itself: the signal would go to scry'
        : 'the task running then is not one the event is about: signal from a probe on what the task does (kprobe, uprobe, tracepoint, profile)',
    ]);
  if (a?.kind === 'string') {
    const n = signals[a.value] ?? signals[`SIG${a.value}`];
    if (n === undefined)
      ctx.error(`${name}(): unknown signal '${a.value}'`, a.span, [`for example ${name}("SIGKILL") or ${name}(9)`]);
    else ctx.constants.set(a, BigInt(n));
  } else if (a) {
    ctx.intOperand(a, `${name}()`);
    if (a.kind === 'int' && (a.value < 1n || a.value > 64n))
      ctx.error(`${name}(): ${a.value} is not a signal number (1 to 64)`, a.span);
  }
  return voidType;
}

function override(ctx: CheckContext, c: CallExpr): Type {
  if (c.args[0]) ctx.intOperand(c.args[0], 'override()');
  if (!ctx.unsafe)
    ctx.error('override() changes what a kernel function returns, so it needs --unsafe', c.nameSpan, [
      'run scry with --unsafe if you mean it',
    ]);
  const wrong = ctx.attach().find((a) => !probeContext(a).override);
  if (wrong) ctx.error(`override() works only in kprobe probes, not in ${wrong.provider} probes`, c.span);
  return voidType;
}
