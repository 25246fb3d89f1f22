// BEGIN/END: nothing to attach; the session runs them with BPF_PROG_TEST_RUN.
import type { ResolvedOf } from '../../lang/index.ts';
import type { RuntimeProviderRow } from './row.ts';

export const special: RuntimeProviderRow<ResolvedOf<'BEGIN'>> = {
  attach: () => [],
};
