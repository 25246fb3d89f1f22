// interval, profile, software, hardware and watchpoint: perf_event programs on a perf event.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

type PerfProvider = 'interval' | 'profile' | 'software' | 'hardware' | 'watchpoint';

function perfEventRow<K extends PerfProvider>(pidFilter: boolean): CompilerProviderRow<ResolvedOf<K>> {
  return {
    progType: () => 'perf_event',
    nameStem: (a) => a.provider,
    elfSection: () => 'perf_event',
    pidFilter,
    // each perf event (one per CPU for profile and software events) takes the program through a BPF link that
    // carries the point's cookie (Linux 5.15)
    attachCookie: () => 'perf-link',
  };
}

export const interval = perfEventRow<'interval'>(false);
export const profile = perfEventRow<'profile'>(true);
export const software = perfEventRow<'software'>(true);
export const hardware = perfEventRow<'hardware'>(true);
export const watchpoint = perfEventRow<'watchpoint'>(false);
