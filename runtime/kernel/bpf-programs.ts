// The BPF programs loaded now, by their functions (fentry:bpf and -l 'fentry:bpf:*'): each program with its own BTF
// names its main function and subprograms there (func_info), which is what a program loaded against it attaches to.
// Programs without BTF cannot be traced this way and are left out, as bpftrace v0.26 leaves them.
import type { BpfProgramFunction } from '../../lang/index.ts';
import {
  btfData,
  btfGetFdById,
  nextObjectId,
  objectFdById,
  OwnedFd,
  progFunctions,
  progInfo,
  SysError,
} from '../sys/index.ts';
import { parseBtf, type Btf } from './btf/index.ts';

/** Every function of every loaded program that has BTF, each name once per program, in program id order. */
export function bpfProgramFunctions(): BpfProgramFunction[] {
  const out: BpfProgramFunction[] = [];
  const btfs = new Map<number, Btf | undefined>();
  for (let id = nextObjectId('prog', 0); id !== undefined; id = nextObjectId('prog', id)) {
    const fd = openOrSkip(() => objectFdById('prog', id!), `prog ${id}`);
    if (!fd) continue; // unloaded meanwhile
    try {
      const { btfId } = progInfo(fd.fd);
      if (!btfId) continue;
      if (!btfs.has(btfId)) btfs.set(btfId, programBtf(btfId));
      const btf = btfs.get(btfId);
      if (!btf) continue;
      const seen = new Set<string>();
      for (const { typeId } of progFunctions(fd.fd)) {
        const f = btf.kind(typeId) === 'func' ? btf.funcById(typeId) : undefined;
        if (!f?.name || seen.has(f.name)) continue;
        seen.add(f.name);
        out.push({ progId: id, name: f.name, btfId: typeId });
      }
    } finally {
      fd.close();
    }
  }
  return out;
}

/** A program's own BTF object, parsed; undefined when it is gone or unreadable. */
function programBtf(btfId: number): Btf | undefined {
  const fd = openOrSkip(() => btfGetFdById(btfId), `btf ${btfId}`);
  if (!fd) return undefined;
  try {
    return parseBtf(btfData(fd.fd), { source: `BTF object ${btfId}` });
  } catch {
    return undefined; // malformed for this reader: its functions are not offered
  } finally {
    fd.close();
  }
}

/** An object found by id, or undefined when it went away between finding its id and opening it (ENOENT). */
function openOrSkip(open: () => number, what: string): OwnedFd | undefined {
  try {
    return new OwnedFd(open(), what);
  } catch (e) {
    if (e instanceof SysError && e.code === 'ENOENT') return undefined;
    throw e;
  }
}
