// KernelInfo for the checker, read lazily from tracefs, /proc/kallsyms and the cgroup file system (and, later, BTF).
import { existsSync, statSync } from 'node:fs';
import { hasKprobes, kfuncAllowed, relocatedTaskCommOffset } from '../features.ts';
import { kernelProgType } from '../loader.ts';
import { programType } from '../../compiler/index.ts';
import type { BtfTypes, KernelInfo, ResolvedAttach } from '../../lang/index.ts';
import { findKernelFunc, moduleBtf, vmlinuxBtf, vmlinuxBtfRead } from './btf/index.ts';
import { bpfProgramFunctions } from './bpf-programs.ts';
import { kernelFunctions, kernelFunctionsWith } from './functions.ts';
import { userFunctionTypes, userProbeSites, userSourceLineSite, userSymbol, usdtSites } from './user-probes.ts';
import { kernelSymbolAddress } from './kallsyms.ts';
import { listTracepoints, tracepointFormat } from './tracefs.ts';

/**
 * The kernel's BTF, read only when the checker first asks it something (a program that never touches kernel
 * types does not pay the ~20 ms of reading it); undefined when the kernel has none.
 */
function lazyVmlinuxBtf(): BtfTypes | undefined {
  if (!existsSync('/sys/kernel/btf/vmlinux')) return undefined;
  return new Proxy({} as BtfTypes, {
    get(_target, prop) {
      const real = vmlinuxBtf();
      if (!real) throw new Error('vmlinux BTF vanished');
      const v = Reflect.get(real, prop, real) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
}

export function hostKernelInfo(): KernelInfo {
  return {
    arch: process.arch === 'arm64' ? 'arm64' : 'x86_64',
    tracepoints: () => listTracepoints(),
    tracepointFormat: (group, event) => tracepointFormat(group, event),
    kernelFunctions: () => kernelFunctions(),
    kernelFunctionsWith: (literal) => kernelFunctionsWith(literal),
    kprobesAttach: () => hasKprobes(),
    btf: () => lazyVmlinuxBtf(),
    btfRead: () => vmlinuxBtfRead(),
    taskCommOffset: () => relocatedTaskCommOffset(),
    moduleBtf: (module) => moduleBtf(module),
    bpfProgramFunctions: () => bpfProgramFunctions(),
    kfuncAllowed: (kfunc, probe) => {
      const id = lazyVmlinuxBtf()?.find(kfunc, 'func');
      return id !== undefined && kfuncAllowed(kfunc, id, kernelProgType(programType(probe as ResolvedAttach)));
    },
    functionBtf: (name, module) => {
      if (module === undefined || module === 'vmlinux') {
        const hit = findKernelFunc(name);
        return hit && (module === undefined || hit.module === 'vmlinux')
          ? { module: hit.module, btf: hit.btf }
          : undefined;
      }
      const btf = moduleBtf(module);
      return btf?.funcProto(name) ? { module, btf } : undefined;
    },
    userProbeSites: (target, where, pid, unsafe) => userProbeSites(target, where, pid, unsafe),
    userSymbol: (target, name, pid) => userSymbol(target, name, pid),
    userFunctionTypes: (path, func, typeNames) => userFunctionTypes(path, func, typeNames),
    userSourceLineSite: (target, file, line, column, pid, unsafe) =>
      userSourceLineSite(target, file, line, column, pid, unsafe),
    usdtSites: (target, provider, name, pid) => usdtSites(target, provider, name, pid),
    kernelSymbolAddress: (name) => kernelSymbolAddress(name),
    pidNamespace: () => {
      try {
        const st = statSync('/proc/self/ns/pid', { bigint: true });
        return { dev: st.dev, ino: st.ino };
      } catch {
        return undefined; // no /proc: the ids are the initial namespace's
      }
    },
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
