// Little-endian reads over one DWARF section, with the encodings DWARF uses (LEB128, 4- or 8-byte offsets,
// address-sized values). Every read is bounds-checked: a debug section is the traced binary's owner's to
// write, and a truncated or crafted one must cost a DwarfError, never an endless loop or a wrong answer.
import { ElfError } from './elf-file.ts';

/** A debug section that does not parse; callers then print frames without file and line. */
export class DwarfError extends ElfError {
  override name = 'DwarfError';
  constructor(message: string, path = '') {
    super(message, path, 'corrupt');
  }
}

/** 2^32: assembling 64-bit values as numbers (user-space addresses stay below 2^53). */
const HI = 0x1_0000_0000;

export class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    /** where reads must stop (a unit's end) */
    public end = buf.length,
  ) {}

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.end) throw new DwarfError(`read of ${n} bytes at ${at} past the end (${this.end})`);
    this.pos = at + n;
    return at;
  }

  skip(n: number): void {
    this.need(n);
  }

  u8(): number {
    return this.buf[this.need(1)]!;
  }

  i8(): number {
    return this.buf.readInt8(this.need(1));
  }

  u16(): number {
    return this.buf.readUInt16LE(this.need(2));
  }

  u24(): number {
    const at = this.need(3);
    return this.buf[at]! | (this.buf[at + 1]! << 8) | (this.buf[at + 2]! << 16);
  }

  u32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }

  /** A 64-bit value as a number (exact below 2^53; an all-ones value is -1, DWARF's "base address" marker). */
  u64(): number {
    const at = this.need(8);
    const lo = this.buf.readUInt32LE(at);
    const hi = this.buf.readUInt32LE(at + 4);
    if (lo === 0xffffffff && hi === 0xffffffff) return -1;
    return hi * HI + lo;
  }

  /** A 64-bit value, all of it (ids, compared whole). */
  u64n(): bigint {
    return this.buf.readBigUInt64LE(this.need(8));
  }

  /** An unsigned value of `size` bytes (1, 2, 4 or 8). */
  unsigned(size: number): number {
    switch (size) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 4:
        return this.u32();
      case 8:
        return this.u64();
      default:
        throw new DwarfError(`unsupported value size ${size}`);
    }
  }

  uleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
      if (mul > 2 ** 70) throw new DwarfError(`LEB128 value too long at ${this.pos}`);
    }
  }

  sleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return b & 0x40 ? result - mul : result;
      if (mul > 2 ** 70) throw new DwarfError(`LEB128 value too long at ${this.pos}`);
    }
  }

  /** A NUL-terminated UTF-8 string (file paths may be any bytes; names are ASCII in practice). */
  cstring(): string {
    const start = this.pos;
    const nul = this.buf.indexOf(0, start);
    if (nul < 0 || nul >= this.end) throw new DwarfError(`unterminated string at ${start}`);
    this.pos = nul + 1;
    return this.buf.toString('utf8', start, nul);
  }

  /** The unit length that starts a unit: its size and whether it is 64-bit DWARF (8-byte offsets). */
  unitLength(): { length: number; offsetSize: 4 | 8 } {
    const l = this.u32();
    if (l === 0xffffffff) return { length: this.u64(), offsetSize: 8 };
    if (l >= 0xfffffff0) throw new DwarfError(`reserved unit length ${l.toString(16)}`);
    return { length: l, offsetSize: 4 };
  }
}

/** The NUL-terminated string at `off` of a string section, or undefined when out of bounds. */
export function stringAt(section: Buffer | undefined, off: number): string | undefined {
  if (!section || off < 0 || off >= section.length) return undefined;
  const nul = section.indexOf(0, off);
  return section.toString('utf8', off, nul < 0 ? section.length : nul);
}
