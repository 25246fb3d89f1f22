// The ELF writer and the .BTF.ext encoder, byte for byte. Expected bytes are written out by hand from the System V
// gABI (Elf64_Ehdr, Elf64_Shdr, Elf64_Sym, Elf64_Rel) and libbpf's btf_ext_header / bpf_*_info layouts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BtfWriter } from '../../../compiler/btf/index.ts';
import { encodeBtfExt } from '../../../compiler/elf/btf-ext.ts';
import { R_BPF_64_64, SHF, SHT, STB, STT, writeElf } from '../../../compiler/elf/elf.ts';
import { hex } from '../asm/hex.ts';

const u16 = (n: number) => hex(new Uint8Array(new Uint16Array([n]).buffer));
const u32 = (n: number) => hex(new Uint8Array(new Uint32Array([n]).buffer));
const u64 = (n: number) => hex(new Uint8Array(new BigUint64Array([BigInt(n)]).buffer));
const at = (b: Uint8Array, off: number, len: number) => hex(b.subarray(off, off + len));

// one 16-byte program section "p", a global FUNC symbol on it and a map symbol in "m", one relocation
const obj = writeElf({
  sections: [
    { name: 'p', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.EXECINSTR, align: 8, data: new Uint8Array(16).fill(0xaa) },
    { name: 'm', type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.WRITE, align: 8, data: new Uint8Array(8) },
  ],
  symbols: [
    { name: 'f', section: 'p', value: 0, size: 16, type: STT.FUNC, bind: STB.GLOBAL },
    { name: 'x', section: 'm', value: 0, size: 8, type: STT.OBJECT, bind: STB.GLOBAL },
  ],
  relocations: [{ section: 'p', offset: 8, symbol: 'x', type: R_BPF_64_64 }],
});
// sections: 0 null, 1 p, 2 m, 3 .relp, 4 .symtab, 5 .strtab; data from 64: p 64-80, m 80-88, .relp 88-104,
// .symtab 104-176 (3 × 24), .strtab 176-: "\0f\0x\0p\0m\0.relp\0.symtab\0.strtab\0" (31 bytes) -> 207, headers at 208
const strtab = '\0f\0x\0p\0m\0.relp\0.symtab\0.strtab\0';

test('ELF header: 64-bit LSB relocatable for EM_BPF, 6 sections, .strtab names them', () => {
  assert.is(
    at(obj, 0, 64),
    [
      '7f 45 4c 46 02 01 01 00 00 00 00 00 00 00 00 00', // magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT
      u16(1), // ET_REL
      u16(247), // EM_BPF
      u32(1),
      u64(0), // entry
      u64(0), // phoff
      u64(208), // shoff
      u32(0),
      u16(64), // ehsize
      u16(0),
      u16(0),
      u16(64), // shentsize
      u16(6),
      u16(5), // shstrndx
    ].join(' '),
  );
  assert.is(obj.length, 208 + 6 * 64);
  assert.is(Buffer.from(obj.subarray(176, 176 + strtab.length)).toString('latin1'), strtab);
});

test('section headers: name, type, flags, offset, size, link, info, align, entsize', () => {
  const shdr = (i: number) => at(obj, 208 + i * 64, 64);
  assert.is(shdr(0), Array(64).fill('00').join(' '));
  const row = (
    name: number,
    type: number,
    flags: number,
    off: number,
    size: number,
    link: number,
    info: number,
    align: number,
    ent: number,
  ) =>
    [u32(name), u32(type), u64(flags), u64(0), u64(off), u64(size), u32(link), u32(info), u64(align), u64(ent)].join(
      ' ',
    );
  assert.is(shdr(1), row(5, SHT.PROGBITS, 6, 64, 16, 0, 0, 8, 0));
  assert.is(shdr(2), row(7, SHT.PROGBITS, 3, 80, 8, 0, 0, 8, 0));
  assert.is(shdr(3), row(9, SHT.REL, SHF.INFO_LINK, 88, 16, 4, 1, 8, 16)); // link .symtab, info the patched "p"
  assert.is(shdr(4), row(15, SHT.SYMTAB, 0, 104, 72, 5, 1, 8, 24)); // info: the first global symbol
  assert.is(shdr(5), row(23, SHT.STRTAB, 0, 176, strtab.length, 0, 0, 1, 0));
});

