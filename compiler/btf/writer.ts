// A tiny BTF writer: just the kinds a program's func_info needs (INT, PTR, FUNC_PROTO, FUNC).
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

export const BtfKind = { INT: 1, PTR: 2, FUNC: 12, FUNC_PROTO: 13 } as const;

/** FUNC linkage, stored in the vlen bits of a FUNC type. Callbacks must be static. */
export const BtfLinkage = { static: 0, global: 1, extern: 2 } as const;
export type Linkage = keyof typeof BtfLinkage;

/** INT encoding bits (the top byte of the INT's extra u32). */
export const BTF_INT_SIGNED = 1 << 0;

export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

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

  private type(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[]): number {
    if (vlen < 0 || vlen > 0xffff) throw new Error(`btf: vlen ${vlen} out of range`);
    this.words.push(this.string(name), ((kind & 0x1f) << 24) | vlen, sizeOrType, ...extra);
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
