// The feature probes --info takes from modules beyond the syscall layer (BTF for fentry).
import { fentryRefusal } from '../runtime/features.ts';
import { vmlinuxBtf } from '../runtime/kernel/btf/index.ts';
import type { InfoProbes } from '../runtime/info.ts';

export function infoProbes(): InfoProbes {
  const target = vmlinuxBtf()?.funcProto('vfs_read');
  if (!target) return {};
  return {
    fentry: () => {
      const why = fentryRefusal('fentry', target.id);
      if (why) throw Object.assign(new Error(`BPF_PROG_LOAD: ${why}`), { code: why });
    },
  };
}
