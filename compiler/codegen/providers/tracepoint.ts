// tracepoint: a tracepoint program on the perf tracepoint event, or a raw tracepoint program on the same event
// where the checker found one whose context has the record's fields at the record's offsets.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const tracepoint: CompilerProviderRow<ResolvedOf<'tracepoint'>> = {
  progType: (a) => (a.raw ? 'raw_tracepoint' : 'tracepoint'),
  nameStem: (a) => a.event,
  elfSection: (a) => (a.raw ? `raw_tp/${a.raw.event}` : `tracepoint/${a.group}/${a.event}`),
  pidFilter: true,
  // a perf tracepoint event's BPF link (Linux 5.15) carries a cookie, and a raw tracepoint's link (6.10)
  attachCookie: (a) => (a.raw ? 'raw-tracepoint' : 'perf-link'),
};
