// interval (one CPU) and profile (every CPU): timers. A profile probe interrupts whatever ran, so its
// context is that task's pt_regs.
import { parseIntLiteral } from '../cst-to-ast.ts';
import { fail, type ProviderRow, type ResolvedBase, type ResolveRequest } from './row.ts';

export interface ResolvedTimer extends ResolvedBase {
  readonly provider: 'interval' | 'profile';
  readonly unit: 'hz' | 's' | 'ms' | 'us';
  readonly value: number;
}

const timerUnits = ['hz', 's', 'ms', 'us'] as const;

const NS_PER_UNIT = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n } as const;

/**
 * A timer probe's period in ns (hz: 1e9 / N, rounded down): what its perf event is opened with (a profile probe in
 * hz asks the kernel for the frequency instead) and what the compiler counts its firings by.
 */
export function timerPeriodNs(t: ResolvedTimer): bigint {
  return t.unit === 'hz' ? 1_000_000_000n / BigInt(t.value) : NS_PER_UNIT[t.unit] * BigInt(t.value);
}

function timerRow(name: 'interval' | 'profile'): ProviderRow<ResolvedTimer> {
  return {
    name,
    aliases: [name === 'interval' ? 'i' : 'p'],
    usage:
      name === 'interval'
        ? 'interval:s|ms|us|hz:N, or interval:N with a unit (ns us ms s m h d hz; none: nanoseconds)'
        : 'profile:hz|s|ms|us:N, or profile:N with a unit (ns us ms s m h d hz; none: nanoseconds)',
    reads: name === 'profile' ? { ptRegs: true, currentTask: true } : { currentTask: true, foreignTask: true },
    resolve(r) {
      const { ap } = r;
      if (ap.parts.length === 1) return joinedRate(r, name, ap.parts[0]!);
      if (ap.parts.length !== 2) return r.bad(`${name} needs a unit and a number`);
      const unit = ap.parts[0] as (typeof timerUnits)[number];
      if (!timerUnits.includes(unit)) return r.bad(`invalid ${name} unit '${ap.parts[0]}'`);
      const raw = ap.parts[1]!;
      // a plain count: decimal, hex or 1e6, as bpftrace reads it; a duration suffix belongs to the joined form
      const parsed = /[a-df-wyz]$/i.test(raw) && !/^0x/i.test(raw) ? undefined : parseIntLiteral(raw);
      const value = parsed && 'value' in parsed ? parsed.value : undefined;
      if (value === undefined || value <= 0n || value > BigInt(Number.MAX_SAFE_INTEGER))
        return r.bad(`invalid ${name} rate '${raw}'`);
      return [timer(r, name, unit, Number(value))];
    },
  };
}

function timer(r: ResolveRequest, provider: 'interval' | 'profile', unit: ResolvedTimer['unit'], value: number) {
  return { provider, unit, value, ...r.base, text: `${provider}:${unit}:${value}` };
}

/**
 * `interval:1s`, `i:500ms`, `profile:10000000`: one part, a duration in nanoseconds with an optional unit suffix
 * (ns us ms s m h d), at least a microsecond, named in microseconds as bpftrace v0.26 names it (`probe` of
 * `interval:100ms` is `interval:us:100000`); `profile:99hz` too, a frequency.
 */
function joinedRate(r: ResolveRequest, name: 'interval' | 'profile', part: string): ResolvedTimer[] {
  const hz = /^(\d+)hz$/.exec(part);
  if (hz) {
    const value = Number(hz[1]);
    return value > 0 ? [timer(r, name, 'hz', value)] : r.bad(`invalid ${name} rate '${part}'`);
  }
  if ((timerUnits as readonly string[]).includes(part)) return r.bad(`${name} needs a unit and a number`);
  const parsed = parseIntLiteral(part);
  if ('error' in parsed) return r.bad(`invalid ${name} rate '${part}': ${parsed.error}`);
  const ns = parsed.value;
  if (ns < 1000n)
    return fail(r, `${name}:${part} is ${ns} nanoseconds, and the shortest ${name} is 1000 (1us)`, [
      `a number alone is nanoseconds: write ${name}:${ns}us or ${name}:${ns}ms for microseconds or milliseconds`,
    ]);
  const us = ns / 1000n;
  if (us > BigInt(Number.MAX_SAFE_INTEGER)) return r.bad(`invalid ${name} rate '${part}': too long`);
  return [timer(r, name, 'us', Number(us))];
}

export const interval = timerRow('interval');
export const profile = timerRow('profile');
