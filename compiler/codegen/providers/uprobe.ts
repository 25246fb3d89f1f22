// uprobe/uretprobe and usdt: kprobe programs on the uprobe PMU (pt_regs context), placed in the -p process.
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const uprobe: CompilerProviderRow<ResolvedOf<'uprobe'>> = {
  progType: () => 'kprobe',
  nameStem: (a) => a.func || 'addr',
  elfSection: (a) => `${a.provider}/${a.path}:${a.func}`,
  pidFilter: false,
};

export const usdt: CompilerProviderRow<ResolvedOf<'usdt'>> = {
  progType: () => 'kprobe',
  nameStem: (a) => a.site.name,
  elfSection: (a) => `usdt/${a.text.replace(/^usdt:/, '')}`,
  pidFilter: false,
};
