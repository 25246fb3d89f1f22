// Kernel types (BTF) as scry types: integers keep their width and sign, pointers remember their target,
// char arrays are strings, structs/unions/other arrays are records read from memory when needed.
import type { BtfTypes } from '../btf.ts';
import { int, pointer, stringType, type AddressSpace, type IntBits, type Type } from '../types.ts';

/** The scry type of a value of BTF type `id` that lives in `space` memory (pointers inherit the space). */
export function typeFromBtf(btf: BtfTypes, id: number, space: AddressSpace): Type {
  const rid = btf.resolve(id);
  const t = btf.type(rid);
  switch (t.kind) {
    case 'int': {
      if (t.bool) return int(8, false);
      const bits = ([8, 16, 32, 64] as const).find((b) => b >= t.size * 8) ?? 64;
      return int(bits as IntBits, t.signed);
    }
    case 'enum':
      // prints as its enumerator's name (bpftrace v0.26); arithmetic on it gives a plain number
      return {
        kind: 'int',
        bits: (Math.min(8, Math.max(1, t.size)) * 8) as IntBits,
        signed: t.signed,
        view: { kind: 'enum', btf: rid, name: btf.typeName(rid) },
      };
    case 'ptr': {
      const target = btf.unqualified(t.target);
      const resolved = btf.resolve(target);
      if (resolved === 0) return pointer(space); // void *
      return { kind: 'int', bits: 64, signed: false, space, pointee: target, pointeeName: btf.typeName(target) };
    }
    case 'array': {
      const elem = btf.type(btf.resolve(t.elem));
      // text, as bpftrace has it: a kernel array of bytes; in a script's own type only `char` (clang's rule
      // there: uint8_t b[10] is an array of numbers)
      const byte = elem.kind === 'int' && elem.size === 1;
      if (byte && (btf.isScriptType?.(rid) ? elem.name === 'char' : elem.char || elem.name.endsWith('char')))
        return stringType(t.count);
      return {
        kind: 'record',
        btf: rid,
        size: btf.sizeOf(rid) ?? 0,
        name: btf.typeName(rid),
        space,
        align: alignment(btf, rid),
      };
    }
    case 'struct':
    case 'union':
      return { kind: 'record', btf: rid, size: t.size, name: btf.typeName(rid), space, align: alignment(btf, rid) };
    case 'fwd':
      return { kind: 'record', btf: rid, size: 0, name: btf.typeName(rid), space };
    case 'float':
      return int((t.size * 8) as IntBits, false);
    default:
      return int(64, false);
  }
}

/**
 * A type's alignment (what a tuple holding it aligns it to): the script layer's when it has one (it knows
 * packed and aligned(N)), else the largest alignment among a struct's members, as BTF does not record it.
 */
function alignment(btf: BtfTypes, id: number): number {
  const own = (btf as { alignOf?: (id: number) => number }).alignOf;
  if (own) return own.call(btf, id);
  let known = alignments.get(btf);
  if (!known) alignments.set(btf, (known = new Map()));
  const cached = known.get(id);
  if (cached !== undefined) return cached;
  const align = memberAlignment(btf, id);
  known.set(id, align);
  return align;
}

/** Per BTF (a WeakMap, so it goes with its BTF): task_struct's alignment is a walk over hundreds of members. */
const alignments = new WeakMap<BtfTypes, Map<number, number>>();

function memberAlignment(btf: BtfTypes, id: number): number {
  const t = btf.type(btf.resolve(id));
  switch (t.kind) {
    case 'int':
    case 'float':
    case 'enum':
      return Math.min(Math.max(t.size, 1), 8);
    case 'ptr':
      return btf.pointerSize;
    case 'array':
      return alignment(btf, t.elem);
    case 'struct':
    case 'union':
      return Math.max(1, ...t.members.map((m) => alignment(btf, m.type)));
    default:
      return 1;
  }
}
