// tracepoint: a tracepoint program on the perf tracepoint event, or a BTF raw tracepoint (tp_btf) program on
// the same event where the checker found one whose context has the record's fields at the record's offsets.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const tracepoint: CompilerProviderRow<ResolvedOf<'tracepoint'>> = {
  progType: (a) => (a.raw ? 'tracing' : 'tracepoint'),
  tracing: (a) => (a.raw ? { attach: 'raw_tp', btfId: a.raw.btfId } : undefined),
  nameStem: (a) => a.event,
  elfSection: (a) => (a.raw ? `tp_btf/${a.raw.event}` : `tracepoint/${a.group}/${a.event}`),
  pidFilter: true,
  // a perf tracepoint event's BPF link (Linux 5.15) carries a cookie; a tp_btf program keeps its constants
  attachCookie: (a) => !a.raw,
};
