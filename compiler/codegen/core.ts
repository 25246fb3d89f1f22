// CO-RE for object files (--emit-elf): which kernel struct member a field access reads, as libbpf's relocation
// wants it — the struct's BTF id and the member indices from it (through anonymous members) to the member.
// Only code generated with CompileOptions.coreBtf asks; a normal run never calls this.
import type { FieldExpr, MemoryAccess } from '../../lang/index.ts';
import type { CoreRef } from '../asm/index.ts';
import { typeOf, type Gen } from './context.ts';

/**
 * The CO-RE reference of `x` (a member read at `acc.offset`), or undefined when there is none to make: not an
 * object file, the script's own type, or one libbpf cannot relocate (recorded as unrelocated, with the reason).
 */
export function coreField(g: Gen, x: FieldExpr, acc: MemoryAccess): CoreRef | undefined {
  const core = g.shared.core;
  if (!core) return undefined;
  const btf = core.btf;
  const base = typeOf(g, x.base);
  const root =
    acc.via === 'pointer'
      ? base.kind === 'int'
        ? base.pointee
        : undefined
      : base.kind === 'record'
        ? base.btf
        : undefined;
  // the script's own types (ids after the kernel's) have the layout the script gives them everywhere
  if (root === undefined || root >= btf.typeCount) return undefined;
  const skip = (reason: string) => void core.unrelocated.push({ span: x.nameSpan, reason });
  if (acc.bitSize) return (skip('a bitfield'), undefined);
  const rid = btf.resolve(root);
  // libbpf finds the other kernel's struct by its name
  if (!btf.name(rid)) return (skip(`a member of an unnamed ${btf.kind(rid)}`), undefined);
  const hit = btf.findMember(rid, x.name);
  if (!hit) return undefined;
  const path: number[] = [];
  let at = rid;
  let offset = 0;
  for (const m of hit.path) {
    const members = btf.members(at) ?? [];
    const i = members.findIndex((c) => c.name === m.name && c.bitOffset === m.bitOffset && c.type === m.type);
    if (i < 0) return undefined;
    path.push(i);
    offset += m.offset;
    at = btf.resolve(m.type);
  }
  if (offset !== acc.offset)
    throw new Error(`core: ${btf.name(rid)}.${x.name} at ${offset}, the checker says ${acc.offset}`);
  return { type: rid, path };
}
