// KernelInfo for the checker, read lazily from tracefs, /proc/kallsyms and the cgroup file system (and, later, BTF).
import { statSync } from 'node:fs';
import type { KernelInfo } from '../../lang/kernel.ts';
import { findKernelFunc, moduleBtf, vmlinuxBtf } from './btf/index.ts';
import { kernelFunctions } from './functions.ts';
import { userProbeSites, usdtSites } from './user-probes.ts';
import { kernelSymbolAddress } from './kallsyms.ts';
import { listTracepoints, tracepointFormat } from './tracefs.ts';

export function hostKernelInfo(): KernelInfo {
  return {
    arch: process.arch === 'arm64' ? 'arm64' : 'x86_64',
    tracepoints: () => listTracepoints(),
    tracepointFormat: (group, event) => tracepointFormat(group, event),
    kernelFunctions: () => kernelFunctions(),
    btf: () => vmlinuxBtf(),
    moduleBtf: (module) => moduleBtf(module),
    functionBtf: (name, module) => {
      if (module === undefined || module === 'vmlinux') {
        const hit = findKernelFunc(name);
        return hit && (module === undefined || hit.module === 'vmlinux') ? { module: hit.module, btf: hit.btf } : undefined;
      }
      const btf = moduleBtf(module);
      return btf?.funcProto(name) ? { module, btf } : undefined;
    },
    userProbeSites: (target, where, pid) => userProbeSites(target, where, pid),
    usdtSites: (target, provider, name, pid) => usdtSites(target, provider, name, pid),
    kernelSymbolAddress: (name) => kernelSymbolAddress(name),
    cgroupId: (path) => {
      // a cgroup v2 id is the inode number of its directory
      try {
        const st = statSync(path, { bigint: true });
        return st.isDirectory() ? st.ino : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
