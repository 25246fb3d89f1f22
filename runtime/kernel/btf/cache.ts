// The running kernel's BTF, read on demand and cached: vmlinux from /sys/kernel/btf/vmlinux, each
// module's split BTF from /sys/kernel/btf/<module> on top of it (kernel 5.11+ with CONFIG_DEBUG_INFO_BTF_MODULES;
// vmlinux BTF itself needs CONFIG_DEBUG_INFO_BTF, 5.4+ for the sysfs file).
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { MAP_PRIVATE, PROT_READ } from '../../sys/constants.ts';
import { isSysError } from '../../sys/errors.ts';
import { mmap } from '../../sys/io.ts';
import type { BtfFunc } from '../../../lang/index.ts';
import { Btf, BtfError, parseBtf } from './reader.ts';

const SYSFS_BTF = '/sys/kernel/btf';

let vmlinux: Btf | null | undefined; // null: looked, there is none
const modules = new Map<string, Btf | null>();
let moduleList: string[] | undefined;

/** The kernel's own BTF, or undefined when the kernel exposes none. Read once; errors other than a missing file throw. */
export function vmlinuxBtf(): Btf | undefined {
  if (vmlinux === undefined) vmlinux = readBtf(`${SYSFS_BTF}/vmlinux`, 'vmlinux') ?? null;
  return vmlinux ?? undefined;
}

/** Whether vmlinux's BTF has been read already (asking vmlinuxBtf() costs nothing more). */
export function vmlinuxBtfRead(): boolean {
  return vmlinux !== undefined;
}

/** Modules with BTF (the names under /sys/kernel/btf other than vmlinux), sorted. */
export function btfModuleNames(): string[] {
  if (moduleList === undefined) {
    moduleList = existsSync(SYSFS_BTF)
      ? readdirSync(SYSFS_BTF)
          .filter((n) => n !== 'vmlinux')
          .sort()
      : [];
  }
  return moduleList;
}

/** A module's split BTF, on vmlinux's; undefined when the module has none (or is not loaded). */
export function moduleBtf(module: string): Btf | undefined {
  if (module === 'vmlinux' || module.includes('/')) return undefined;
  let btf = modules.get(module);
  if (btf === undefined) {
    const base = vmlinuxBtf();
    btf = base === undefined ? null : (readBtf(`${SYSFS_BTF}/${module}`, module, base) ?? null);
    modules.set(module, btf);
  }
  return btf ?? undefined;
}

/** Where a kernel function is defined: vmlinux first, then each module with BTF (loading their BTF as needed). */
export function findKernelFunc(
  name: string,
): { readonly module: string; readonly btf: Btf; readonly func: BtfFunc } | undefined {
  const base = vmlinuxBtf();
  if (base === undefined) return undefined;
  const func = base.funcProto(name);
  if (func !== undefined) return { module: 'vmlinux', btf: base, func };
  for (const module of btfModuleNames()) {
    const btf = moduleBtf(module);
    // only the module's own FUNCs: find() would also see vmlinux's
    const own = btf?.findAll(name, 'func').find((id) => id >= btf.firstId);
    if (btf !== undefined && own !== undefined) return { module, btf, func: btf.funcById(own) };
  }
  return undefined;
}

/** Forgets every BTF read (tests). */
export function resetBtfCache(): void {
  vmlinux = undefined;
  modules.clear();
  moduleList = undefined;
}

function readBtf(path: string, source: string, base?: Btf): Btf | undefined {
  let data: Uint8Array;
  try {
    data = mappedOrRead(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BtfError(`${source}: reading ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseBtf(data, { source, base });
}

/**
 * The file mapped read-only where the kernel allows it (Linux 6.16+ for /sys/kernel/btf/vmlinux), else read. Read,
 * vmlinux's 5.5 MB cost 28-60 ms here (a copy into fresh pages, ~11 us a page fault on this VM); mapped, the
 * kernel's own pages are shared: ~2.5 ms with every page touched (measured, 3 runs each). The parser only reads it.
 */
function mappedOrRead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > 0)
      try {
        return new Uint8Array(mmap(fd, size, PROT_READ, MAP_PRIVATE, 0, `mmap ${path}`));
      } catch (err) {
        if (!isSysError(err)) throw err; // a module's BTF, an older kernel: not mappable
      }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