test('symbols and the R_BPF_64_64 relocation', () => {
  assert.is(at(obj, 104, 24), Array(24).fill('00').join(' '));
  // st_name, st_info (GLOBAL << 4 | FUNC), st_other, st_shndx, st_value, st_size
  assert.is(at(obj, 128, 24), [u32(1), '12 00', u16(1), u64(0), u64(16)].join(' '));
  assert.is(at(obj, 152, 24), [u32(3), '11 00', u16(2), u64(0), u64(8)].join(' '));
  // r_offset, r_info = symbol 2 << 32 | R_BPF_64_64
  assert.is(at(obj, 88, 16), [u64(8), u32(1), u32(2)].join(' '));
  assert.is(at(obj, 64, 16), Array(16).fill('aa').join(' '));
});

test('the writer refuses a relocation against a symbol it does not have', () => {
  assert.throws(
    () =>
      writeElf({
        sections: [{ name: 'p', type: SHT.PROGBITS, flags: 0, align: 8, data: new Uint8Array(8) }],
        symbols: [],
        relocations: [{ section: 'p', offset: 0, symbol: 'nope', type: R_BPF_64_64 }],
      }),
    /unknown symbol nope/,
  );
});

test('.BTF.ext: header, then func_info, line_info and core_relo, each a record size and per-section blocks', () => {
  const w = new BtfWriter();
  const ext = encodeBtfExt(w, {
    funcInfo: [{ section: 'tp/a', records: [{ insnOff: 0, typeId: 3 }] }],
    lineInfo: [{ section: 'tp/a', records: [{ insnOff: 16, file: 'f.bt', text: 'x', line: 2, col: 5 }] }],
    coreRelo: [{ section: 'tp/a', records: [{ insnOff: 24, typeId: 7, access: '0:1', kind: 0 }] }],
  });
  // strings: "" 0, "tp/a" 1, "f.bt" 6, "x" 11, "0:1" 13
  assert.is(
    hex(ext),
    [
      '9f eb 01 00',
      u32(32),
      u32(0),
      u32(20), // func_info: rec size, sec name, count, 1 record of 8
      u32(20),
      u32(28), // line_info: rec size, sec, count, 1 record of 16
      u32(48),
      u32(28), // core_relo
      u32(8),
      u32(1),
      u32(1),
      u32(0),
      u32(3),
      u32(16),
      u32(1),
      u32(1),
      u32(16),
      u32(6),
      u32(11),
      u32((2 << 10) | 5),
      u32(16),
      u32(1),
      u32(1),
      u32(24),
      u32(7),
      u32(13),
      u32(0),
    ].join(' '),
  );
  assert.is(hex(w.encode()).endsWith(hex(Buffer.from('\0tp/a\0f.bt\0x\0' + '0:1\0', 'latin1'))), true);
});

test('BTF kinds for maps and CO-RE types: ARRAY, STRUCT, VAR, DATASEC', () => {
  const w = new BtfWriter();
  const int = w.int('int', 4, true); // 1
  const arr = w.array(int, int, 5); // 2
  const ptr = w.ptr(arr); // 3
  const st = w.struct('', 8, [{ name: 'type', type: ptr, bitOffset: 0 }]); // 4
  const v = w.variable('m', st, 'global'); // 5
  w.datasec('.maps', 8, [{ type: v, offset: 0, size: 8 }]); // 6
  const types = hex(w.encode().subarray(24, 24 + 4 * 29));
  assert.is(
    types,
    [
      [u32(1), u32(0x01000000), u32(4), u32(0x01000020)], // INT int
      [u32(0), u32(0x03000000), u32(0), u32(1), u32(1), u32(5)], // ARRAY of int, index int, 5
      [u32(0), u32(0x02000000), u32(2)], // PTR
      [u32(0), u32(0x04000001), u32(8), u32(5), u32(3), u32(0)], // STRUCT 1 member: "type" ptr at bit 0
      [u32(10), u32(0x0e000000), u32(4), u32(1)], // VAR m, global
      [u32(12), u32(0x0f000001), u32(8), u32(5), u32(0), u32(8)], // DATASEC .maps
    ]
      .flat()
      .join(' '),
  );
});

test('a struct with a bitfield member has kind_flag set and each offset word is bitSize << 24 | bitOffset', () => {
  const w = new BtfWriter();
  const uint = w.int('unsigned int', 4, false); // 1
  w.struct('t', 8, [
    { name: 'a', type: uint, bitOffset: 0 },
    { name: 'b', type: uint, bitOffset: 35, bitSize: 1 },
  ]); // 2; strings: 'unsigned int' 1, members' names before the struct's: a 14, b 16, t 18
  assert.is(
    hex(w.encode().subarray(24 + 16, 24 + 16 + 36)),
    [u32(18), u32(0x84000002), u32(8), u32(14), u32(1), u32(0), u32(16), u32(1), u32((1 << 24) | 35)].join(' '),
  );
});
test.run();
