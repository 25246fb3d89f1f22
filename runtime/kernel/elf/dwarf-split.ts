// Split DWARF (-gsplit-dwarf): a binary keeps only skeleton units, and each unit's DIEs live in a .dwo file its
// skeleton names, or in a package of them (BIN.dwp) indexed by the units' 8-byte ids (.debug_cu_index). Here:
// the index reader and where libdw (which bpftrace v0.26 uses) looks for those files; dwarf.ts reads them.
import { dirname, isAbsolute, join } from 'node:path';
import { Cursor, DwarfError } from './dwarf-cursor.ts';

/** Where one unit's part of a .dwp section starts, and its size. */
export interface Contribution {
  readonly offset: number;
  readonly size: number;
}

/** One unit of a .dwp: its id and its parts of the sections scry reads. */
export interface IndexedUnit {
  readonly id: bigint;
  readonly info?: Contribution;
  readonly abbrev?: Contribution;
  readonly strOffsets?: Contribution;
  /** DWARF 5's .debug_rnglists.dwo (version 2 indexes, for DWARF 4, have none) */
  readonly rnglists?: Contribution;
}

export interface UnitIndex {
  /** 2: the GNU extension for DWARF 4; 5: DWARF 5 */
  readonly version: 2 | 5;
  readonly units: readonly IndexedUnit[];
}

// section ids of the index's columns (DW_SECT_*); 2 and 5-8 differ between versions 2 and 5
const DW_SECT_INFO = 1;
const DW_SECT_ABBREV = 3;
const DW_SECT_STR_OFFSETS = 6;
const DW_SECT_V5_RNGLISTS = 8;

/** Columns and slots a crafted index may claim (real ones: under 10 columns, slots about twice the units). */
const MAX_COLUMNS = 64;
const MAX_SLOTS = 1 << 24;

/**
 * A .debug_cu_index (or .debug_tu_index) section: a header (version, column count, unit count, slot count), a hash
 * table of slot ids and 1-based row numbers, then a row of column section ids, then per unit a row of offsets and a
 * row of sizes. The hash table is only a way to find a row by id: every used slot is read instead.
 */
export function readUnitIndex(buf: Buffer): UnitIndex {
  const c = new Cursor(buf);
  const raw = c.u32();
  // version 5 is a 2-byte number and 2 bytes of padding; the GNU version 2 a 4-byte number
  const version = raw === 2 ? 2 : (raw & 0xffff) === 5 ? 5 : undefined;
  if (version === undefined) throw new DwarfError(`unit index version ${raw & 0xffff} is not supported`);
  const columns = c.u32();
  const count = c.u32();
  const slots = c.u32();
  if (columns > MAX_COLUMNS || slots > MAX_SLOTS || count > slots)
    throw new DwarfError(`unit index of ${columns} columns, ${count} units in ${slots} slots`);
  const ids = c.pos;
  const rows = ids + slots * 8;
  c.skip(slots * 12);
  const sectionIds: number[] = [];
  for (let i = 0; i < columns; i++) sectionIds.push(c.u32());
  const offsets = c.pos;
  const sizes = offsets + count * columns * 4;
  if (sizes + count * columns * 4 > buf.length) throw new DwarfError('unit index truncated');
  const units: IndexedUnit[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const row = buf.readUInt32LE(rows + slot * 4);
    if (row === 0) continue;
    if (row > count) throw new DwarfError(`unit index slot ${slot}: row ${row} of ${count}`);
    const unit: { -readonly [K in keyof IndexedUnit]: IndexedUnit[K] } = { id: buf.readBigUInt64LE(ids + slot * 8) };
    sectionIds.forEach((sect, col) => {
      const at = ((row - 1) * columns + col) * 4;
      const part = { offset: buf.readUInt32LE(offsets + at), size: buf.readUInt32LE(sizes + at) };
      if (sect === DW_SECT_INFO) unit.info = part;
      else if (sect === DW_SECT_ABBREV) unit.abbrev = part;
      else if (sect === DW_SECT_STR_OFFSETS) unit.strOffsets = part;
      else if (sect === DW_SECT_V5_RNGLISTS && version === 5) unit.rnglists = part;
    });
    units.push(unit);
  }
  return { version, units };
}

/**
 * Where libdw looks for a skeleton unit's split unit, after the package (`packagePath`): the .dwo name (DW_AT_dwo_name,
 * or DWARF 4's DW_AT_GNU_dwo_name) under the directory of the file holding the skeleton (`elfPath`, its real path),
 * then under the unit's DW_AT_comp_dir (itself under that directory when relative). An absolute name is itself.
 */
export function dwoCandidates(elfPath: string, dwoName: string, compDir: string | undefined): string[] {
  const dir = dirname(elfPath);
  const under = (base: string) => (isAbsolute(dwoName) ? dwoName : join(base, dwoName));
  const out = [under(dir)];
  if (compDir !== undefined) out.push(under(isAbsolute(compDir) ? compDir : join(dir, compDir)));
  return [...new Set(out)];
}

/** The package beside a file holding skeleton units: the same path with `.dwp` added, as libdw and DWARF 5 place it. */
export function packagePath(elfPath: string): string {
  return `${elfPath}.dwp`;
}

/**
 * bpftrace v0.26's warning for a skeleton unit whose split unit is in no file found: it names the .dwo's file name
 * (else BIN.dwo) and BIN.dwp, BIN being the probed file's name without its extension.
 */
export function missingSplitWarning(path: string, dwoName: string | undefined): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const dwo = dwoName !== undefined ? dwoName.slice(dwoName.lastIndexOf('/') + 1) : `${stem}.dwo`;
  return `Unable to find split debug file '${dwo}' or '${stem}.dwp' for '${path}', debugging information may be incomplete!`;
}
