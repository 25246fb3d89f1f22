// A tiny BTF writer: the kinds a program's func_info needs (INT, PTR, FUNC_PROTO, FUNC), and for ELF objects
// (compiler/elf) the ones BTF-defined maps and CO-RE local types need (ARRAY, STRUCT/UNION, ENUM, FLOAT, VAR,
// DATASEC).
// Layout (Documentation/bpf/btf.rst, include/uapi/linux/btf.h), all little-endian:
//   header  u16 magic 0xeB9F, u8 version 1, u8 flags 0, u32 hdr_len 24,
//           u32 type_off, type_len, str_off, str_len (offsets from the end of the header)
//   types   one `struct btf_type` (u32 name_off, u32 info, u32 size|type) each, ids from 1 (0 is void),
//           followed by kind-specific data: INT one u32, FUNC_PROTO vlen × { u32 name_off, u32 type }
//   strings NUL-terminated, starting with the empty string at offset 0
// info = vlen (bits 0-15) | kind << 24 (bits 24-28) | kind_flag << 31.

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
export const BTF_HEADER_LEN = 24;

export const BtfKind = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  ENUM64: 19,
} as const;

/** FUNC linkage, stored in the vlen bits of a FUNC type. Callbacks must be static. */
export const BtfLinkage = { static: 0, global: 1, extern: 2 } as const;
export type Linkage = keyof typeof BtfLinkage;

/** INT encoding bits (the top byte of the INT's extra u32). */
export const BTF_INT_SIGNED = 1 << 0;

export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

/** A struct/union member; with bitfields the struct has kind_flag 1 and each offset word is bitSize << 24 | bitOffset. */
export interface BtfWriterMember {
  readonly name: string;
  readonly type: number;
  readonly bitOffset: number;
  readonly bitSize?: number;
}

/** VAR linkage: a BTF-defined map is a global variable of the .maps section. */
export const BtfVarLinkage = { static: 0, global: 1, extern: 2 } as const;

/** Type ids are handed out in the order types are added, from 1. */
export class BtfWriter {
  private readonly words: number[] = [];
  private readonly strings: string[] = [''];
  private readonly stringOffsets = new Map<string, number>([['', 0]]);
  private stringBytes = 1;
  private nextId = 1;

  /** A signed or unsigned integer of `size` bytes (bits defaults to the full width). */
  int(name: string, size: 1 | 2 | 4 | 8 | 16, signed: boolean, bits = size * 8): number {
    return this.type(name, BtfKind.INT, 0, size, [((signed ? BTF_INT_SIGNED : 0) << 24) | (bits & 0xff)]);
  }

  /** A pointer to `target` (0: void *). */
  ptr(target: number): number {
    return this.type('', BtfKind.PTR, 0, target, []);
  }

  /** A function signature: returns `ret` (0: void), takes `params`. */
  funcProto(ret: number, params: readonly BtfParam[]): number {
    return this.type(
      '',
      BtfKind.FUNC_PROTO,
      params.length,
      ret,
      params.flatMap((p) => [this.string(p.name), p.type]),
    );
  }

  /** A named function of signature `proto`. */
  func(name: string, proto: number, linkage: Linkage): number {
    return this.type(name, BtfKind.FUNC, BtfLinkage[linkage], proto, []);
  }

  /** `count` elements of `elem`, indexed by `index` (an INT). */
  array(elem: number, index: number, count: number): number {
    return this.type('', BtfKind.ARRAY, 0, 0, [elem, index, count]);
  }

  /** A struct (or union) of `size` bytes; members in offset order. */
  struct(name: string, size: number, members: readonly BtfWriterMember[], union = false): number {
    const bits = members.some((m) => m.bitSize);
    return this.type(
      name,
      union ? BtfKind.UNION : BtfKind.STRUCT,
      members.length,
      size,
      members.flatMap((m) => [
        this.string(m.name),
        m.type,
        bits ? ((m.bitSize ?? 0) << 24) | m.bitOffset : m.bitOffset,
      ]),
      bits,
    );
  }

  /** An enum of `size` bytes; `wide` is ENUM64 (values as lo, hi u32 pairs). kind_flag says signed. */
  enumeration(
    name: string,
    size: number,
    values: readonly { readonly name: string; readonly value: bigint }[],
    signed: boolean,
    wide: boolean,
  ): number {
    const extra = values.flatMap((v) =>
      wide
        ? [this.string(v.name), Number(BigInt.asUintN(32, v.value)), Number(BigInt.asUintN(32, v.value >> 32n))]
        : [this.string(v.name), Number(BigInt.asUintN(32, v.value))],
    );
    return this.type(name, wide ? BtfKind.ENUM64 : BtfKind.ENUM, values.length, size, extra, signed);
  }

  float(name: string, size: number): number {
    return this.type(name, BtfKind.FLOAT, 0, size, []);
  }

  /** A variable of `type` (its linkage word follows the type). */
  variable(name: string, type: number, linkage: keyof typeof BtfVarLinkage): number {
    return this.type(name, BtfKind.VAR, 0, type, [BtfVarLinkage[linkage]]);
  }

  /** An ELF section's variables: each a VAR id, its offset and size in the section. */
  datasec(
    name: string,
    size: number,
    vars: readonly { readonly type: number; readonly offset: number; readonly size: number }[],
  ): number {
    return this.type(
      name,
      BtfKind.DATASEC,
      vars.length,
      size,
      vars.flatMap((v) => [v.type, v.offset, v.size]),
    );
  }

  /** The string section offset of `s`, added if new (.BTF.ext records name sections, files and lines by it). */
  stringOffset(s: string): number {
    return this.string(s);
  }

  /** The whole blob: header, type section, string section. */
  encode(): Uint8Array {
    const typeLen = this.words.length * 4;
    const strLen = this.stringBytes;
    const bytes = new Uint8Array(BTF_HEADER_LEN + typeLen + strLen);
    const v = new DataView(bytes.buffer);
    v.setUint16(0, BTF_MAGIC, true);
    v.setUint8(2, BTF_VERSION);
    v.setUint8(3, 0);
    v.setUint32(4, BTF_HEADER_LEN, true);
    v.setUint32(8, 0, true); // type_off
    v.setUint32(12, typeLen, true);
    v.setUint32(16, typeLen, true); // str_off: strings follow the types
    v.setUint32(20, strLen, true);
    this.words.forEach((w, i) => v.setUint32(BTF_HEADER_LEN + i * 4, w >>> 0, true));
    let at = BTF_HEADER_LEN + typeLen;
    for (const s of this.strings) {
      const b = Buffer.from(s, 'utf8');
      bytes.set(b, at);
      at += b.length + 1; // the NUL is already zero
    }
    return bytes;
  }

  private type(
    name: string,
    kind: number,
    vlen: number,
    sizeOrType: number,
    extra: number[],
    kindFlag = false,
  ): number {
    if (vlen < 0 || vlen > 0xffff) throw new Error(`btf: vlen ${vlen} out of range`);
    this.words.push(
      this.string(name),
      (kindFlag ? 0x8000_0000 : 0) | ((kind & 0x1f) << 24) | vlen,
      sizeOrType,
      ...extra,
    );
    return this.nextId++;
  }

  private string(s: string): number {
    const known = this.stringOffsets.get(s);
    if (known !== undefined) return known;
    if (s.includes('\0')) throw new Error('btf: names cannot contain NUL');
    const off = this.stringBytes;
    this.strings.push(s);
    this.stringOffsets.set(s, off);
    this.stringBytes += Buffer.byteLength(s, 'utf8') + 1;
    return off;
  }
}
