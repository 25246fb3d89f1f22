// self:signal: like BEGIN, a raw tracepoint program run on demand with BPF_PROG_TEST_RUN.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const self: CompilerProviderRow<ResolvedOf<'self'>> = {
  progType: () => 'raw_tracepoint',
  nameStem: (a) => a.signal.toLowerCase(),
  elfSection: () => 'raw_tp', // run by BPF_PROG_TEST_RUN: no tracepoint to name
  pidFilter: false,
  runsOnce: true,
};
