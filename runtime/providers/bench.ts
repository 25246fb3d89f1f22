// bench:NAME and test:NAME: nothing to attach; under --mode bench or --test the session runs them (session-bench.ts).
import type { ResolvedOf } from '../../lang/index.ts';
import type { RuntimeProviderRow } from './row.ts';

export const bench: RuntimeProviderRow<ResolvedOf<'bench'>> = {
  attach: () => [],
};
