// DWARF debug information of one ELF file, read only as far as symbolising needs: for an address, the
// source file and line, and the chain of functions inlined there (DW_TAG_inlined_subroutine, named through
// DW_AT_abstract_origin, placed by DW_AT_call_file/call_line). DWARF 2–5 units, 32- and 64-bit; the
// string, address and range sections DWARF 5 added (.debug_str_offsets, .debug_addr, .debug_rnglists,
// .debug_line_str); zlib-compressed sections (SHF_COMPRESSED); split DWARF, a skeleton unit's DIEs read from
// its .dwo file or the binary's .dwp package (dwarf-split.ts) the first time a search reaches that unit.
// Everything is lazy: the sections are read on the first lookup, a unit's DIE tree and line program when
// an address falls in it, and both are kept; so a large binary costs nothing until a stack of it prints.
import { resolve } from 'node:path';
import { FileTimeoutError } from '../../bounded-io.ts';
import { Cursor, DwarfError, stringAt } from './dwarf-cursor.ts';
import { LineTable } from './dwarf-line.ts';
import {
  dwoCandidates,
  missingSplitWarning,
  packagePath,
  readUnitIndex,
  type IndexedUnit,
  type UnitIndex,
} from './dwarf-split.ts';
import { ElfError, ElfFile, type Section } from './elf-file.ts';
import type { BtfMember, BtfType } from '../../../lang/index.ts';

/** A function inlined at an address: its name (the linkage name when it has one, for demangling) and where. */
export interface InlinedFrame {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
}

export interface SourceLocation {
  /** where the address is in the function the code belongs to (the call site of the first inlined one) */
  readonly file?: string;
  readonly line?: number;
  /** functions inlined at the address, innermost first (the order a stack prints them) */
  readonly inlined: readonly InlinedFrame[];
}

// tags
const DW_TAG_enumeration_type = 0x04;
const DW_TAG_formal_parameter = 0x05;
const DW_TAG_lexical_block = 0x0b;
const DW_TAG_pointer_type = 0x0f;
const DW_TAG_structure_type = 0x13;
const DW_TAG_typedef = 0x16;
const DW_TAG_union_type = 0x17;
const DW_TAG_base_type = 0x24;
const DW_TAG_const_type = 0x26;
const DW_TAG_array_type = 0x01;
const DW_TAG_member = 0x0d;
const DW_TAG_subroutine_type = 0x15;
const DW_TAG_unspecified_parameters = 0x18;
const DW_TAG_subrange_type = 0x21;
const DW_TAG_enumerator = 0x28;
const DW_TAG_volatile_type = 0x35;
const DW_TAG_restrict_type = 0x37;
const DW_TAG_compile_unit = 0x11;
const DW_TAG_inlined_subroutine = 0x1d;
const DW_TAG_subprogram = 0x2e;
const DW_TAG_partial_unit = 0x3c;
const DW_TAG_skeleton_unit = 0x4a;
// attributes
const DW_AT_name = 0x03;
const DW_AT_stmt_list = 0x10;
const DW_AT_low_pc = 0x11;
const DW_AT_high_pc = 0x12;
const DW_AT_comp_dir = 0x1b;
const DW_AT_abstract_origin = 0x31;
const DW_AT_specification = 0x47;
const DW_AT_type = 0x49;
const DW_AT_ranges = 0x55;
const DW_AT_call_file = 0x58;
const DW_AT_call_line = 0x59;
const DW_AT_linkage_name = 0x6e;
const DW_AT_str_offsets_base = 0x72;
const DW_AT_addr_base = 0x73;
const DW_AT_rnglists_base = 0x74;
const DW_AT_dwo_name = 0x76;
const DW_AT_MIPS_linkage_name = 0x2007;
// DWARF 4's split DWARF (the GNU extension DWARF 5 standardised)
const DW_AT_GNU_dwo_name = 0x2130;
const DW_AT_GNU_dwo_id = 0x2131;
const DW_AT_GNU_ranges_base = 0x2132;
const DW_AT_GNU_addr_base = 0x2133;
const DW_AT_byte_size = 0x0b;
const DW_AT_bit_offset = 0x0c;
const DW_AT_bit_size = 0x0d;
const DW_AT_const_value = 0x1c;
const DW_AT_upper_bound = 0x2f;
const DW_AT_count = 0x37;
const DW_AT_data_member_location = 0x38;
const DW_AT_declaration = 0x3c;
const DW_AT_encoding = 0x3e;
const DW_AT_data_bit_offset = 0x6b;
// base type encodings
const DW_ATE_boolean = 0x02;
const DW_ATE_float = 0x04;
const DW_ATE_signed = 0x05;
const DW_ATE_signed_char = 0x06;
const DW_ATE_unsigned = 0x07;
const DW_ATE_unsigned_char = 0x08;
const DW_ATE_UTF = 0x10;
// forms
const DW_FORM_addr = 0x01;
const DW_FORM_block2 = 0x03;
const DW_FORM_block4 = 0x04;
const DW_FORM_data2 = 0x05;
const DW_FORM_data4 = 0x06;
const DW_FORM_data8 = 0x07;
const DW_FORM_string = 0x08;
const DW_FORM_block = 0x09;
const DW_FORM_block1 = 0x0a;
const DW_FORM_data1 = 0x0b;
const DW_FORM_flag = 0x0c;
const DW_FORM_sdata = 0x0d;
const DW_FORM_strp = 0x0e;
const DW_FORM_udata = 0x0f;
const DW_FORM_ref_addr = 0x10;
const DW_FORM_ref1 = 0x11;
const DW_FORM_ref2 = 0x12;
const DW_FORM_ref4 = 0x13;
const DW_FORM_ref8 = 0x14;
const DW_FORM_ref_udata = 0x15;
const DW_FORM_indirect = 0x16;
const DW_FORM_sec_offset = 0x17;
const DW_FORM_exprloc = 0x18;
const DW_FORM_flag_present = 0x19;
const DW_FORM_strx = 0x1a;
const DW_FORM_addrx = 0x1b;
const DW_FORM_ref_sup4 = 0x1c;
const DW_FORM_strp_sup = 0x1d;
const DW_FORM_data16 = 0x1e;
const DW_FORM_line_strp = 0x1f;
const DW_FORM_ref_sig8 = 0x20;
const DW_FORM_implicit_const = 0x21;
const DW_FORM_loclistx = 0x22;
const DW_FORM_rnglistx = 0x23;
const DW_FORM_ref_sup8 = 0x24;
const DW_FORM_strx1 = 0x25;
const DW_FORM_strx2 = 0x26;
const DW_FORM_strx3 = 0x27;
const DW_FORM_strx4 = 0x28;
const DW_FORM_addrx1 = 0x29;
const DW_FORM_addrx2 = 0x2a;
const DW_FORM_addrx3 = 0x2b;
const DW_FORM_addrx4 = 0x2c;
const DW_FORM_GNU_addr_index = 0x1f01;
const DW_FORM_GNU_str_index = 0x1f02;
const DW_FORM_GNU_ref_alt = 0x1f20;
const DW_FORM_GNU_strp_alt = 0x1f21;
// unit types (DWARF 5)
const DW_UT_compile = 0x01;
const DW_UT_type = 0x02;
const DW_UT_partial = 0x03;
const DW_UT_skeleton = 0x04;
const DW_UT_split_compile = 0x05;
const DW_UT_split_type = 0x06;
// range list entries (DWARF 5)
const DW_RLE_end_of_list = 0;
const DW_RLE_base_addressx = 1;
const DW_RLE_startx_endx = 2;
const DW_RLE_startx_length = 3;
const DW_RLE_offset_pair = 4;
const DW_RLE_base_address = 5;
const DW_RLE_start_end = 6;
const DW_RLE_start_length = 7;

