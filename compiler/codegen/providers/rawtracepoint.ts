// rawtracepoint: a BTF raw tracepoint (tracing, tp_btf) where the kernel's BTF knows it, else a plain one.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const rawtracepoint: CompilerProviderRow<ResolvedOf<'rawtracepoint'>> = {
  progType: (a) => (a.btfId !== undefined ? 'tracing' : 'raw_tracepoint'),
  tracing: (a) => (a.btfId !== undefined ? { attach: 'raw_tp', btfId: a.btfId } : undefined),
  nameStem: (a) => a.event,
  elfSection: (a) => (a.btfId !== undefined ? `tp_btf/${a.event}` : `raw_tp/${a.event}`),
  pidFilter: true,
  // BPF_RAW_TRACEPOINT_OPEN takes a cookie for either kind since Linux 6.10
  attachCookie: () => 'raw-tracepoint',
};
