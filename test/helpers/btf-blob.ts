// Hand-built BTF blobs, written word by word from the format (include/uapi/linux/btf.h), for tests that
// want a small type table the reader, bpftool and gcc can all read.
export const BTF_KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  ENUM64: 19,
} as const;

/** INT encodings (the top byte of an INT's extra word). */
export const INT_SIGNED = 1;
export const INT_CHAR = 2;

export class BtfBlob {
  private readonly words: number[] = [];
  private readonly strings: string[] = [''];
  private readonly offsets = new Map<string, number>([['', 0]]);
  private strLen = 1;
  private next = 1;

  str(s: string): number {
    let off = this.offsets.get(s);
    if (off === undefined) {
      off = this.strLen;
      this.strings.push(s);
      this.offsets.set(s, off);
      this.strLen += s.length + 1;
    }
    return off;
  }

  /** A type: name, kind, vlen, size or type, then its kind-specific words. Returns its id. */
  type(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = [], kflag = false): number {
    this.words.push(this.str(name), ((kflag ? 1 : 0) << 31) | (kind << 24) | vlen, sizeOrType, ...extra);
    return this.next++;
  }

  int(name: string, size: number, encoding = 0): number {
    return this.type(name, BTF_KIND.INT, 0, size, [(encoding << 24) | (size * 8)]);
  }

  ptr(target: number): number {
    return this.type('', BTF_KIND.PTR, 0, target);
  }

  array(elem: number, index: number, count: number): number {
    return this.type('', BTF_KIND.ARRAY, 0, 0, [elem, index, count]);
  }

  /** A struct or union; members as [name, type, bit offset, bitfield size (0: not a bitfield)] (kind_flag set). */
  composite(kind: 'struct' | 'union', name: string, size: number, members: [string, number, number, number?][]) {
    const extra = members.flatMap(([n, t, off, bits = 0]) => [this.str(n), t, ((bits << 24) | off) >>> 0]);
    return this.type(name, kind === 'struct' ? BTF_KIND.STRUCT : BTF_KIND.UNION, members.length, size, extra, true);
  }

  /** A 4-byte enum (signed: kind_flag) or, with `wide`, an 8-byte ENUM64. */
  enumeration(name: string, values: [string, bigint][], opts: { signed?: boolean; wide?: boolean } = {}): number {
    const extra = values.flatMap(([n, v]) =>
      opts.wide
        ? [this.str(n), Number(BigInt.asUintN(64, v) & 0xffffffffn), Number(BigInt.asUintN(64, v) >> 32n)]
        : [this.str(n), Number(BigInt.asUintN(32, v))],
    );
    const kind = opts.wide ? BTF_KIND.ENUM64 : BTF_KIND.ENUM;
    return this.type(name, kind, values.length, opts.wide ? 8 : 4, extra, opts.signed ?? false);
  }

  proto(ret: number, params: [string, number][]): number {
    return this.type(
      '',
      BTF_KIND.FUNC_PROTO,
      params.length,
      ret,
      params.flatMap(([n, t]) => [this.str(n), t]),
    );
  }

  encode(): Uint8Array {
    const typeLen = this.words.length * 4;
    const bytes = new Uint8Array(24 + typeLen + this.strLen);
    const v = new DataView(bytes.buffer);
    v.setUint16(0, 0xeb9f, true);
    bytes[2] = 1;
    v.setUint32(4, 24, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, typeLen, true);
    v.setUint32(16, typeLen, true);
    v.setUint32(20, this.strLen, true);
    this.words.forEach((w, i) => v.setUint32(24 + i * 4, w >>> 0, true));
    let at = 24 + typeLen;
    for (const s of this.strings) {
      bytes.set(Buffer.from(s, 'latin1'), at);
      at += s.length + 1;
    }
    return bytes;
  }
}
