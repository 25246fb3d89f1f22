// The .debug_line program of one compilation unit (DWARF 2–5 headers), run once into a table of rows:
// address → (file, line, column). Rows are kept per sequence in typed arrays; a lookup finds the sequence holding
// the address and, in it, the last row at or below the address (the row whose range [address, next
// row's address) holds it, as addr2line and llvm-symbolizer read the table).
import { lastAtOrBelow } from '../sorted.ts';
import { Cursor, DwarfError, stringAt } from './dwarf-cursor.ts';

/** The string sections a line-table header may point into. */
export interface LineStrings {
  /** .debug_str (DW_FORM_strp) */
  readonly str?: Buffer;
  /** .debug_line_str (DW_FORM_line_strp, DWARF 5) */
  readonly lineStr?: Buffer;
}

export interface SourceLine {
  /** the source file's path: its directory joined to its name, the compilation directory first when relative */
  readonly file?: string;
  /** 1-based; 0 when the compiler attributes the code to no line */
  readonly line: number;
}

// standard opcodes
const DW_LNS_copy = 1;
const DW_LNS_advance_pc = 2;
const DW_LNS_advance_line = 3;
const DW_LNS_set_file = 4;
const DW_LNS_set_column = 5;
const DW_LNS_const_add_pc = 8;
const DW_LNS_fixed_advance_pc = 9;
// extended opcodes
const DW_LNE_end_sequence = 1;
const DW_LNE_set_address = 2;
const DW_LNE_define_file = 3;
// DWARF 5 entry formats
const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;

/** Rows a sequence may hold, all sequences together: a crafted program must not grow without end. */
const MAX_ROWS = 1 << 24;

interface Sequence {
  readonly start: number;
  /** the end_sequence row's address: the first address past the sequence */
  readonly end: number;
  readonly addrs: Float64Array;
  readonly files: Uint32Array;
  readonly lines: Uint32Array;
  readonly columns: Uint32Array;
}

/** A row of the table: the code from `address` on is `line` (and `column`) of file `file` (an index of files). */
export interface LineRow {
  readonly address: number;
  readonly file: number;
  readonly line: number;
  /** 0: the compiler gave none */
  readonly column: number;
}

export class LineTable {
  private readonly starts: Float64Array;

  private constructor(
    /** the paths the file register indexes (DWARF 5 counts from 0; 2–4 from 1, entry 0 unused) */
    readonly files: readonly (string | undefined)[],
    private readonly sequences: readonly Sequence[],
  ) {
    this.starts = Float64Array.from(sequences, (s) => s.start);
  }

  /** The file and line of the code at `addr`, or undefined when no sequence covers it. */
  lookup(addr: number): SourceLine | undefined {
    // Sequences are sorted by start; one that starts lower may still be the one (overlaps are rare: code
    // the linker dropped keeps its rows at address 0).
    for (let i = lastAtOrBelow(this.starts, addr); i >= 0; i--) {
      const s = this.sequences[i]!;
      if (addr >= s.end) continue;
      const row = lastAtOrBelow(s.addrs, addr);
      if (row < 0 || row >= s.addrs.length - 1) continue; // the end_sequence row covers nothing
      const file = this.files[s.files[row]!];
      return file === undefined ? { line: s.lines[row]! } : { file, line: s.lines[row]! };
    }
    return undefined;
  }

  /** Every row that starts code, sequence by sequence (not the end_sequence rows: they mark where code ends). */
  *rows(): Generator<LineRow> {
    for (const s of this.sequences)
      for (let i = 0; i < s.addrs.length - 1; i++)
        yield { address: s.addrs[i]!, file: s.files[i]!, line: s.lines[i]!, column: s.columns[i]! };
  }

  /** A file index as DW_AT_call_file counts it (the same numbering as the line program's). */
  file(index: number): string | undefined {
    return this.files[index];
  }

