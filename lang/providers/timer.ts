// interval (one CPU) and profile (every CPU): timers. A profile probe interrupts whatever ran, so its
// context is that task's pt_regs.
import { type ProviderRow, type ResolvedBase } from './row.ts';

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
        ? 'interval:s|ms|us|hz:N or interval:N(s|ms|us|hz)'
        : 'profile:hz|s|ms|us:N or profile:N(hz|s|ms|us)',
    reads: name === 'profile' ? { ptRegs: true, currentTask: true } : { currentTask: true },
    resolve(r) {
      const { ap } = r;
      // `interval:1s`, `i:500ms`, `profile:99hz`: one part, the number then its unit (bpftrace v0.26)
      const joined = ap.parts.length === 1 ? /^(\d+)(hz|s|ms|us)$/.exec(ap.parts[0]!) : null;
      const parts = joined ? [joined[2]!, joined[1]!] : ap.parts;
      if (parts.length !== 2) return r.bad(`${name} needs a unit and a number`);
      const unit = parts[0] as (typeof timerUnits)[number];
      if (!timerUnits.includes(unit)) return r.bad(`invalid ${name} unit '${parts[0]}'`);
      const value = Number(parts[1]);
      if (!/^\d+$/.test(parts[1]!) || value <= 0) return r.bad(`invalid ${name} rate '${parts[1]}'`);
      return [{ provider: name, unit, value, ...r.base, text: `${name}:${unit}:${value}` }];
    },
  };
}

export const interval = timerRow('interval');
export const profile = timerRow('profile');
