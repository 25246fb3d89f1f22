// BTF format facts (include/uapi/linux/btf.h, Documentation/bpf/btf.rst), all little-endian:
//   header  u16 magic 0xeB9F, u8 version 1, u8 flags, u32 hdr_len, then u32 type_off, type_len,
//           str_off, str_len, offsets counted from the end of the header (hdr_len may grow: fields
//           after str_len are newer sections we do not need)
//   type    u32 name_off, u32 info, u32 size|type, then kind-specific words (see EXTRA_WORDS)
//   info    vlen bits 0-15, kind bits 24-28, kind_flag bit 31
// The writer (compiler/btf/writer.ts) has the few kinds func_info needs; the reader needs them all.
import type { BtfKind } from '../../../lang/index.ts';

export const BTF_MAGIC = 0xeb9f;
export const BTF_HEADER_MIN = 24;

export const KIND_INT = 1;
export const KIND_PTR = 2;
export const KIND_ARRAY = 3;
export const KIND_STRUCT = 4;
export const KIND_UNION = 5;
export const KIND_ENUM = 6;
export const KIND_FWD = 7;
export const KIND_TYPEDEF = 8;
export const KIND_VOLATILE = 9;
export const KIND_CONST = 10;
export const KIND_RESTRICT = 11;
export const KIND_FUNC = 12;
export const KIND_FUNC_PROTO = 13;
export const KIND_VAR = 14;
export const KIND_DATASEC = 15;
export const KIND_FLOAT = 16;
export const KIND_DECL_TAG = 17;
export const KIND_TYPE_TAG = 18;
export const KIND_ENUM64 = 19;
export const KIND_MAX = 19;

/** INT encoding bits (top byte of the INT's extra word, after >> 24). */
export const INT_SIGNED = 1;
export const INT_CHAR = 2;
export const INT_BOOL = 4;

/** Model kind of each raw kind (index 0 is void). */
export const KIND_NAMES: readonly BtfKind[] = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum',
];

/** Bit mask over raw kinds for a kind-aware lookup; 'enum' covers ENUM and ENUM64. */
export function kindMask(kinds: BtfKind | readonly BtfKind[] | undefined): number {
  if (kinds === undefined) return ~0;
  let mask = 0;
  for (const k of typeof kinds === 'string' ? [kinds] : kinds) {
    KIND_NAMES.forEach((name, raw) => {
      if (name === k) mask |= 1 << raw;
    });
  }
  return mask;
}

/** Words of kind-specific data after the 3-word common header; -1 for a kind we do not know. */
/**
 * extraWords as two tables by raw kind (32 entries): a type's whole length in words is FIXED_WORDS[kind] +
 * MEMBER_WORDS[kind] * vlen, FIXED_WORDS -1 for a kind there is none of. For the reader's one pass over ~150k types,
 * which runs cold: two loads instead of a call.
 */
export const FIXED_WORDS = new Int8Array(32).fill(-1);
export const MEMBER_WORDS = new Int8Array(32);
for (let kind = 0; kind < 32; kind++) {
  const none = extraWords(kind, 0);
  if (none < 0) continue;
  FIXED_WORDS[kind] = 3 + none;
  MEMBER_WORDS[kind] = extraWords(kind, 1) - none;
}

export function extraWords(kind: number, vlen: number): number {
  switch (kind) {
    case KIND_INT:
    case KIND_VAR:
    case KIND_DECL_TAG:
      return 1;
    case KIND_ARRAY:
      return 3;
    case KIND_STRUCT:
    case KIND_UNION:
    case KIND_DATASEC:
    case KIND_ENUM64:
      return 3 * vlen;
    case KIND_ENUM:
    case KIND_FUNC_PROTO:
      return 2 * vlen;
    case KIND_PTR:
    case KIND_FWD:
    case KIND_TYPEDEF:
    case KIND_VOLATILE:
    case KIND_CONST:
    case KIND_RESTRICT:
    case KIND_FUNC:
    case KIND_FLOAT:
    case KIND_TYPE_TAG:
      return 0;
    default:
      return -1;
  }
}
