// CO-RE for object files (--emit-elf): which kernel struct member a field access reads, as libbpf's relocation
// wants it — the struct's BTF id and the member indices from it (through anonymous members) to the member.
// Only code generated with CompileOptions.coreBtf asks; a normal run never gets past the first line.
import type { FieldExpr, MemoryAccess } from '../../lang/index.ts';
import type { CoreRef } from '../asm/index.ts';
import { typeOf, type Gen, type Shared } from './context.ts';

export interface CoreField {
  readonly ref: CoreRef;
  /**
   * a bitfield, read as libbpf reads one: byteSize bytes at byteOffset into a zeroed u64, then << lshift and
   * >> rshift; each number is relocated (libbpf's bpf_core_calc_field_relo computes them the same way)
   */
  readonly bits?: {
    readonly byteOffset: number;
    readonly byteSize: number;
    readonly lshift: number;
    readonly rshift: number;
  };
}

// per compilation, so an access asked about twice (address, then the read) is answered (and warned about) once
const answers = new WeakMap<Shared, Map<FieldExpr, CoreField | undefined>>();

/**
 * The CO-RE reference of `x` (a member read at `acc.offset`), or undefined when there is none to make: not an
 * object file, the script's own type, or one libbpf cannot relocate (recorded as unrelocated, with the reason).
 */
export function coreField(g: Gen, x: FieldExpr, acc: MemoryAccess): CoreField | undefined {
  if (!g.shared.core) return undefined;
  let known = answers.get(g.shared);
  if (!known) answers.set(g.shared, (known = new Map()));
  if (known.has(x)) return known.get(x);
  const answer = decide(g, x, acc);
  known.set(x, answer);
  return answer;
}

function decide(g: Gen, x: FieldExpr, acc: MemoryAccess): CoreField | undefined {
  const core = g.shared.core!;
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
  const rid = btf.resolve(root);
  // libbpf finds the other kernel's struct by its name
  if (!btf.name(rid)) return (skip(`a member of an unnamed ${btf.kind(rid)}`), undefined);
  const hit = btf.findMember(rid, x.name);
  if (!hit) return undefined;
  const path: number[] = [];
  let at = rid;
  for (const m of hit.path) {
    const members = btf.members(at) ?? [];
    const i = members.findIndex((c) => c.name === m.name && c.bitOffset === m.bitOffset && c.type === m.type);
    if (i < 0) return undefined;
    path.push(i);
    at = btf.resolve(m.type);
  }
  const ref = { type: rid, path };
  if (!acc.bitSize) {
    if (hit.offset !== acc.offset)
      throw new Error(`core: ${btf.name(rid)}.${x.name} at ${hit.offset}, not ${acc.offset}`);
    return { ref };
  }
  // the smallest aligned load of the member's own size or wider that holds every bit (at most 8 bytes)
  const bitSize = hit.member.bitSize;
  let byteSize = btf.sizeOf(hit.member.type) ?? 8;
  let byteOffset = Math.floor(hit.bitOffset / 8 / byteSize) * byteSize;
  while (hit.bitOffset + bitSize - byteOffset * 8 > byteSize * 8) {
    if (byteSize >= 8) return (skip('a bitfield no 8-byte load holds'), undefined);
    byteSize *= 2;
    byteOffset = Math.floor(hit.bitOffset / 8 / byteSize) * byteSize;
  }
  return {
    ref,
    bits: { byteOffset, byteSize, lshift: 64 - (hit.bitOffset + bitSize - byteOffset * 8), rshift: 64 - bitSize },
  };
}
