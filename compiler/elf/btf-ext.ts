// .BTF.ext: what an object's programs say about themselves in terms of .BTF (libbpf reads it; the kernel gets
// the records per program). Layout (tools/lib/bpf/libbpf_internal.h, btf_ext_header), little-endian:
//   header  u16 magic 0xeB9F, u8 version 1, u8 flags 0, u32 hdr_len 32,
//           u32 func_info_off, func_info_len, line_info_off, line_info_len, core_relo_off, core_relo_len
//           (offsets from the end of the header)
//   each part: u32 record size, then per ELF section: u32 section name (a .BTF string), u32 count, the records.
// Records: func_info { insn_off, type_id }, line_info { insn_off, file_name_off, line_off, line << 10 | col },
// core_relo { insn_off, type_id, access_str_off, kind }. insn_off counts bytes from the section's start.
import type { BtfWriter } from '../btf/index.ts';

export interface FuncInfoRecord {
  readonly insnOff: number;
  readonly typeId: number;
}

export interface LineInfoRecord {
  readonly insnOff: number;
  readonly file: string;
  /** the source line's text */
  readonly text: string;
  /** 1-based */
  readonly line: number;
  readonly col: number;
}

/** enum bpf_core_relo_kind: the field kinds made here */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
} as const;

export interface CoreReloRecord {
  readonly insnOff: number;
  readonly typeId: number;
  /** "0:1:2": the root's index 0, then member indices */
  readonly access: string;
  readonly kind: number;
}

export interface BtfExtSection<R> {
  readonly section: string;
  readonly records: readonly R[];
}

export interface BtfExt {
  readonly funcInfo: readonly BtfExtSection<FuncInfoRecord>[];
  readonly lineInfo: readonly BtfExtSection<LineInfoRecord>[];
  readonly coreRelo: readonly BtfExtSection<CoreReloRecord>[];
}

const HEADER_LEN = 32;

/** The .BTF.ext bytes; the strings it names are added to `btf`, so encode `btf` after this. */
export function encodeBtfExt(btf: BtfWriter, ext: BtfExt): Uint8Array {
  const part = <R>(recWords: number, sections: readonly BtfExtSection<R>[], words: (r: R) => number[]): number[] => {
    const live = sections.filter((s) => s.records.length);
    if (!live.length) return [];
    return [
      recWords * 4,
      ...live.flatMap((s) => [btf.stringOffset(s.section), s.records.length, ...s.records.flatMap(words)]),
    ];
  };
  const func = part(2, ext.funcInfo, (r) => [r.insnOff, r.typeId]);
  const line = part(4, ext.lineInfo, (r) => {
    // 22 bits of line, 10 of column: a column past 1023 is written as 1023
    return [
      r.insnOff,
      btf.stringOffset(r.file),
      btf.stringOffset(r.text),
      ((r.line << 10) | Math.min(r.col, 1023)) >>> 0,
    ];
  });
  const core = part(4, ext.coreRelo, (r) => [r.insnOff, r.typeId, btf.stringOffset(r.access), r.kind]);
  const words = [...func, ...line, ...core];
  const out = new Uint8Array(HEADER_LEN + words.length * 4);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, HEADER_LEN, true);
  const lens = [func.length * 4, line.length * 4, core.length * 4];
  let off = 0;
  lens.forEach((len, i) => {
    v.setUint32(8 + i * 8, off, true);
    v.setUint32(12 + i * 8, len, true);
    off += len;
  });
  words.forEach((w, i) => v.setUint32(HEADER_LEN + i * 4, w >>> 0, true));
  return out;
}
