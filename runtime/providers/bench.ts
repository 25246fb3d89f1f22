// bench:NAME: nothing to attach; under --mode bench the session runs and times them (session-bench.ts).
import type { ResolvedOf } from '../../lang/index.ts';
import type { RuntimeProviderRow } from './row.ts';

export const bench: RuntimeProviderRow<ResolvedOf<'bench'>> = {
  attach: () => [],
};