const SHF_COMPRESSED = 0x800;
const ELFCOMPRESS_ZLIB = 1;
/** The most one debug section may inflate to, and all of a file's together. */
const MAX_SECTION_BYTES = 512 * 1024 * 1024;
const MAX_DEBUG_BYTES = 1024 * 1024 * 1024;
/** Lookups remembered per file: a stack prints the same return addresses again and again. */
const MAX_CACHED_ADDRESSES = 4096;
/** abstract_origin/specification links followed to a name (a crafted file may loop them). */
const MAX_NAME_HOPS = 8;
/** Nesting of DIEs and entries in one range list a crafted file may claim (real ones: tens, hundreds). */
const MAX_DEPTH = 1024;
const MAX_RANGES = 1 << 16;

interface Sections {
  readonly info: Buffer;
  readonly abbrev: Buffer;
  readonly str?: Buffer;
  readonly lineStr?: Buffer;
  readonly strOffsets?: Buffer;
  readonly addr?: Buffer;
  readonly ranges?: Buffer;
  readonly rnglists?: Buffer;
  readonly line?: Buffer;
}

/** The sections of a .dwo file or .dwp package, by the names they have there. */
const SPLIT_SECTIONS = {
  info: '.debug_info.dwo',
  abbrev: '.debug_abbrev.dwo',
  str: '.debug_str.dwo',
  strOffsets: '.debug_str_offsets.dwo',
  rnglists: '.debug_rnglists.dwo',
} as const;

interface AttrSpec {
  readonly name: number;
  readonly form: number;
  /** DW_FORM_implicit_const's value, kept in the abbreviation */
  readonly value: number;
}

interface Abbrev {
  readonly tag: number;
  readonly children: boolean;
  readonly attrs: readonly AttrSpec[];
}

interface Attr {
  readonly form: number;
  /** a bigint only for a DWO id (all 64 bits compared) */
  readonly value: number | string | bigint | undefined;
}

interface Die {
  readonly offset: number;
  readonly tag: number;
  readonly children: boolean;
  readonly attrs: ReadonlyMap<number, Attr>;
}

/** A piece of code: [low, high) pairs. */
type Ranges = readonly (readonly [number, number])[];

interface Unit {
  /** the file whose sections hold the unit (a split unit's is its .dwo or .dwp) */
  readonly owner: DwarfInfo;
  readonly offset: number;
  readonly end: number;
  readonly version: number;
  readonly addressSize: number;
  readonly offsetSize: 4 | 8;
  readonly abbrevOffset: number;
  readonly dieOffset: number;
  readonly isCompile: boolean;
  /** DWARF 5's skeleton and split units: the id tying them together (DWARF 4 has it in DW_AT_GNU_dwo_id) */
  readonly dwoId?: bigint;
  /** in a .dwp: the unit's parts of the package's sections */
  readonly contribution?: IndexedUnit;
  /** a skeleton's split unit, found when a search first reaches it (null: looked for, none) */
  split?: Unit | null;
  /** filled when the unit's DIE is read */
  root?: UnitRoot;
  /** filled when an address first falls in the unit */
  scopes?: Scope[];
  lines?: LineTable | null;
}

interface UnitRoot {
  readonly ranges: Ranges;
  readonly lowPc: number;
  readonly stmtList?: number;
  readonly compDir?: string;
  readonly strOffsetsBase: number;
  readonly addrBase: number;
  readonly rnglistsBase: number;
  /** a split unit: where its DW_AT_ranges offsets count from (DWARF 4: the skeleton's DW_AT_GNU_ranges_base) */
  readonly rangesBase?: number;
  /** a skeleton unit: its .dwo file's name, and DWARF 4's id and ranges base for its split unit */
  readonly dwoName?: string;
  readonly dwoId?: bigint;
  readonly splitRangesBase?: number;
}

/** A subprogram or inlined subroutine with code: where it is, what encloses it and where it was called. */
interface Scope {
  readonly ranges: Ranges;
  readonly parent: number;
  readonly depth: number;
  readonly die: Die;
}

/** The interesting attributes, read; every other one is skipped by its form. */
const WANTED = new Set([
  DW_AT_name,
  DW_AT_stmt_list,
  DW_AT_low_pc,
  DW_AT_high_pc,
  DW_AT_comp_dir,
  DW_AT_abstract_origin,
  DW_AT_specification,
  DW_AT_type,
  DW_AT_ranges,
  DW_AT_call_file,
  DW_AT_call_line,
  DW_AT_linkage_name,
  DW_AT_str_offsets_base,
  DW_AT_addr_base,
  DW_AT_rnglists_base,
  DW_AT_MIPS_linkage_name,
  DW_AT_byte_size,
  DW_AT_bit_offset,
  DW_AT_bit_size,
  DW_AT_const_value,
  DW_AT_upper_bound,
  DW_AT_count,
  DW_AT_data_member_location,
  DW_AT_declaration,
  DW_AT_encoding,
  DW_AT_data_bit_offset,
  DW_AT_dwo_name,
  DW_AT_GNU_dwo_name,
  DW_AT_GNU_dwo_id,
  DW_AT_GNU_ranges_base,
  DW_AT_GNU_addr_base,
]);

export class DwarfInfo {
  private units?: Unit[];
  private readonly abbrevs = new Map<number, Map<number, Abbrev>>();
  private readonly cache = new Map<number, SourceLocation | null>();
  /** the binary's .dwp, opened when a skeleton unit is first looked up in it (null: there is none) */
  private dwp?: DwarfInfo | null;
  /** skeleton units whose split unit no file had: their .dwo names ('' for a unit without one) */
  private readonly missing = new Set<string>();

  private constructor(
    private readonly path: string,
    private readonly sections: Sections,
    /** where the sections come from: a split unit's files are found from it */
    private readonly elf?: ElfFile,
    /** a .dwo file or .dwp package: its units are split units, the package's placed by its index */
    private readonly split?: { readonly index?: UnitIndex },
  ) {}

  /** Bytes of the sections held (for the symboliser's memory budget). */
  get byteSize(): number {
    let n = 0;
    for (const b of Object.values(this.sections)) n += (b as Buffer | undefined)?.length ?? 0;
    return n;
  }

  /** The debug information of an ELF file, or undefined when it has none (.debug_info and .debug_abbrev). */
  static read(elf: ElfFile): DwarfInfo | undefined {
    const sections = loadSections(elf, {
      info: '.debug_info',
      abbrev: '.debug_abbrev',
      str: '.debug_str',
      lineStr: '.debug_line_str',
      strOffsets: '.debug_str_offsets',
      addr: '.debug_addr',
      ranges: '.debug_ranges',
      rnglists: '.debug_rnglists',
      line: '.debug_line',
    });
    return sections && new DwarfInfo(elf.path, sections, elf);
  }

  /**
   * A .dwo file or .dwp package (`packaged`: its .debug_cu_index is read) of the binary `skeleton` describes, or
   * undefined when it has no split units. Its units' addresses are indexes into the binary's .debug_addr, and
   * DWARF 4's range lists are in the binary's .debug_ranges: those two sections come from `skeleton`.
   */
  private static readSplit(elf: ElfFile, skeleton: DwarfInfo, packaged: boolean): DwarfInfo | undefined {
    const sections = loadSections(elf, { ...SPLIT_SECTIONS, ...(packaged ? { index: '.debug_cu_index' } : {}) });
    if (!sections || (packaged && !sections.index)) return undefined;
    const { index, ...own } = sections;
    const { addr, ranges } = skeleton.sections;
    return new DwarfInfo(elf.path, { ...own, ...(addr ? { addr } : {}), ...(ranges ? { ranges } : {}) }, elf, {
      ...(index ? { index: readUnitIndex(index) } : {}),
    });
  }

