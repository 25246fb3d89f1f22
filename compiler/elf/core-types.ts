// CO-RE local types: the part of each kernel struct an object's field accesses go through, written into the
// object's .BTF. libbpf finds the running kernel's struct by the local one's name, follows the access string's
// member indices in the local type and matches each member by name in the kernel's (through anonymous
// members), so a local struct needs only the members accessed, with the kernel's names and offsets, and its
// size; member types need only be of the same kind (an int, any pointer, a struct, an enum, an array of such).
import type { BtfTypes } from '../../lang/index.ts';
import type { CoreRef } from '../asm/index.ts';
import type { BtfWriter } from '../btf/index.ts';

type IntSize = 1 | 2 | 4 | 8 | 16;

export class CoreTypes {
  /** kernel struct/union id → the member indices some access goes through */
  private readonly needed = new Map<number, Set<number>>();
  private readonly local = new Map<number, number>();
  private voidPtr?: number;
  private indexType?: number;

  constructor(private readonly btf: BtfTypes) {}

  /** Notes the members an access goes through (call for every access before any access()). */
  need(ref: CoreRef): void {
    let at = ref.type;
    for (const i of ref.path) {
      const m = this.btf.members(at)?.[i];
      if (!m) throw new Error(`core: ${this.btf.typeName(at)} has no member #${i}`);
      let set = this.needed.get(at);
      if (!set) this.needed.set(at, (set = new Set()));
      set.add(i);
      at = this.btf.resolve(m.type);
    }
  }

  /** The local root type and access string ("0:i:j", local member indices) of an access; writes types as needed. */
  access(w: BtfWriter, ref: CoreRef): { typeId: number; access: string } {
    const typeId = this.typeOf(w, ref.type);
    const parts = ['0'];
    let at = ref.type;
    for (const i of ref.path) {
      parts.push(String(this.memberOrder(at).indexOf(i)));
      at = this.btf.resolve(this.btf.members(at)![i]!.type);
    }
    return { typeId, access: parts.join(':') };
  }

  private memberOrder(id: number): number[] {
    return [...(this.needed.get(id) ?? [])].sort((a, b) => a - b);
  }

  /** Post-order: a struct's member types are written before it (members by value cannot be cyclic). */
  private typeOf(w: BtfWriter, kernelId: number): number {
    const id = this.btf.resolve(kernelId);
    const known = this.local.get(id);
    if (known !== undefined) return known;
    const t = this.btf.type(id);
    let made: number;
    switch (t.kind) {
      case 'int':
        made = w.int(t.name, t.size as IntSize, t.signed, t.bits);
        break;
      case 'ptr':
        made = this.voidPtr ??= w.ptr(0);
        break;
      case 'array':
        made = w.array(this.typeOf(w, t.elem), (this.indexType ??= w.int('unsigned int', 4, false)), t.count);
        break;
      case 'struct':
      case 'union': {
        const members = this.memberOrder(id).map((i) => {
          const m = t.members[i]!;
          return { name: m.name, type: this.typeOf(w, m.type), bitOffset: m.bitOffset, bitSize: m.bitSize };
        });
        made = w.struct(t.name, t.size, members, t.kind === 'union');
        break;
      }
      case 'enum':
        made = w.enumeration(t.name, t.size, t.values, t.signed, t.wide);
        break;
      case 'float':
        made = w.float(t.name, t.size);
        break;
      default:
        throw new Error(`core: cannot write a local ${t.kind} (${this.btf.typeName(id)})`);
    }
    this.local.set(id, made);
    return made;
  }
}
