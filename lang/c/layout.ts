// Struct and union layout as gcc does it on x86-64 (System V ABI), and the alignment of BTF types.
// Pure arithmetic over field descriptions: the resolver (script-btf.ts) supplies sizes and alignments.
//
// The rules, as checked against gcc in test/lang/c/layout-gcc.test.ts:
// - a field starts at the next multiple of its alignment; the struct's alignment is the largest
//   alignment of its fields, its size the end of the last field rounded up to that alignment;
// - a bitfield of declared type T goes at the next free bit unless it would cross a boundary of
//   sizeof(T) bytes (the ABI's "storage unit"), then it starts at the next such boundary; a named
//   bitfield gives the struct T's alignment, an unnamed one gives none;
// - `:0` moves the next field to a boundary of its type's alignment and gives the struct none;
// - packed (on the struct or the field) drops the field's alignment to 1 bit-exact (bitfields pack
//   without the boundary rule); aligned(N) on a field raises its alignment to N, also when packed;
// - aligned(N) on the struct raises its alignment (never lowers it); a union puts every field at 0;
// - a flexible array member (`T a[]`) takes no space but its element type's alignment.

export interface FieldLayoutInput {
  /** Bytes (0 for a flexible array member). */
  readonly size: number;
  /** The type's natural alignment in bytes. */
  readonly align: number;
  /** Bits, when the field is a bitfield (0 for `:0`). */
  readonly bitWidth?: number;
  /** false: an unnamed bitfield (padding), which does not give the struct its alignment. */
  readonly named: boolean;
  /** `__attribute__((packed))` on this field. */
  readonly packed?: boolean;
  /** `__attribute__((aligned(N)))` or `_Alignas(N)` on this field, in bytes. */
  readonly alignAttr?: number;
}

export interface RecordLayoutInput {
  readonly kind: 'struct' | 'union';
  readonly fields: readonly FieldLayoutInput[];
  readonly packed?: boolean;
  /** aligned(N) on the struct/union type, in bytes. */
  readonly alignAttr?: number;
}

export interface RecordLayout {
  readonly size: number;
  readonly align: number;
  /** Each field's offset in bits from the start of the record. */
  readonly bitOffsets: readonly number[];
}

export function layoutRecord(input: RecordLayoutInput): RecordLayout {
  let align = 1;
  let bit = 0; // next free bit (struct) / largest end seen (union)
  let end = 0;
  const bitOffsets: number[] = [];
  const isUnion = input.kind === 'union';
  for (const f of input.fields) {
    const packed = input.packed === true || f.packed === true;
    const natural = packed ? 1 : f.align;
    const fieldAlign = Math.max(natural, f.alignAttr ?? 1);
    const start = isUnion ? 0 : bit;
    if (f.bitWidth === undefined) {
      const at = roundUp(start, fieldAlign * 8);
      bitOffsets.push(at);
      align = Math.max(align, fieldAlign);
      end = Math.max(end, at + f.size * 8);
      if (!isUnion) bit = at + f.size * 8;
      continue;
    }
    if (f.bitWidth === 0) {
      // `:0`: the next field starts at a boundary of this type's alignment (not in a union).
      const at = isUnion ? 0 : roundUp(start, f.align * 8);
      bitOffsets.push(at);
      if (!isUnion) bit = at;
      end = Math.max(end, at);
      continue;
    }
    let at = start;
    if (f.alignAttr !== undefined) at = roundUp(at, fieldAlign * 8);
    if (!packed) {
      const unit = f.size * 8;
      if (Math.floor(at / unit) !== Math.floor((at + f.bitWidth - 1) / unit)) at = roundUp(at, unit);
    }
    bitOffsets.push(at);
    if (f.named || f.alignAttr !== undefined) align = Math.max(align, fieldAlign);
    end = Math.max(end, at + f.bitWidth);
    if (!isUnion) bit = at + f.bitWidth;
  }
  if (input.alignAttr !== undefined) align = Math.max(align, input.alignAttr);
  const size = roundUp(Math.ceil(end / 8), align);
  return { size, align, bitOffsets };
}

export function roundUp(n: number, to: number): number {
  return to <= 1 ? n : Math.ceil(n / to) * to;
}

/** The size of an enum: 4 unless its values need 8 (gcc); packed: the smallest that holds them. */
export function enumLayout(values: readonly bigint[], packed: boolean): { size: number; signed: boolean } {
  const signed = values.some((v) => v < 0n);
  const fits = (bytes: number) => {
    const bits = BigInt(bytes * 8);
    return values.every((v) =>
      signed ? v >= -(1n << (bits - 1n)) && v < 1n << (bits - 1n) : v >= 0n && v < 1n << bits,
    );
  };
  const sizes = packed ? [1, 2, 4, 8] : [4, 8];
  return { size: sizes.find(fits) ?? 8, signed };
}