  /**
   * bpftrace v0.26's warnings for the skeleton units a search reached whose split unit no .dwo file or .dwp package
   * had (their types, parameters and inlined functions are unknown), naming the probed file as `path`.
   */
  splitWarnings(path: string): string[] {
    return [...this.missing].map((dwo) => missingSplitWarning(path, dwo || undefined));
  }

  /**
   * The source location of the code at `addr` (a virtual address of the file), with the functions inlined
   * there; undefined when no unit covers it. A corrupt section answers undefined for the addresses it holds.
   */
  locate(addr: number): SourceLocation | undefined {
    const hit = this.cache.get(addr);
    if (hit !== undefined) return hit ?? undefined;
    let found: SourceLocation | undefined;
    try {
      found = this.find(addr);
    } catch (e) {
      if (!(e instanceof DwarfError || e instanceof RangeError)) throw e;
    }
    if (this.cache.size >= MAX_CACHED_ADDRESSES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(addr, found ?? null);
    return found;
  }

  private find(addr: number): SourceLocation | undefined {
    for (const unit of this.allUnits()) {
      const root = this.root(unit);
      if (!root || !contains(root.ranges, addr)) continue;
      const lines = this.lineTable(unit, root);
      // a split unit's functions are in its .dwo; its line table stays in the skeleton's file
      const dies = this.splitUnit(unit) ?? unit;
      const chain = dies.owner.chain(dies, addr);
      const row = lines?.lookup(addr);
      if (!row && !chain.length) continue;
      // chain: the function, then what is inlined in it, outermost first. The line table places the
      // innermost; each call site places the one around it.
      const inlined: InlinedFrame[] = [];
      let file = row?.file;
      let line = row?.line;
      for (let i = chain.length - 1; i >= 1; i--) {
        const s = chain[i]!.die;
        inlined.push({
          name: dies.owner.name(s) ?? '??',
          ...(file !== undefined ? { file } : {}),
          ...(line ? { line } : {}),
        });
        const callFile = numberAttr(s, DW_AT_call_file);
        file = callFile !== undefined ? lines?.file(callFile) : undefined;
        line = numberAttr(s, DW_AT_call_line);
      }
      return { ...(file !== undefined ? { file } : {}), ...(line !== undefined ? { line } : {}), inlined };
    }
    return undefined;
  }

  /**
   * The line tables of the units with code, in unit order (as elfutils hands the units); a unit whose line
   * program does not parse is left out, as `locate` leaves it.
   */
  *lineTables(): Generator<LineTable> {
    for (const unit of this.allUnits()) {
      const root = this.root(unit);
      if (!root) continue;
      let lines: LineTable | undefined;
      try {
        lines = this.lineTable(unit, root);
      } catch (e) {
        if (!(e instanceof DwarfError || e instanceof RangeError)) throw e; // lineTable kept null: not read again
      }
      if (lines) yield lines;
    }
  }

  /**
   * A function's parameters as bpftrace v0.26 lists them (`-lv uprobe:BIN:FUNC`): `TYPE NAME` each, the type
   * spelled as its DWARF parser spells it (`int*`, `const char*`, `struct Foo*`); the first subprogram of that
   * name (DW_AT_name, through abstract_origin/specification) in unit order; [] when there is none.
   */
  functionParams(name: string): string[] {
    const found = this.functionParamDies(name);
    return (found?.params ?? []).map(({ unit, die }) => {
      const type = unit.owner.typeName(unit, die.attrs.get(DW_AT_type), 0);
      const own = unit.owner.string(unit, die.attrs.get(DW_AT_name));
      return own !== undefined ? `${type} ${own}` : type;
    });
  }

  /**
   * A function's parameters with their types as BTF rows (ids 1…, in `types`, index id - 1): what `args` of a
   * uprobe on it reads. The function is the one functionParams lists; undefined when there is none (or the DWARF
   * does not parse). Types DWARF describes in a way BTF cannot (a bitfield counted from the top, a member at a
   * computed place) come out as forward declarations, which nothing reads a wrong number from.
   */
  functionTypes(name: string | undefined, typeNames: readonly string[] = []): DwarfFunctionTypes | undefined {
    const found = name === undefined ? undefined : this.functionParamDies(name);
    const rows = new DwarfTypeRows();
    try {
      const params = found?.params.map(({ unit, die }) => ({
        name: unit.owner.string(unit, die.attrs.get(DW_AT_name)) ?? '',
        type: rows.id(unit, die.attrs.get(DW_AT_type)),
      }));
      // the named types a script writes (casts, sizeof), from anywhere in the file, as v0.26 finds them
      let named = 0;
      for (const t of typeNames) {
        const hit = this.namedTypeDie(t);
        if (hit) {
          rows.of(hit.unit, hit.die);
          named++;
        }
      }
      if (!found && !named) return undefined;
      return { ...(params ? { params } : {}), types: rows.rows, variadic: found?.variadic ?? false };
    } catch (e) {
      if (!(e instanceof DwarfError || e instanceof RangeError)) throw e;
      return undefined;
    }
  }

  /**
   * The definition of a type C names `struct X`, `union X`, `enum X` or (a typedef) `X` among the units' top-level
   * DIEs, the first in unit order; declarations are passed over.
   */
  private namedTypeDie(cName: string): { unit: Unit; die: Die } | undefined {
    const m = /^(?:(struct|union|enum) )?([A-Za-z_]\w*)$/.exec(cName.trim().replace(/\s+/g, ' '));
    if (!m) return undefined;
    const tag =
      m[1] === 'struct'
        ? DW_TAG_structure_type
        : m[1] === 'union'
          ? DW_TAG_union_type
          : m[1] === 'enum'
            ? DW_TAG_enumeration_type
            : DW_TAG_typedef;
    try {
      for (const skeleton of this.allUnits()) {
        if (!this.root(skeleton)) continue;
        const unit = this.splitUnit(skeleton) ?? skeleton;
        const d = unit.owner;
        const rootDie = d.readDie(unit, new Cursor(d.sections.info, unit.dieOffset, unit.end));
        if (!rootDie) continue;
        for (const die of d.childrenOf(unit, rootDie))
          if (
            die.tag === tag &&
            !die.attrs.has(DW_AT_declaration) &&
            d.string(unit, die.attrs.get(DW_AT_name)) === m[2]
          )
            return { unit, die };
      }
    } catch (e) {
      if (!(e instanceof DwarfError || e instanceof RangeError)) throw e;
    }
    return undefined;
  }

  private functionParamDies(name: string): { params: { unit: Unit; die: Die }[]; variadic: boolean } | undefined {
    try {
      for (const unit of this.allUnits()) {
        if (!this.root(unit)) continue;
        const dies = this.splitUnit(unit) ?? unit;
        const params = dies.owner.paramsIn(dies, name);
        if (params) return params;
      }
    } catch (e) {
      if (!(e instanceof DwarfError || e instanceof RangeError)) throw e;
    }
    return undefined;
  }

  private paramsIn(unit: Unit, name: string): { params: { unit: Unit; die: Die }[]; variadic: boolean } | undefined {
    const c = new Cursor(this.sections.info, unit.dieOffset, unit.end);
    // open: DIEs with children not yet ended; a subprogram's parameters are its children one level down
    let open = 0;
    let found: { params: { unit: Unit; die: Die }[]; variadic: boolean } | undefined;
    let foundAt = 0;
    while (!c.atEnd) {
      const die = this.readDie(unit, c);
      if (!die) {
        open--;
        if (found && open === foundAt) return found;
        if (open <= 0) break;
        continue;
      }
      if (found && open === foundAt + 1 && die.tag === DW_TAG_formal_parameter) found.params.push({ unit, die });
      else if (found && open === foundAt + 1 && die.tag === DW_TAG_unspecified_parameters) found.variadic = true;
      else if (
        !found &&
        !die.children &&
        die.tag === DW_TAG_subprogram &&
        !die.attrs.has(DW_AT_declaration) &&
        this.plainName(die) === name
      )
        return { params: [], variadic: false }; // a definition without parameters
      else if (!found && die.children && die.tag === DW_TAG_subprogram && this.plainName(die) === name) {
        // (one without children has no parameters to list, or is a declaration: the definition may follow)
        found = { params: [], variadic: false };
        foundAt = open;
      }
      if (die.children) {
        if (open >= MAX_DEPTH) throw new DwarfError(`${this.path}: DIEs nested too deep`);
        open++;
      }
    }
    return found;
  }

  /** The DIE a reference attribute points at, with its unit. */
  referenced(unit: Unit, ref: Attr | undefined): { unit: Unit; die: Die } | undefined {
    const die = ref && this.dieAt(unit, ref);
    const at = die && this.unitAt(die.offset);
    return die && at ? { unit: at, die } : undefined;
  }

  /** The children of a DIE (one level down), in order. */
  childrenOf(unit: Unit, die: Die): Die[] {
    if (!die.children) return [];
    const c = new Cursor(this.sections.info, die.offset, unit.end);
    this.readDie(unit, c);
    const out: Die[] = [];
    let open = 0;
    while (!c.atEnd) {
      const d = this.readDie(unit, c);
      if (!d) {
        if (open === 0) break;
        open--;
        continue;
      }
      if (open === 0) out.push(d);
      if (d.children) {
        if (open >= MAX_DEPTH) throw new DwarfError(`${this.path}: DIEs nested too deep`);
        open++;
      }
    }
    return out;
  }

  /** A string attribute of a DIE. */
  stringOf(unit: Unit, die: Die, name: number): string | undefined {
    return this.string(unit, die.attrs.get(name));
  }

  /** DW_AT_name through abstract_origin/specification (no linkage name: bpftrace matches the plain name). */
  private plainName(die: Die): string | undefined {
    let d: Die | undefined = die;
    for (let hop = 0; d && hop < MAX_NAME_HOPS; hop++) {
      const unit = this.unitAt(d.offset);
      if (!unit) return undefined;
      const name = this.string(unit, d.attrs.get(DW_AT_name));
      if (name !== undefined) return name;
      const next: Attr | undefined = d.attrs.get(DW_AT_abstract_origin) ?? d.attrs.get(DW_AT_specification);
      d = next && this.dieAt(unit, next);
    }
    return undefined;
  }

  private dieAt(unit: Unit, ref: Attr): Die | undefined {
    const target = refOffset(unit, ref);
    const targetUnit = target === undefined ? undefined : this.unitAt(target);
    return targetUnit && this.readDie(targetUnit, new Cursor(this.sections.info, target, targetUnit.end));
  }

  /** A type's name as bpftrace's Dwarf::get_type_name writes it. */
  private typeName(unit: Unit, ref: Attr | undefined, hops: number): string {
    const die = ref && hops < MAX_NAME_HOPS ? this.dieAt(unit, ref) : undefined;
    const at = die && this.unitAt(die.offset);
    if (!die || !at) return ref ? '<unknown type>' : 'void';
    const inner = () => this.typeName(at, die.attrs.get(DW_AT_type), hops + 1);
    switch (die.tag) {
      case DW_TAG_base_type:
      case DW_TAG_typedef:
        return this.string(at, die.attrs.get(DW_AT_name)) ?? '';
      case DW_TAG_pointer_type:
        return die.attrs.has(DW_AT_type) ? `${inner()}*` : 'void*';
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
      case DW_TAG_enumeration_type: {
        const kind = die.tag === DW_TAG_structure_type ? 'struct' : die.tag === DW_TAG_union_type ? 'union' : 'enum';
        return `${kind} ${this.string(at, die.attrs.get(DW_AT_name)) ?? '<anonymous>'}`;
      }
      case DW_TAG_const_type: {
        const target = die.attrs.get(DW_AT_type);
        const pointer = target !== undefined && this.dieAt(at, target)?.tag === DW_TAG_pointer_type;
        return pointer ? `${inner()} const` : `const ${inner()}`;
      }
      default:
        return '<unknown type>';
    }
  }

  // ---- units

  private allUnits(): Unit[] {
    if (this.units) return this.units;
    const units: Unit[] = [];
    const c = new Cursor(this.sections.info);
    // a package's units by where their .debug_info.dwo part starts
    const indexed = new Map(this.split?.index?.units.map((u) => [u.info?.offset, u]));
    while (c.pos + 11 <= c.end) {
      const offset = c.pos;
      const { length, offsetSize } = c.unitLength();
      const end = c.pos + length;
      if (length === 0 || end > c.buf.length) break;
      const version = c.u16();
      let unitType = DW_UT_compile;
      let addressSize: number;
      let abbrevOffset: number;
      let dwoId: bigint | undefined;
      if (version >= 5) {
        unitType = c.u8();
        addressSize = c.u8();
        abbrevOffset = c.unsigned(offsetSize);
        if (unitType === DW_UT_skeleton || unitType === DW_UT_split_compile) {
          dwoId = c.u64n();
        } else if (unitType === DW_UT_type || unitType === DW_UT_split_type) c.skip(8 + offsetSize); // signature, offset
      } else if (version >= 2) {
        abbrevOffset = c.unsigned(offsetSize);
        addressSize = c.u8();
      } else {
        c.pos = end;
        continue;
      }
      const contribution = indexed.get(offset);
      units.push({
        owner: this,
        offset,
        end,
        version,
        addressSize,
        offsetSize,
        // a package's abbreviation offsets count from the unit's part of .debug_abbrev.dwo
        abbrevOffset: abbrevOffset + (contribution?.abbrev?.offset ?? 0),
        dieOffset: c.pos,
        isCompile:
          unitType === DW_UT_compile ||
          unitType === DW_UT_partial ||
          unitType === DW_UT_skeleton ||
          unitType === DW_UT_split_compile,
        ...(dwoId !== undefined ? { dwoId } : {}),
        ...(contribution ? { contribution } : {}),
      });
      c.pos = end;
    }
    return (this.units = units);
  }

  /** The unit holding a .debug_info offset (for DW_FORM_ref_addr). */
  private unitAt(offset: number): Unit | undefined {
    const units = this.allUnits();
    let lo = 0;
    let hi = units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = units[mid]!;
      if (offset < u.offset) hi = mid - 1;
      else if (offset >= u.end) lo = mid + 1;
      else return u;
    }
    return undefined;
  }

