// uprobe/uretprobe and usdt: kprobe programs on the uprobe PMU (pt_regs context), placed in the -p process.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const uprobe: CompilerProviderRow<ResolvedOf<'uprobe'>> = {
  progType: () => 'kprobe',
  nameStem: (a) => a.func || 'addr',
  elfSection: (a) => `${a.provider}/${a.path}:${a.func}`,
  pidFilter: false,
  // a uprobe's perf event link (Linux 5.15) and a uprobe_multi link (6.6, a cookie per offset) carry cookies
  attachCookie: () => 'perf-link',
};

export const usdt: CompilerProviderRow<ResolvedOf<'usdt'>> = {
  progType: () => 'kprobe',
  nameStem: (a) => a.site.name,
  elfSection: (a) => `usdt/${a.text.replace(/^usdt:/, '')}`,
  pidFilter: false,
  // each site is a uprobe's perf event, whose link carries a cookie (Linux 5.15)
  attachCookie: () => 'perf-link',
};
