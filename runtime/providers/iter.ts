// iter: a link to the iterator target; the session runs it once, right after BEGIN (attachment.run).
import type { ResolvedOf } from '../../lang/index.ts';
import { attachIter } from '../attach/iter.ts';
import type { RuntimeProviderRow } from './row.ts';

export const iter: RuntimeProviderRow<ResolvedOf<'iter'>> = {
  attach: (p, a) => [attachIter(p, a.text)],
};
