// Time: the clocks a probe reads, and the functions that print a time.
import { stringType, u64, viewed, voidType } from '../types.ts';
import { stringLiteral } from './args.ts';
import type { BuiltinRow } from './row.ts';
import { closest } from '../suggest.ts';
import { textByteLength } from '../byte-text.ts';

/** The clocks nsecs() reads: CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI, and TAI for kernels without its helper. */
export const NSECS_CLOCKS = ['monotonic', 'boot', 'tai', 'sw_tai'] as const;

export const timeRows: readonly BuiltinRow[] = [
  {
    name: 'nsecs',
    family: 'time',
    doc: 'time since boot in nanoseconds (CLOCK_BOOTTIME: time suspended counts)',
    variable: { type: u64 },
    timestampClock: (e) => (e.kind === 'call' && e.args[0]?.kind === 'ident' ? e.args[0].name : 'boot'),
    // nsecs(boot) etc. pick the clock, as in bpftrace v0.26 (the variable and nsecs() are nsecs(boot))
    function: {
      minArgs: 0,
      maxArgs: 1,
      signature: `nsecs([${NSECS_CLOCKS.join('|')}])`,
      aggregation: false,
      check: (ctx, c) => {
        const mode = c.args[0];
        if (!mode) return u64;
        ctx.typeOf.set(mode, u64);
        if (mode.kind !== 'ident' || !(NSECS_CLOCKS as readonly string[]).includes(mode.name)) {
          const guess = mode.kind === 'ident' ? closest(mode.name, NSECS_CLOCKS) : undefined;
          ctx.error(`nsecs() takes a clock: ${NSECS_CLOCKS.join(', ')}`, mode.span, [
            guess ? `did you mean '${guess}'?` : 'for example nsecs(boot)',
          ]);
        }
        return u64;
      },
    },
  },
  { name: 'elapsed', family: 'time', doc: 'nanoseconds since scry started the program', variable: { type: u64 } },
  { name: 'jiffies', family: 'time', doc: 'kernel jiffies', variable: { type: u64 } },
  {
    name: 'time',
    family: 'time',
    doc: 'prints the current time',
    function: {
      minArgs: 0,
      maxArgs: 1,
      signature: 'time([string format])',
      aggregation: false,
      actsInScry: true,
      check: (ctx, c) => {
        const f = c.args[0];
        if (f && f.kind !== 'string') ctx.error('time() needs a string literal as its format', f.span);
        else if (f) ctx.typeOf.set(f, stringType(textByteLength(f.value) + 1));
        return voidType;
      },
    },
  },
  {
    name: 'strftime',
    family: 'time',
    doc: 'a time in nanoseconds, printed with a format',
    function: {
      minArgs: 2,
      maxArgs: 2,
      signature: 'strftime(string format, int nsecs)',
      aggregation: false,
      check: (ctx, c) => {
        const [fmt, ns] = c.args;
        const format = stringLiteral(ctx, fmt, 'strftime()', 'a format string');
        if (ns) ctx.intOperand(ns, 'strftime()');
        // a monotonic stamp has no date; a TAI one is a date already (bpftrace v0.26)
        const clock = ns && ctx.timestampClock(ns);
        if (clock === 'monotonic')
          ctx.error('strftime() can not take a monotonic timestamp', ns!.span, [
            'use nsecs (boot time) or nsecs(tai), which strftime() can turn into a date',
          ]);
        const tai = clock === 'tai' || clock === 'sw_tai';
        return viewed({ kind: 'strftime', format: format ?? '', ...(tai ? { clock: 'tai' as const } : {}) });
      },
    },
  },
];
