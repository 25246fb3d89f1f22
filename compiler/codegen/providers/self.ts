// self:signal: like BEGIN, a raw tracepoint program run on demand with BPF_PROG_TEST_RUN.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const self: CompilerProviderRow<ResolvedOf<'self'>> = {
  progType: () => 'raw_tracepoint',
  nameStem: (a) => a.signal.toLowerCase(),
  pidFilter: false,
};