  /** The unit's own DIE, read once; a unit that does not parse holds no code (the others still answer). */
  private root(unit: Unit): UnitRoot | undefined {
    if (unit.root === undefined && unit.isCompile) {
      try {
        unit.root = this.readRoot(unit) ?? NO_CODE;
      } catch (e) {
        if (!(e instanceof DwarfError || e instanceof RangeError)) throw e;
        unit.root = NO_CODE;
      }
    }
    return unit.root;
  }

  private readRoot(unit: Unit): UnitRoot | undefined {
    const die = this.readDie(unit, new Cursor(this.sections.info, unit.dieOffset, unit.end));
    if (!die || ![DW_TAG_compile_unit, DW_TAG_partial_unit, DW_TAG_skeleton_unit].includes(die.tag)) return undefined;
    const base = {
      strOffsetsBase: numberAttr(die, DW_AT_str_offsets_base) ?? 0,
      addrBase: numberAttr(die, DW_AT_addr_base) ?? numberAttr(die, DW_AT_GNU_addr_base) ?? 0,
      rnglistsBase: numberAttr(die, DW_AT_rnglists_base) ?? 0,
      lowPc: 0,
    };
    // the base attributes first: the unit's own name and ranges may be indexes through them
    unit.root = { ...base, ranges: [] };
    const lowPc = this.address(unit, die.attrs.get(DW_AT_low_pc)) ?? 0;
    unit.root = { ...base, lowPc, ranges: [] };
    const stmtList = numberAttr(die, DW_AT_stmt_list);
    const compDir = this.string(unit, die.attrs.get(DW_AT_comp_dir));
    const dwoName = this.string(unit, die.attrs.get(DW_AT_dwo_name) ?? die.attrs.get(DW_AT_GNU_dwo_name));
    const dwoId = die.attrs.get(DW_AT_GNU_dwo_id)?.value;
    const splitRangesBase = numberAttr(die, DW_AT_GNU_ranges_base);
    unit.root = {
      ...base,
      lowPc,
      ranges: this.pcRanges(unit, die),
      ...(stmtList !== undefined ? { stmtList } : {}),
      ...(compDir !== undefined ? { compDir } : {}),
      ...(dwoName !== undefined ? { dwoName } : {}),
      ...(typeof dwoId === 'bigint' ? { dwoId } : {}),
      ...(splitRangesBase !== undefined ? { splitRangesBase } : {}),
    };
    return unit.root;
  }

