// A small ELF64 little-endian relocatable-object writer (System V gABI; the BPF machine, EM_BPF 247): sections,
// one symbol table, REL relocations. Names are resolved once here: callers say which section a symbol or a
// relocation belongs to by name. Layout: the 64-byte header, each section's bytes at its alignment, then the
// section header table. Section and symbol names share one string table (.strtab), as clang's BPF objects do.

export const SHT = { PROGBITS: 1, SYMTAB: 2, STRTAB: 3, NOBITS: 8, REL: 9 } as const;
export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4, INFO_LINK: 0x40 } as const;
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1 } as const;
/** the one relocation BPF objects use for ld_imm64 (a map's or a data section's address) */
export const R_BPF_64_64 = 1;
export const EM_BPF = 247;
const ET_REL = 1;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

export interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly align: number;
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly name: string;
  /** the section it is defined in, by name */
  readonly section: string;
  readonly value: number;
  readonly size: number;
  readonly type: number;
  readonly bind: number;
}

export interface ElfRelocation {
  /** the section whose bytes are patched, by name; the writer makes its `.rel<name>` section */
  readonly section: string;
  readonly offset: number;
  readonly symbol: string;
  readonly type: number;
}

export interface ElfObject {
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
  readonly relocations: readonly ElfRelocation[];
}

/** NUL-terminated names, the empty name at 0, each name once. */
class StringTable {
  private readonly parts: Buffer[] = [Buffer.alloc(1)];
  private readonly at = new Map<string, number>([['', 0]]);
  private size = 1;
  add(s: string): number {
    const known = this.at.get(s);
    if (known !== undefined) return known;
    const b = Buffer.from(`${s}\0`, 'utf8');
    const off = this.size;
    this.parts.push(b);
    this.at.set(s, off);
    this.size += b.length;
    return off;
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

interface Laid extends ElfSection {
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
}

const align = (n: number, a: number) => (a > 1 ? Math.ceil(n / a) * a : n);

export function writeElf(obj: ElfObject): Uint8Array {
  const names = obj.sections.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error('elf: two sections have the same name');
  // section indices: 0 is the null section, then the caller's, then .rel*, .symtab, .strtab
  const relTargets = [...new Set(obj.relocations.map((r) => r.section))];
  const index = new Map<string, number>(names.map((n, i) => [n, i + 1]));
  const symtabIndex = names.length + relTargets.length + 1;
  const strtabIndex = symtabIndex + 1;
  const strings = new StringTable();

  // locals before globals (the gABI; .symtab's info is the first global's index)
  const symbols = [
    ...obj.symbols.filter((s) => s.bind === STB.LOCAL),
    ...obj.symbols.filter((s) => s.bind !== STB.LOCAL),
  ];
  const symIndex = new Map<string, number>();
  const symtab = new Uint8Array((symbols.length + 1) * SYM_SIZE);
  const sv = new DataView(symtab.buffer);
  symbols.forEach((s, i) => {
    const shndx = index.get(s.section);
    if (shndx === undefined) throw new Error(`elf: symbol ${s.name} in unknown section ${s.section}`);
    if (symIndex.has(s.name)) throw new Error(`elf: two symbols are named ${s.name}`);
    symIndex.set(s.name, i + 1);
    const at = (i + 1) * SYM_SIZE;
    sv.setUint32(at, strings.add(s.name), true);
    sv.setUint8(at + 4, (s.bind << 4) | (s.type & 0xf));
    sv.setUint8(at + 5, 0);
    sv.setUint16(at + 6, shndx, true);
    sv.setBigUint64(at + 8, BigInt(s.value), true);
    sv.setBigUint64(at + 16, BigInt(s.size), true);
  });
  const firstGlobal = 1 + symbols.filter((s) => s.bind === STB.LOCAL).length;

  const laid: Laid[] = obj.sections.map((s) => ({ ...s, link: 0, info: 0, entsize: 0 }));
  for (const target of relTargets) {
    const rels = obj.relocations.filter((r) => r.section === target);
    const data = new Uint8Array(rels.length * REL_SIZE);
    const rv = new DataView(data.buffer);
    rels.forEach((r, i) => {
      const sym = symIndex.get(r.symbol);
      if (sym === undefined) throw new Error(`elf: relocation against unknown symbol ${r.symbol}`);
      rv.setBigUint64(i * REL_SIZE, BigInt(r.offset), true);
      rv.setBigUint64(i * REL_SIZE + 8, (BigInt(sym) << 32n) | BigInt(r.type), true);
    });
    const info = index.get(target);
    if (info === undefined) throw new Error(`elf: relocations for unknown section ${target}`);
    laid.push({
      name: `.rel${target}`,
      type: SHT.REL,
      flags: SHF.INFO_LINK,
      align: 8,
      data,
      link: symtabIndex,
      info,
      entsize: REL_SIZE,
    });
  }
  laid.push({
    name: '.symtab',
    type: SHT.SYMTAB,
    flags: 0,
    align: 8,
    data: symtab,
    link: strtabIndex,
    info: firstGlobal,
    entsize: SYM_SIZE,
  });
  const nameOffsets = laid.map((s) => strings.add(s.name));
  const strtabName = strings.add('.strtab');
  laid.push({
    name: '.strtab',
    type: SHT.STRTAB,
    flags: 0,
    align: 1,
    data: strings.bytes(),
    link: 0,
    info: 0,
    entsize: 0,
  });
  nameOffsets.push(strtabName);

  // section bytes after the header, each at its alignment; NOBITS takes no room in the file
  let end = EHDR_SIZE;
  const offsets = laid.map((s) => {
    const at = align(end, s.align);
    if (s.type !== SHT.NOBITS) end = at + s.data.length;
    return at;
  });
  const shoff = align(end, 8);
  const out = new Uint8Array(shoff + (laid.length + 1) * SHDR_SIZE);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* little-endian */, 1 /* EV_CURRENT */], 0);
  v.setUint16(16, ET_REL, true);
  v.setUint16(18, EM_BPF, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(58, SHDR_SIZE, true);
  v.setUint16(60, laid.length + 1, true);
  v.setUint16(62, strtabIndex, true);
  laid.forEach((s, i) => {
    if (s.type !== SHT.NOBITS) out.set(s.data, offsets[i]!);
    const at = shoff + (i + 1) * SHDR_SIZE;
    v.setUint32(at, nameOffsets[i]!, true);
    v.setUint32(at + 4, s.type, true);
    v.setBigUint64(at + 8, BigInt(s.flags), true);
    v.setBigUint64(at + 24, BigInt(offsets[i]!), true);
    v.setBigUint64(at + 32, BigInt(s.data.length), true);
    v.setUint32(at + 40, s.link, true);
    v.setUint32(at + 44, s.info, true);
    v.setBigUint64(at + 48, BigInt(s.align), true);
    v.setBigUint64(at + 56, BigInt(s.entsize), true);
  });
  return out;
}
