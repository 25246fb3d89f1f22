// BEGIN/END: raw tracepoint programs run on demand with BPF_PROG_TEST_RUN.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const special: CompilerProviderRow<ResolvedOf<'BEGIN'>> = {
  progType: () => 'raw_tracepoint',
  nameStem: (a) => a.provider,
  elfSection: () => 'raw_tp', // run by BPF_PROG_TEST_RUN: no tracepoint to name
  pidFilter: false,
  runsOnce: true,
};