  // ---- split units

  /**
   * A skeleton unit's split unit, looked for once as libdw looks (bpftrace v0.26): in the package beside the file
   * first, then in the .dwo file the skeleton names (dwarf-split.ts); the first unit with the skeleton's id. A unit
   * that is no skeleton, or whose split unit no file has (noted for splitWarnings), answers undefined.
   */
  private splitUnit(unit: Unit): Unit | undefined {
    if (unit.split !== undefined) return unit.split ?? undefined;
    unit.split = null;
    const root = this.root(unit);
    // a DWARF 4 skeleton is a compile unit with DW_AT_GNU_dwo_id
    const id = unit.dwoId ?? root?.dwoId;
    if (this.split || !root || id === undefined || !unit.isCompile) return undefined;
    let found: Unit | undefined;
    try {
      found = this.package()?.unitWithId(id);
      if (!found && root.dwoName !== undefined)
        for (const path of dwoCandidates(this.realPath(), root.dwoName, root.compDir)) {
          found = this.openSplit(path, false)?.unitWithId(id);
          if (found) break;
        }
    } catch (e) {
      if (!(e instanceof DwarfError || e instanceof RangeError)) throw e;
      found = undefined;
    }
    if (!found) {
      this.missing.add(root.dwoName ?? '');
      return undefined;
    }
    found.root = splitRoot(found, root);
    return (unit.split = found);
  }

  /** The package beside this file, opened once (undefined: none, or not a package). */
  private package(): DwarfInfo | undefined {
    if (this.dwp === undefined) this.dwp = this.openSplit(packagePath(this.realPath()), true) ?? null;
    return this.dwp ?? undefined;
  }

  /** Where libdw finds split files from: this file's real path (the path as given where it does not resolve). */
  private realPath(): string {
    if (!this.elf) return resolve(this.path);
    try {
      return this.elf.files.realpath(this.elf.path);
    } catch {
      return resolve(this.elf.path);
    }
  }

  /** A .dwo file or .dwp package at `path`, read as this file was; undefined when there is none there. */
  private openSplit(path: string, packaged: boolean): DwarfInfo | undefined {
    if (!this.elf) return undefined;
    try {
      if (!this.elf.files.isFile(path)) return undefined;
      return DwarfInfo.readSplit(ElfFile.open(path, this.elf.files), this, packaged);
    } catch (e) {
      if (e instanceof ElfError || e instanceof FileTimeoutError || e instanceof RangeError) return undefined;
      throw e;
    }
  }

  /** The split unit with a DWO id in a .dwo file or .dwp package. */
  private unitWithId(id: bigint): Unit | undefined {
    const index = this.split?.index;
    if (index) {
      const at = index.units.find((u) => u.id === id)?.info?.offset;
      return at === undefined ? undefined : this.allUnits().find((u) => u.offset === at);
    }
    for (const u of this.allUnits()) {
      // DWARF 4 has the id in the unit's DIE
      const own =
        u.dwoId ??
        this.readDie(u, new Cursor(this.sections.info, u.dieOffset, u.end))?.attrs.get(DW_AT_GNU_dwo_id)?.value;
      if (own === id) return u;
    }
    return undefined;
  }

  private lineTable(unit: Unit, root: UnitRoot): LineTable | undefined {
    if (unit.lines === undefined) {
      unit.lines = null;
      if (root.stmtList !== undefined && this.sections.line)
        unit.lines = LineTable.parse(this.sections.line, root.stmtList, this.sections, root.compDir);
    }
    return unit.lines ?? undefined;
  }

  // ---- DIEs

  private abbrevTable(offset: number): Map<number, Abbrev> {
    let table = this.abbrevs.get(offset);
    if (table) return table;
    table = new Map();
    const c = new Cursor(this.sections.abbrev, offset);
    for (let code = c.uleb(); code !== 0; code = c.uleb()) {
      const tag = c.uleb();
      const children = c.u8() !== 0;
      const attrs: AttrSpec[] = [];
      for (;;) {
        const name = c.uleb();
        const form = c.uleb();
        if (name === 0 && form === 0) break;
        attrs.push({ name, form, value: form === DW_FORM_implicit_const ? c.sleb() : 0 });
      }
      table.set(code, { tag, children, attrs });
    }
    this.abbrevs.set(offset, table);
    return table;
  }

  /** The DIE at the cursor (undefined for a null entry, which ends a list of children). */
  private readDie(unit: Unit, c: Cursor): Die | undefined {
    const offset = c.pos;
    const code = c.uleb();
    if (code === 0) return undefined;
    const abbrev = this.abbrevTable(unit.abbrevOffset).get(code);
    if (!abbrev) throw new DwarfError(`${this.path}: DIE at ${offset}: no abbreviation ${code}`);
    const attrs = new Map<number, Attr>();
    for (const spec of abbrev.attrs) {
      let form = spec.form;
      if (form === DW_FORM_indirect) form = c.uleb();
      const value =
        form === DW_FORM_implicit_const
          ? spec.value
          : spec.name === DW_AT_GNU_dwo_id && form === DW_FORM_data8
            ? c.u64n()
            : readForm(c, form, unit);
      if (WANTED.has(spec.name)) attrs.set(spec.name, { form, value });
    }
    return { offset, tag: abbrev.tag, children: abbrev.children, attrs };
  }

  /** Every subprogram and inlined subroutine of a unit that has code, with what encloses it. */
  private unitScopes(unit: Unit): Scope[] {
    if (unit.scopes) return unit.scopes;
    // kept as they are found: when the unit turns out damaged, the scopes before the damage still answer
    const scopes: Scope[] = (unit.scopes = []);
    const c = new Cursor(this.sections.info, unit.dieOffset, unit.end);
    // per open DIE with children: the scope its children belong to (-1: none)
    const open: number[] = [];
    while (!c.atEnd) {
      const die = this.readDie(unit, c);
      if (!die) {
        open.pop();
        if (!open.length) break; // the unit DIE's children ended
        continue;
      }
      const enclosing = open.length ? open[open.length - 1]! : -1;
      let self = enclosing;
      if (die.tag === DW_TAG_subprogram || die.tag === DW_TAG_inlined_subroutine) {
        const ranges = this.pcRanges(unit, die);
        if (ranges.length) {
          const depth = enclosing >= 0 ? scopes[enclosing]!.depth + 1 : 0;
          scopes.push({ ranges, parent: enclosing, depth, die });
          self = scopes.length - 1;
        }
      } else if (die.tag !== DW_TAG_lexical_block) {
        self = -1; // a type, a variable, a namespace: what is inside is no code of the enclosing function
      }
      if (die.children) {
        if (open.length >= MAX_DEPTH) throw new DwarfError(`${this.path}: DIEs nested too deep`);
        open.push(self);
      }
    }
    return scopes;
  }

