// tracepoint: a tracepoint program on the perf tracepoint event.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const tracepoint: CompilerProviderRow<ResolvedOf<'tracepoint'>> = {
  progType: () => 'tracepoint',
  nameStem: (a) => a.event,
  pidFilter: true,
};
