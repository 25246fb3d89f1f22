// kprobe/kretprobe: kprobe programs (pt_regs context).
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const kprobe: CompilerProviderRow<ResolvedOf<'kprobe'>> = {
  progType: () => 'kprobe',
  nameStem: (a) => a.func || 'addr',
  elfSection: (a) =>
    a.address !== undefined
      ? `${a.provider}/0x${a.address.toString(16)}`
      : `${a.provider}/${a.func}${a.offset ? `+${a.offset}` : ''}`,
  pidFilter: true,
  // a kprobe's perf event takes its program through a BPF link that carries a cookie (Linux 5.15), as a tracepoint's
  attachCookie: () => 'perf-link',
};
