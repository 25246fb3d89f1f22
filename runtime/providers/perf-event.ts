// interval/profile timers, software/hardware counters and watchpoints: perf events that run the program.
// Hardware events are listed only where a hardware counter opens.
import type { ResolvedOf } from '../../lang/index.ts';
import { hardwareEvents, softwareEvents } from '../../lang/index.ts';
import { attachCounted, attachWatchpoint } from '../attach/perf-events.ts';
import { attachTimer } from '../attach/timer.ts';
import { hardwareEventRefusal } from '../features.ts';
import { existsSync } from 'node:fs';
import { PerfSwConfig, PerfType, perfEventOpen } from '../sys/index.ts';
import { attempt, closing } from './feature-check.ts';
import type { RuntimeProviderRow } from './row.ts';

/** bpftrace lists a timer by its units alone (interval:ms:), the rate left to the script. */
const timerLister = (provider: 'interval' | 'profile') => ({
  provider,
  family: `${provider} timers`,
  refusal: () => undefined,
  names: () => ['hz:', 'ms:', 's:', 'us:'],
});

export const timer: RuntimeProviderRow<ResolvedOf<'interval'>> = {
  attach: (p, a) => attachTimer(p, a),
  listers: [timerLister('profile'), timerLister('interval')],
  // timers and software events are the same cpu-clock perf event
  info: () =>
    attempt('profile/interval/software', () =>
      closing(
        perfEventOpen({
          type: PerfType.SOFTWARE,
          config: BigInt(PerfSwConfig.CPU_CLOCK),
          samplePeriod: 1_000_000n,
          pid: -1,
          cpu: 0,
        }),
      ),
    ),
};

export const software: RuntimeProviderRow<ResolvedOf<'software'>> = {
  attach: (p, a) => attachCounted(p, a),
  listers: [
    {
      provider: 'software',
      family: 'software events',
      refusal: () => undefined,
      // each event and its aliases (software:cpu: is software:cpu-clock:), as bpftrace v0.26 lists them
      names: () => softwareEvents.flatMap((e) => [e.name, ...e.aliases].map((n) => `${n}:`)),
    },
  ],
};

export const hardware: RuntimeProviderRow<ResolvedOf<'hardware'>> = {
  attach: (p, a) => attachCounted(p, a),
  listers: [
    {
      provider: 'hardware',
      family: 'hardware events',
      refusal: () => {
        const why = hardwareEventRefusal();
        return why && `opening a hardware counter fails (${why}: no PMU for this CPU)`;
      },
      names: () => hardwareEvents.flatMap((e) => [e.name, ...e.aliases].map((n) => `${n}:`)),
    },
  ],
  // the same look -l uses to leave hardware events out
  info: () =>
    ((why) => (why ? { name: 'hardware', ok: false, note: why } : { name: 'hardware', ok: true }))(
      hardwareEventRefusal(),
    ),
};

export const watchpoint: RuntimeProviderRow<ResolvedOf<'watchpoint'>> = {
  attach: (p, a, ctx) => attachWatchpoint(p, a, ctx.pid ?? ctx.cpid),
  info: () => ({ name: 'watchpoint', ok: existsSync('/sys/bus/event_source/devices/breakpoint') }),
};