  /** Reads the line program at `offset` of .debug_line; `compDir` and `cuName` come from the unit's DIE. */
  static parse(line: Buffer, offset: number, strings: LineStrings, compDir: string | undefined): LineTable {
    const c = new Cursor(line, offset);
    const { length, offsetSize } = c.unitLength();
    const end = c.pos + length;
    if (end > line.length) throw new DwarfError(`line program at ${offset} runs past .debug_line`);
    c.end = end;
    const version = c.u16();
    if (version < 2 || version > 5) throw new DwarfError(`line program version ${version} is not supported`);
    if (version >= 5) c.skip(2); // address and segment selector sizes (set_address says its own size)
    const headerLength = c.unsigned(offsetSize);
    const programStart = c.pos + headerLength;
    const minInstLength = c.u8();
    if (version >= 4) c.u8(); // maximum operations per instruction (VLIW only)
    c.u8(); // default_is_stmt: every row counts here, statement or not
    const lineBase = c.i8();
    const lineRange = c.u8();
    const opcodeBase = c.u8();
    if (lineRange === 0) throw new DwarfError(`line program at ${offset}: line_range is 0`);
    const opcodeLengths: number[] = [];
    for (let i = 1; i < opcodeBase; i++) opcodeLengths.push(c.u8());

    const joinDir = (dir: string | undefined, name: string): string => {
      if (name.startsWith('/') || dir === undefined || dir === '') return name;
      return `${dir}/${name}`;
    };
    const absDir = (dir: string | undefined): string | undefined =>
      dir === undefined || dir.startsWith('/') || compDir === undefined ? dir : joinDir(compDir, dir);

    const files: (string | undefined)[] = [];
    if (version >= 5) {
      const readEntries = (): { path?: string; dir?: number }[] => {
        const formats: [number, number][] = [];
        const nformats = c.u8();
        for (let i = 0; i < nformats; i++) formats.push([c.uleb(), c.uleb()]);
        const count = c.uleb();
        const out: { path?: string; dir?: number }[] = [];
        for (let i = 0; i < count; i++) {
          const e: { path?: string; dir?: number } = {};
          for (const [content, form] of formats) {
            const v = readEntryForm(c, form, offsetSize, strings);
            if (content === DW_LNCT_path && typeof v === 'string') e.path = v;
            else if (content === DW_LNCT_directory_index && typeof v === 'number') e.dir = v;
          }
          out.push(e);
        }
        return out;
      };
      const dirs = readEntries().map((d) => absDir(d.path));
      for (const f of readEntries())
        files.push(f.path === undefined ? undefined : joinDir(dirs[f.dir ?? 0] ?? compDir, f.path));
    } else {
      const dirs: (string | undefined)[] = [compDir];
      for (let d = c.cstring(); d !== ''; d = c.cstring()) dirs.push(absDir(d));
      files.push(undefined); // file 0 is not a file before DWARF 5
      const readFile = (name: string) => {
        const dir = c.uleb();
        c.uleb(); // modification time
        c.uleb(); // length
        files.push(joinDir(dirs[dir], name));
      };
      for (let name = c.cstring(); name !== ''; name = c.cstring()) readFile(name);
      // define_file opcodes add files as the program runs
      c.pos = programStart;
      const sequences = runProgram(c, { minInstLength, lineBase, lineRange, opcodeBase, opcodeLengths }, (name) =>
        readFile(name),
      );
      return new LineTable(files, sequences);
    }
    c.pos = programStart;
    const sequences = runProgram(c, { minInstLength, lineBase, lineRange, opcodeBase, opcodeLengths });
    return new LineTable(files, sequences);
  }
}

interface ProgramHeader {
  readonly minInstLength: number;
  readonly lineBase: number;
  readonly lineRange: number;
  readonly opcodeBase: number;
  readonly opcodeLengths: readonly number[];
}