  /** The function at `addr` and the subroutines inlined there, outermost first; [] when none covers it. */
  private chain(unit: Unit, addr: number): Scope[] {
    const scopes = this.unitScopes(unit);
    let best = -1;
    for (let i = 0; i < scopes.length; i++) {
      const s = scopes[i]!;
      if ((best < 0 || s.depth > scopes[best]!.depth) && contains(s.ranges, addr)) best = i;
    }
    const out: Scope[] = [];
    for (let i = best; i >= 0 && out.length <= MAX_DEPTH; i = scopes[i]!.parent) out.push(scopes[i]!);
    return out.reverse();
  }

  /** A DIE's name, through abstract_origin and specification; the linkage name first (C++ demangles it). */
  private name(die: Die): string | undefined {
    let d: Die | undefined = die;
    for (let hop = 0; d && hop < MAX_NAME_HOPS; hop++) {
      const unit = this.unitAt(d.offset);
      if (!unit) return undefined;
      const name =
        this.string(unit, d.attrs.get(DW_AT_linkage_name)) ??
        this.string(unit, d.attrs.get(DW_AT_MIPS_linkage_name)) ??
        this.string(unit, d.attrs.get(DW_AT_name));
      if (name !== undefined) return name;
      const next: Attr | undefined = d.attrs.get(DW_AT_abstract_origin) ?? d.attrs.get(DW_AT_specification);
      const target: number | undefined = next && refOffset(unit, next);
      if (target === undefined) return undefined;
      const targetUnit = this.unitAt(target);
      d = targetUnit && this.readDie(targetUnit, new Cursor(this.sections.info, target, targetUnit.end));
    }
    return undefined;
  }

  // ---- attribute values

  private string(unit: Unit, a: Attr | undefined): string | undefined {
    if (!a) return undefined;
    if (typeof a.value === 'string') return a.value;
    if (typeof a.value !== 'number') return undefined;
    switch (a.form) {
      case DW_FORM_strp:
        return stringAt(this.sections.str, a.value);
      case DW_FORM_line_strp:
        return stringAt(this.sections.lineStr, a.value);
      case DW_FORM_strx:
      case DW_FORM_strx1:
      case DW_FORM_strx2:
      case DW_FORM_strx3:
      case DW_FORM_strx4:
      case DW_FORM_GNU_str_index: {
        const offsets = this.sections.strOffsets;
        const at = (unit.root?.strOffsetsBase ?? 0) + a.value * unit.offsetSize;
        if (!offsets || at + unit.offsetSize > offsets.length) return undefined;
        return stringAt(this.sections.str, new Cursor(offsets, at).unsigned(unit.offsetSize));
      }
      default:
        return undefined; // strings of a supplementary file (dwz): not read
    }
  }

  private address(unit: Unit, a: Attr | undefined): number | undefined {
    if (!a || typeof a.value !== 'number') return undefined;
    return isAddrx(a.form) ? this.indexedAddress(unit, a.value) : a.form === DW_FORM_addr ? a.value : undefined;
  }

  private indexedAddress(unit: Unit, index: number): number | undefined {
    const addr = this.sections.addr;
    const at = (unit.root?.addrBase ?? 0) + index * unit.addressSize;
    if (!addr || at + unit.addressSize > addr.length) return undefined;
    return new Cursor(addr, at).unsigned(unit.addressSize);
  }

  /** The code of a DIE: low_pc/high_pc or a range list; [] when it has none. */
  private pcRanges(unit: Unit, die: Die): Ranges {
    const low = this.address(unit, die.attrs.get(DW_AT_low_pc));
    const highAttr = die.attrs.get(DW_AT_high_pc);
    if (low !== undefined && highAttr && typeof highAttr.value === 'number') {
      // an address form is the end itself; a constant is the length (DWARF 4 on)
      const high =
        highAttr.form === DW_FORM_addr || isAddrx(highAttr.form) ? this.address(unit, highAttr) : low + highAttr.value;
      return high !== undefined && validRange(low, high) ? [[low, high]] : [];
    }
    const ranges = die.attrs.get(DW_AT_ranges);
    if (ranges && typeof ranges.value === 'number') return this.rangeList(unit, ranges);
    return [];
  }

  private rangeList(unit: Unit, a: Attr): Ranges {
    const base0 = die0Low(unit);
    if (unit.version < 5) {
      const sec = this.sections.ranges;
      if (!sec) return [];
      // (a split unit's offsets count from the skeleton's DW_AT_GNU_ranges_base)
      const c = new Cursor(sec, (unit.root?.rangesBase ?? 0) + (a.value as number));
      const out: [number, number][] = [];
      let base = base0;
      const all = unit.addressSize === 8 ? -1 : 0xffffffff;
      for (let n = 0; n < MAX_RANGES; n++) {
        const begin = c.unsigned(unit.addressSize);
        const end = c.unsigned(unit.addressSize);
        if (begin === 0 && end === 0) break;
        if (begin === all) base = end;
        else if (validRange(base + begin, base + end)) out.push([base + begin, base + end]);
      }
      return out;
    }
    const sec = this.sections.rnglists;
    if (!sec) return [];
    let offset = (unit.root?.rangesBase ?? 0) + (a.value as number);
    if (a.form === DW_FORM_rnglistx) {
      const listBase = unit.root?.rnglistsBase ?? 0;
      offset = listBase + new Cursor(sec, listBase + offset * unit.offsetSize).unsigned(unit.offsetSize);
    }
    const c = new Cursor(sec, offset);
    const out: [number, number][] = [];
    let base = base0;
    const addrx = (i: number) => this.indexedAddress(unit, i) ?? 0;
    const push = (lo: number, hi: number) => validRange(lo, hi) && out.push([lo, hi]);
    for (let n = 0; n < MAX_RANGES; n++) {
      const kind = c.u8();
      if (kind === DW_RLE_end_of_list) break;
      switch (kind) {
        case DW_RLE_base_addressx:
          base = addrx(c.uleb());
          break;
        case DW_RLE_startx_endx: {
          const lo = addrx(c.uleb());
          push(lo, addrx(c.uleb()));
          break;
        }
        case DW_RLE_startx_length: {
          const lo = addrx(c.uleb());
          push(lo, lo + c.uleb());
          break;
        }
        case DW_RLE_offset_pair: {
          const lo = c.uleb();
          push(base + lo, base + c.uleb());
          break;
        }
        case DW_RLE_base_address:
          base = c.unsigned(unit.addressSize);
          break;
        case DW_RLE_start_end: {
          const lo = c.unsigned(unit.addressSize);
          push(lo, c.unsigned(unit.addressSize));
          break;
        }
        case DW_RLE_start_length: {
          const lo = c.unsigned(unit.addressSize);
          push(lo, lo + c.uleb());
          break;
        }
        default:
          throw new DwarfError(`${this.path}: range list entry ${kind} at ${c.pos - 1}`);
      }
    }
    return out;
  }
}

const NO_CODE: UnitRoot = { ranges: [], lowPc: 0, strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0 };

/**
 * A split unit's bases, which its own DIE does not carry: addresses and the code's ranges are the skeleton's; in
 * DWARF 5 its string offsets and range lists start after the header of its part of those .dwo sections (a
 * package's part is where the index says), in DWARF 4 the string offsets at its part's start and its range
 * lists at the skeleton's DW_AT_GNU_ranges_base in the binary's .debug_ranges.
 */
function splitRoot(unit: Unit, skeleton: UnitRoot): UnitRoot {
  const part = unit.contribution;
  const v5 = unit.version >= 5;
  const rnglists = part?.rnglists?.offset ?? 0;
  return {
    ranges: skeleton.ranges,
    lowPc: skeleton.lowPc,
    addrBase: skeleton.addrBase,
    // a header: unit length, version and padding (8 bytes, 16 in 64-bit DWARF)
    strOffsetsBase: (part?.strOffsets?.offset ?? 0) + (v5 ? 2 * unit.offsetSize : 0),
    // a header: unit length, version, address and segment sizes, offset count (12 bytes, 20 in 64-bit DWARF)
    rnglistsBase: v5 ? rnglists + (unit.offsetSize === 8 ? 20 : 12) : 0,
    rangesBase: v5 ? rnglists : (skeleton.splitRangesBase ?? 0),
    ...(skeleton.compDir !== undefined ? { compDir: skeleton.compDir } : {}),
  };
}

