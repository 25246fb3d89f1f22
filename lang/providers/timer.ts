// interval (one CPU) and profile (every CPU): timers. A profile probe interrupts whatever ran, so its
// context is that task's pt_regs.
import { type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedTimer extends ResolvedBase {
  readonly provider: 'interval' | 'profile';
  readonly unit: 'hz' | 's' | 'ms' | 'us';
  readonly value: number;
}

const timerUnits = ['hz', 's', 'ms', 'us'] as const;

function timerRow(name: 'interval' | 'profile'): ProviderRow<ResolvedTimer> {
  return {
    name,
    aliases: [name === 'interval' ? 'i' : 'p'],
    usage: name === 'interval' ? 'interval:s|ms|us|hz:N' : 'profile:hz|s|ms|us:N',
    reads: name === 'profile' ? { ptRegs: true } : {},
    resolve(r) {
      const { ap } = r;
      if (ap.parts.length !== 2) return r.bad(`${name} needs a unit and a number`);
      const unit = ap.parts[0] as (typeof timerUnits)[number];
      if (!timerUnits.includes(unit)) return r.bad(`invalid ${name} unit '${ap.parts[0]}'`);
      const value = Number(ap.parts[1]);
      if (!/^\d+$/.test(ap.parts[1]!) || value <= 0) return r.bad(`invalid ${name} rate '${ap.parts[1]}'`);
      return [{ provider: name, unit, value, ...r.base, text: `${name}:${unit}:${value}` }];
    },
  };
}

export const interval = timerRow('interval');
export const profile = timerRow('profile');
