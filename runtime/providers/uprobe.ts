// uprobe/uretprobe and usdt: perf events on the uprobe PMU, in the -p process or in every process.
// Their names are per binary: the listing reads them from the file a pattern names (listing.ts).
import type { ResolvedOf } from '../../lang/index.ts';
import { attachUprobe } from '../attach/uprobe.ts';
import type { RuntimeProviderRow } from './row.ts';

export const uprobe: RuntimeProviderRow<ResolvedOf<'uprobe'>> = {
  attach: (p, a, ctx) => [attachUprobe(p, { path: a.path, offset: a.offset, retprobe: a.provider === 'uretprobe', pid: ctx.pid ?? -1, description: a.text })],
};

export const usdt: RuntimeProviderRow<ResolvedOf<'usdt'>> = {
  attach: (p, a, ctx) => [
    attachUprobe(p, {
      path: a.site.path,
      offset: a.site.offset,
      retprobe: false,
      pid: ctx.pid ?? -1,
      ...(a.site.semaphoreOffset !== undefined ? { refCtrOffset: a.site.semaphoreOffset } : {}),
      description: a.text,
    }),
  ],
};