/**
 * The named sections of an ELF file, inflated; undefined when it lacks `info` or `abbrev`. Reading stops past
 * MAX_DEBUG_BYTES in all.
 */
function loadSections<N extends { readonly info: string; readonly abbrev: string }>(
  elf: ElfFile,
  names: N,
): ({ -readonly [K in keyof N]?: Buffer } & { info: Buffer; abbrev: Buffer }) | undefined {
  const find = (name: string) => elf.sections.find((s) => s.name === name && s.size > 0n);
  const info = find(names.info);
  const abbrev = find(names.abbrev);
  if (!info || !abbrev) return undefined;
  return elf.withBytes((src) => {
    let total = 0;
    const load = (s: Section) => {
      const bytes = sectionBytes(elf.path, s, elf.sectionData(s, src));
      if ((total += bytes.length) > MAX_DEBUG_BYTES)
        throw new DwarfError(`more than ${MAX_DEBUG_BYTES} bytes of debug sections: more than scry reads`, elf.path);
      return bytes;
    };
    const out: { -readonly [K in keyof N]?: Buffer } & { info: Buffer; abbrev: Buffer } = Object.assign(
      {},
      { info: load(info), abbrev: load(abbrev) },
    );
    for (const [key, name] of Object.entries(names) as [keyof N & string, string][]) {
      const s = key === 'info' || key === 'abbrev' ? undefined : find(name);
      if (s) out[key] = load(s) as (typeof out)[typeof key];
    }
    return out;
  });
}

/** The unit's base address for its range lists: its DIE's low_pc. */
function die0Low(unit: Unit): number {
  return unit.root?.lowPc ?? 0;
}

/**
 * A range of real code: not empty, and not at address 0 or at the tombstones linkers leave for code
 * they dropped (-1, -2): those would claim the addresses of the code that was kept.
 */
function validRange(lo: number, hi: number): boolean {
  return lo > 0 && hi > lo && hi < Number.MAX_SAFE_INTEGER;
}

function contains(ranges: Ranges, addr: number): boolean {
  for (const [lo, hi] of ranges) if (addr >= lo && addr < hi) return true;
  return false;
}

function isAddrx(form: number): boolean {
  return (
    (form >= DW_FORM_addrx1 && form <= DW_FORM_addrx4) || form === DW_FORM_addrx || form === DW_FORM_GNU_addr_index
  );
}

function numberAttr(die: Die, name: number): number | undefined {
  const v = die.attrs.get(name)?.value;
  return typeof v === 'number' ? v : undefined;
}

/** A reference's .debug_info offset: unit-relative forms add the unit's offset; references elsewhere: undefined. */
function refOffset(unit: Unit, a: Attr): number | undefined {
  if (typeof a.value !== 'number') return undefined;
  switch (a.form) {
    case DW_FORM_ref1:
    case DW_FORM_ref2:
    case DW_FORM_ref4:
    case DW_FORM_ref8:
    case DW_FORM_ref_udata:
      return unit.offset + a.value;
    case DW_FORM_ref_addr:
      return a.value;
    default:
      return undefined; // type units, supplementary (dwz) files
  }
}

/**
 * One attribute value: strings written in place come back as strings, everything else as the number the
 * form holds (an offset, index, address or constant, read by what the attribute means); blocks and 16-byte
 * constants are skipped.
 */
function readForm(c: Cursor, form: number, unit: Unit): number | string | undefined {
  switch (form) {
    case DW_FORM_addr:
      return c.unsigned(unit.addressSize);
    case DW_FORM_data1:
    case DW_FORM_ref1:
    case DW_FORM_flag:
    case DW_FORM_strx1:
    case DW_FORM_addrx1:
      return c.u8();
    case DW_FORM_data2:
    case DW_FORM_ref2:
    case DW_FORM_strx2:
    case DW_FORM_addrx2:
      return c.u16();
    case DW_FORM_strx3:
    case DW_FORM_addrx3:
      return c.u24();
    case DW_FORM_data4:
    case DW_FORM_ref4:
    case DW_FORM_ref_sup4:
    case DW_FORM_strx4:
    case DW_FORM_addrx4:
      return c.u32();
    case DW_FORM_data8:
    case DW_FORM_ref8:
    case DW_FORM_ref_sig8:
    case DW_FORM_ref_sup8:
      return c.u64();
    case DW_FORM_data16:
      c.skip(16);
      return undefined;
    case DW_FORM_string:
      return c.cstring();
    case DW_FORM_block:
    case DW_FORM_exprloc:
      c.skip(c.uleb());
      return undefined;
    case DW_FORM_block1:
      c.skip(c.u8());
      return undefined;
    case DW_FORM_block2:
      c.skip(c.u16());
      return undefined;
    case DW_FORM_block4:
      c.skip(c.u32());
      return undefined;
    case DW_FORM_sdata:
      return c.sleb();
    case DW_FORM_udata:
    case DW_FORM_ref_udata:
    case DW_FORM_strx:
    case DW_FORM_addrx:
    case DW_FORM_loclistx:
    case DW_FORM_rnglistx:
    case DW_FORM_GNU_addr_index:
    case DW_FORM_GNU_str_index:
      return c.uleb();
    case DW_FORM_strp:
    case DW_FORM_line_strp:
    case DW_FORM_sec_offset:
    case DW_FORM_strp_sup:
    case DW_FORM_GNU_ref_alt:
    case DW_FORM_GNU_strp_alt:
      return c.unsigned(unit.offsetSize);
    case DW_FORM_ref_addr:
      // an address's size in DWARF 2, an offset's later
      return c.unsigned(unit.version <= 2 ? unit.addressSize : unit.offsetSize);
    case DW_FORM_flag_present:
      return 1;
    default:
      throw new DwarfError(`form 0x${form.toString(16)} is not supported`);
  }
}

/** A section's bytes, inflated when compressed (SHF_COMPRESSED with zlib; other compressions are refused). */
function sectionBytes(path: string, s: Section, data: Buffer): Buffer {
  if (!(Number(s.flags) & SHF_COMPRESSED)) return data;
  if (data.length < 24) throw new DwarfError(`${s.name}: truncated compression header`, path);
  const type = data.readUInt32LE(0);
  const size = Number(data.readBigUInt64LE(8));
  if (type !== ELFCOMPRESS_ZLIB) throw new DwarfError(`${s.name}: compression type ${type} is not supported`, path);
  if (size > MAX_SECTION_BYTES) throw new DwarfError(`${s.name}: ${size} bytes: more than scry reads`, path);
  try {
    // zlib loads only here: it costs every run ~2 ms at start-up, and few binaries compress their DWARF
    const { inflateSync } = process.getBuiltinModule('node:zlib') as typeof import('node:zlib');
    return inflateSync(data.subarray(24), { maxOutputLength: Math.max(size, 1) });
  } catch (e) {
    throw new DwarfError(`${s.name}: ${(e as Error).message}`, path);
  }
}

export { DwarfError };

/** A function's parameters, typed by BTF rows made from its DWARF (ids 1…: `types[id - 1]`). */
export interface DwarfFunctionTypes {
  /** absent when the DWARF does not describe the function (only named types were asked for and found) */
  readonly params?: readonly { readonly name: string; readonly type: number }[];
  readonly types: readonly BtfType[];
  /** the prototype ends with `...` */
  readonly variadic: boolean;
}

/**
 * DWARF types as BTF rows, made as they are reached (a struct gets its id before its members, so a member that
 * points back at it finds it). Ids count from 1; the caller places them after its own.
 */
