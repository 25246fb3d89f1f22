// fentry/fexit: tracing programs naming the kernel function (in vmlinux or a module) by BTF id, or a loaded
// program's function by its id in that program's BTF (fentry:bpf).
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const fentry: CompilerProviderRow<ResolvedOf<'fentry'>> = {
  progType: () => 'tracing',
  tracing: (a) => ({
    attach: a.provider,
    btfId: a.btfId,
    ...(a.module ? { module: a.module } : {}),
    ...(a.bpfProgram !== undefined ? { targetProgram: a.bpfProgram } : {}),
  }),
  nameStem: (a) => a.func || 'addr',
  elfSection: (a) => `${a.provider}/${a.func}`,
  pidFilter: true,
  // BPF_LINK_CREATE gives a trampoline's link a cookie (Linux 5.19)
  attachCookie: () => 'tracing-link',
};
