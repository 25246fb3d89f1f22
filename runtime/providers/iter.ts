// iter: a link to the iterator target; the session runs it once, right after BEGIN (attachment.run), or pins
// it (attachment.pin).
import type { ResolvedOf } from '../../lang/index.ts';
import { attachIter } from '../attach/iter.ts';
import { hostKernelInfo } from '../kernel/kernel-info.ts';
import type { RuntimeProviderRow } from './row.ts';

export const iter: RuntimeProviderRow<ResolvedOf<'iter'>> = {
  attach: (p, a) => [attachIter(p, a.text, a.pin)],
  listers: [
    {
      provider: 'iter',
      family: 'iterators',
      refusal: () => (hostKernelInfo().btf() ? undefined : 'the kernel has no BTF'),
      // the kernel's iterator targets: a bpf_iter_<target> function with its context struct bpf_iter__<target>
      // (the open-coded iterator kfuncs, bpf_iter_<x>_new/_next/_destroy, have none)
      names: () => {
        const btf = hostKernelInfo().btf();
        if (!btf) return [];
        return btf
          .funcNames('bpf_iter_*')
          .map((n) => n.slice('bpf_iter_'.length))
          .filter((t) => btf.find(`bpf_iter__${t}`, 'struct') !== undefined);
      },
      // -lv: bpf_iter_<target>'s parameters after its bpf_iter_meta, as v0.26's get_iters_params lists them
      details: (name) => {
        const btf = hostKernelInfo().btf();
        const f = btf?.funcProto(`bpf_iter_${name}`);
        if (!btf || !f) return [];
        return f.params.slice(1).map((p) => `    ${btf.typeName(p.type)} ${p.name}`);
      },
    },
  ],
};