class DwarfTypeRows {
  readonly rows: BtfType[] = [];
  /** ids by DIE offset, per file (a binary's and its split units' .dwo files number their DIEs each from 0) */
  private readonly byOffset = new Map<DwarfInfo, Map<number, number>>();
  private arrayIndex = 0;
  private depth = 0;

  /** The row id of the type a DW_AT_type attribute names (0: void, where it is absent). */
  id(unit: Unit, ref: Attr | undefined): number {
    if (!ref) return 0;
    const hit = unit.owner.referenced(unit, ref);
    if (!hit) return this.add((id) => ({ kind: 'fwd', id, name: '', of: 'struct' }));
    return this.of(hit.unit, hit.die);
  }

  private add(make: (id: number) => BtfType): number {
    const id = this.rows.length + 1;
    this.rows.push(make(id));
    return id;
  }

  of(unit: Unit, die: Die): number {
    const known = this.byOffset.get(unit.owner)?.get(die.offset);
    if (known !== undefined) return known;
    if (++this.depth > MAX_DEPTH) throw new DwarfError('DWARF types nested too deep');
    try {
      return this.make(unit, die);
    } finally {
      this.depth--;
    }
  }

  private make(unit: Unit, die: Die): number {
    const d = unit.owner;
    const name = d.stringOf(unit, die, DW_AT_name) ?? '';
    const size = numberAttr(die, DW_AT_byte_size);
    const target = () => this.id(unit, die.attrs.get(DW_AT_type));
    // the id first, the row after what it refers to (a pointer to the struct being made finds this id)
    const id = this.rows.length + 1;
    this.rows.push({ kind: 'fwd', id, name, of: 'struct' });
    const ids = this.byOffset.get(d) ?? this.byOffset.set(d, new Map()).get(d)!;
    ids.set(die.offset, id);
    const set = (t: BtfType) => (this.rows[id - 1] = t);
    switch (die.tag) {
      case DW_TAG_base_type: {
        const enc = numberAttr(die, DW_AT_encoding);
        if (size === undefined) break;
        if (enc === DW_ATE_float) set({ kind: 'float', id, name, size });
        else if (
          enc === DW_ATE_boolean ||
          enc === DW_ATE_signed ||
          enc === DW_ATE_signed_char ||
          enc === DW_ATE_unsigned ||
          enc === DW_ATE_unsigned_char ||
          enc === DW_ATE_UTF
        )
          set({
            kind: 'int',
            id,
            name,
            size,
            signed: enc === DW_ATE_signed || enc === DW_ATE_signed_char,
            char: enc === DW_ATE_signed_char || enc === DW_ATE_unsigned_char,
            bool: enc === DW_ATE_boolean,
            bits: size * 8,
            bitOffset: 0,
          });
        break;
      }
      case DW_TAG_pointer_type:
        set({ kind: 'ptr', id, name: '', target: target() });
        break;
      case DW_TAG_typedef:
        set({ kind: 'typedef', id, name, target: target() });
        break;
      case DW_TAG_const_type:
        set({ kind: 'const', id, name: '', target: target() });
        break;
      case DW_TAG_volatile_type:
        set({ kind: 'volatile', id, name: '', target: target() });
        break;
      case DW_TAG_restrict_type:
        set({ kind: 'restrict', id, name: '', target: target() });
        break;
      case DW_TAG_structure_type:
      case DW_TAG_union_type: {
        const of = die.tag === DW_TAG_structure_type ? 'struct' : 'union';
        if (die.attrs.has(DW_AT_declaration) || size === undefined) {
          set({ kind: 'fwd', id, name, of });
          break;
        }
        const members: BtfMember[] = [];
        let representable = true;
        for (const m of d.childrenOf(unit, die)) {
          if (m.tag !== DW_TAG_member) continue;
          const at = numberAttr(m, DW_AT_data_member_location) ?? (of === 'union' ? 0 : undefined);
          const bitSize = numberAttr(m, DW_AT_bit_size) ?? 0;
          // DWARF 2-4's bitfield: bit_offset counts from the top of a storage unit of byte_size bytes at `at`
          // (little-endian: the field's lowest bit is storage bits - bit_offset - bit_size from the unit's start)
          const fromTop = numberAttr(m, DW_AT_bit_offset);
          const unitBytes = numberAttr(m, DW_AT_byte_size);
          const dataBit =
            numberAttr(m, DW_AT_data_bit_offset) ??
            (fromTop !== undefined && unitBytes !== undefined && at !== undefined
              ? at * 8 + unitBytes * 8 - fromTop - bitSize
              : undefined);
          // a location that is an expression, or an old bitfield without its storage unit's size
          if ((at === undefined && dataBit === undefined) || (fromTop !== undefined && dataBit === undefined)) {
            representable = false;
            break;
          }
          const bitOffset = dataBit ?? at! * 8;
          members.push({
            name: d.stringOf(unit, m, DW_AT_name) ?? '',
            type: this.id(unit, m.attrs.get(DW_AT_type)),
            offset: bitOffset >> 3,
            bitOffset,
            bitSize,
          });
        }
        set(representable ? { kind: of, id, name, size, members } : { kind: 'fwd', id, name, of });
        break;
      }
      case DW_TAG_enumeration_type: {
        if (size === undefined) break;
        const values = d
          .childrenOf(unit, die)
          .filter((e) => e.tag === DW_TAG_enumerator)
          .map((e) => ({
            name: d.stringOf(unit, e, DW_AT_name) ?? '',
            value: BigInt(numberAttr(e, DW_AT_const_value) ?? 0),
          }));
        const under = die.attrs.has(DW_AT_type) ? this.rows[target() - 1] : undefined;
        const signed = under?.kind === 'int' ? under.signed : values.some((v) => v.value < 0n);
        set({ kind: 'enum', id, name, size, signed, wide: size > 4, values });
        break;
      }
      case DW_TAG_array_type: {
        const elem = target();
        const dims = d.childrenOf(unit, die).filter((r) => r.tag === DW_TAG_subrange_type);
        const counts = dims.map((r) => {
          const count = numberAttr(r, DW_AT_count);
          const upper = numberAttr(r, DW_AT_upper_bound);
          return count ?? (upper !== undefined && upper >= 0 && upper < 2 ** 31 ? upper + 1 : 0);
        });
        if (counts.length === 0) counts.push(0);
        const index = this.indexType();
        // int a[2][3]: an array of 2 arrays of 3, the innermost made first
        let inner = elem;
        for (let i = counts.length - 1; i > 0; i--) {
          const count = counts[i]!;
          const e = inner;
          inner = this.add((nid) => ({ kind: 'array', id: nid, name: '', elem: e, index, count }));
        }
        set({ kind: 'array', id, name: '', elem: inner, index, count: counts[0]! });
        break;
      }
      case DW_TAG_subroutine_type: {
        const ret = target();
        const kids = d.childrenOf(unit, die);
        const params = kids
          .filter((k) => k.tag === DW_TAG_formal_parameter)
          .map((k) => ({ name: d.stringOf(unit, k, DW_AT_name) ?? '', type: this.id(unit, k.attrs.get(DW_AT_type)) }));
        const variadic = kids.some((k) => k.tag === DW_TAG_unspecified_parameters);
        set({ kind: 'func_proto', id, name: '', ret, params, variadic });
        break;
      }
    }
    return id;
  }

  /** BTF's array index type, made once (as BTF writers do: an unsigned int no C code names). */
  private indexType(): number {
    if (this.arrayIndex) return this.arrayIndex;
    return (this.arrayIndex = this.add((id) => ({
      kind: 'int',
      id,
      name: '__ARRAY_SIZE_TYPE__',
      size: 4,
      signed: false,
      char: false,
      bool: false,
      bits: 32,
      bitOffset: 0,
    })));
  }
}