/** Runs the state machine to the end of the unit; `defineFile` reads a DW_LNE_define_file entry (DWARF ≤ 4). */
function runProgram(c: Cursor, h: ProgramHeader, defineFile?: (name: string) => void): Sequence[] {
  const sequences: Sequence[] = [];
  let addrs: number[] = [];
  let files: number[] = [];
  let lines: number[] = [];
  let columns: number[] = [];
  let total = 0;
  let address = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  const emit = () => {
    if (++total > MAX_ROWS) throw new DwarfError('line program: too many rows');
    addrs.push(address);
    files.push(file);
    lines.push(line);
    columns.push(column);
  };
  while (!c.atEnd) {
    const op = c.u8();
    if (op >= h.opcodeBase) {
      const adjusted = op - h.opcodeBase;
      address += Math.floor(adjusted / h.lineRange) * h.minInstLength;
      line += h.lineBase + (adjusted % h.lineRange);
      emit();
      continue;
    }
    switch (op) {
      case 0: {
        const len = c.uleb();
        const next = c.pos + len;
        if (len === 0) break;
        const sub = c.u8();
        if (sub === DW_LNE_end_sequence) {
          emit();
          if (addrs.length > 1)
            sequences.push({
              start: addrs[0]!,
              end: address,
              addrs: Float64Array.from(addrs),
              files: Uint32Array.from(files),
              lines: Uint32Array.from(lines),
              columns: Uint32Array.from(columns),
            });
          addrs = [];
          files = [];
          lines = [];
          columns = [];
          address = 0;
          file = 1;
          line = 1;
          column = 0;
        } else if (sub === DW_LNE_set_address) {
          address = c.unsigned(Math.min(len - 1, 8));
        } else if (sub === DW_LNE_define_file && defineFile) {
          defineFile(c.cstring());
        }
        c.pos = next; // also skips set_discriminator and opcodes this reader does not know
        if (c.pos > c.end) throw new DwarfError('line program: extended opcode runs past the unit');
        break;
      }
      case DW_LNS_copy:
        emit();
        break;
      case DW_LNS_advance_pc:
        address += c.uleb() * h.minInstLength;
        break;
      case DW_LNS_advance_line:
        line += c.sleb();
        break;
      case DW_LNS_set_file:
        file = c.uleb();
        break;
      case DW_LNS_set_column:
        column = c.uleb();
        break;
      case DW_LNS_const_add_pc:
        address += Math.floor((255 - h.opcodeBase) / h.lineRange) * h.minInstLength;
        break;
      case DW_LNS_fixed_advance_pc:
        address += c.u16();
        break;
      default:
        // negate_stmt, set_basic_block, prologue_end, … and opcodes of later versions: their
        // operands are ULEB128s, as many as the header says
        for (let i = 0; i < (h.opcodeLengths[op - 1] ?? 0); i++) c.uleb();
    }
  }
  sequences.sort((a, b) => a.start - b.start);
  return sequences;
}

// the forms a DWARF 5 directory or file entry is written in
const DW_FORM_block = 0x09;
const DW_FORM_block1 = 0x0a;
const DW_FORM_block2 = 0x03;
const DW_FORM_block4 = 0x04;
const DW_FORM_data1 = 0x0b;
const DW_FORM_data2 = 0x05;
const DW_FORM_data4 = 0x06;
const DW_FORM_data8 = 0x07;
const DW_FORM_data16 = 0x1e;
const DW_FORM_string = 0x08;
const DW_FORM_strp = 0x0e;
const DW_FORM_udata = 0x0f;
const DW_FORM_line_strp = 0x1f;

function readEntryForm(c: Cursor, form: number, offsetSize: number, strings: LineStrings): string | number | undefined {
  switch (form) {
    case DW_FORM_string:
      return c.cstring();
    case DW_FORM_line_strp:
      return stringAt(strings.lineStr, c.unsigned(offsetSize));
    case DW_FORM_strp:
      return stringAt(strings.str, c.unsigned(offsetSize));
    case DW_FORM_udata:
      return c.uleb();
    case DW_FORM_data1:
      return c.u8();
    case DW_FORM_data2:
      return c.u16();
    case DW_FORM_data4:
      return c.u32();
    case DW_FORM_data8:
      return c.u64();
    case DW_FORM_data16:
      c.skip(16);
      return undefined;
    case DW_FORM_block:
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
    default:
      throw new DwarfError(`line table entry in form 0x${form.toString(16)} is not supported`);
  }
}
