// The kernel's BTF with a script's own types on top (their rows as the compiled program carries them, ids
// continuing after the kernel's), for printing record values. Only what printing needs: the checker's full
// overlay (lang/c/script-btf.ts) stays in lang, which the live view's worker bundle does not load.
import type { BtfMember, BtfType, BtfTypes } from '../../../lang/index.ts';

/** What renderRecord reads of a BTF; `isScriptType`: the id is one of the script's (not the kernel's). */
export type RecordTypes = Pick<BtfTypes, 'resolve' | 'type' | 'sizeOf' | 'members'> & {
  readonly isScriptType?: (id: number) => boolean;
};

/**
 * `base` with `rows` (ids firstId…) on top, or undefined when they do not fit it: the program was compiled
 * against a BTF with another type count (then record values print as bytes, not as wrong fields).
 */
export function withTypeRows(
  base: BtfTypes | undefined,
  firstId: number,
  rows: readonly BtfType[],
): RecordTypes | undefined {
  if ((base?.typeCount ?? 1) !== firstId) return undefined;
  const isBase = (id: number) => id > 0 && id < firstId;
  const type = (id: number): BtfType => {
    if (id === 0) return { kind: 'void', id: 0, name: '' };
    if (isBase(id)) return base!.type(id);
    const t = rows[id - firstId];
    if (t === undefined) throw new Error(`type id ${id} out of range`);
    return t;
  };
  const resolve = (id: number): number => {
    for (let i = 0; i < 64; i++) {
      if (isBase(id)) return base!.resolve(id);
      const t = type(id);
      if (
        t.kind === 'typedef' ||
        t.kind === 'const' ||
        t.kind === 'volatile' ||
        t.kind === 'restrict' ||
        t.kind === 'type_tag'
      )
        id = t.target;
      else return id;
    }
    throw new Error(`type ${id}: typedef/qualifier chain longer than 64`);
  };
  const sizeOf = (id: number): number | undefined => {
    const rid = resolve(id);
    if (isBase(rid)) return base!.sizeOf(rid);
    const t = type(rid);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'struct':
      case 'union':
      case 'enum':
        return t.size;
      case 'ptr':
        return 8;
      case 'array': {
        const elem = sizeOf(t.elem);
        return elem === undefined ? undefined : elem * t.count;
      }
      default:
        return undefined;
    }
  };
  const members = (id: number): readonly BtfMember[] | undefined => {
    const t = type(resolve(id));
    return t.kind === 'struct' || t.kind === 'union' ? t.members : undefined;
  };
  return { type, resolve, sizeOf, members, isScriptType: (id) => id >= firstId };
}
