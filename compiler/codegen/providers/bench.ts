// bench:NAME and test:NAME: XDP programs, as in bpftrace v0.26: BPF_PROG_TEST_RUN repeats and times only the
// program types that run on packets (a raw tracepoint program runs once, untimed).
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const bench: CompilerProviderRow<ResolvedOf<'bench'>> = {
  progType: () => 'xdp',
  nameStem: (a) => `${a.provider}_${a.name}`,
  elfSection: () => 'xdp',
  pidFilter: false,
};
