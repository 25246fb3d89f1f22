// ELF64 little-endian reader for uprobes, USDT and user symbols. It reads only what it needs at offsets
// (headers first; symbol tables, strings and notes when asked), so a 100 MB binary costs a few reads.
// The file is opened for each batch of reads and closed at once: an ElfFile holds no fd.
// The files are often another user's (a traced process's binary): only regular files are opened, without
// waiting (a FIFO planted where a binary was would block open() forever), and reads are bounded, so a
// sparse 100 GB file claiming a 50 GB symbol table costs an error, not minutes and the memory. Where such a
// file may also sit on a mount that stops answering, the caller passes a FileReader bounded in time
// (runtime/bounded-io.ts); a file that fails to open or read is an ElfError with reason 'io'.
import { localFiles, type FileReader } from '../../safe-files.ts';

export class ElfError extends Error {
  override name = 'ElfError';
  constructor(
    message: string,
    readonly path: string,
    /** 'not-elf' (no ELF magic), 'unsupported' (32-bit, big-endian), 'corrupt' (truncated/inconsistent), 'io' (open/read failed) */
    readonly reason: 'not-elf' | 'unsupported' | 'corrupt' | 'io',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Which file a path led to: its device and inode numbers. */
export interface FileId {
  readonly dev: number;
  readonly ino: number;
}

/** Random access to the bytes of an ELF image: a file or a buffer (e.g. the vDSO copied out of memory). */
export interface ByteSource {
  readonly size: number;
  /** the file's identity, for a file */
  readonly id?: FileId;
  /** Exactly `length` bytes at `offset`; throws when the image is shorter. */
  read(offset: number, length: number): Buffer;
  close(): void;
}

function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read(offset, length) {
      if (offset < 0 || offset + length > buf.length)
        throw new RangeError(`read of ${length} bytes at ${offset} past the end (${buf.length})`);
      return buf.subarray(offset, offset + length);
    },
    close() {},
  };
}

/** The most one read may ask for: /usr/bin/node's symbol and string tables are 15 MB together. */
const MAX_READ_BYTES = 256 * 1024 * 1024;
/** The most one opening of a file may read, all reads together (symbol tables, strings, notes). */
const MAX_BYTES_PER_OPEN = 512 * 1024 * 1024;

function fileSource(path: string, files: FileReader): ByteSource {
  const file = files.open(path);
  const size = file.size;
  let budget = MAX_BYTES_PER_OPEN;
  return {
    size,
    id: { dev: file.dev, ino: file.ino },
    read(offset, length) {
      if (offset < 0 || offset + length > size)
        throw new RangeError(`read of ${length} bytes at ${offset} past the end (${size})`);
      if (length > MAX_READ_BYTES || length > budget)
        throw new RangeError(`read of ${length} bytes at ${offset}: more than scry reads from one file`);
      budget -= length;
      let out: Buffer;
      try {
        out = file.read(offset, length);
      } catch (e) {
        throw new ElfError(`${path}: ${(e as Error).message}`, path, 'io', { cause: e });
      }
      if (out.length < length) throw new RangeError(`file shrank while reading at ${offset + out.length}`);
      return out;
    },
    close: () => file.close(),
  };
}

// e_type
export const ET_EXEC = 2;
export const ET_DYN = 3;
// p_type, p_flags
export const PT_LOAD = 1;
export const PF_X = 1;
// sh_type
export const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHN_UNDEF = 0;
const SHN_XINDEX = 0xffff;

export interface Segment {
  readonly type: number;
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly align: bigint;
}

export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
}

export interface ElfNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Buffer;
}

export interface ElfHeader {
  /** ET_EXEC (fixed addresses) or ET_DYN (PIE or shared object: loaded at a bias) */
  readonly type: number;
  readonly machine: number;
  readonly entry: bigint;
}

const EHDR_SIZE = 64;
/** The most program or section headers read from one file */
const MAX_HEADERS = 1 << 18;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;

export const EM_X86_64 = 62;

export class ElfFile {
  readonly header: ElfHeader;
  readonly segments: readonly Segment[];
  readonly sections: readonly Section[];
  /** The file that was read (device and inode), for a file: later reads check they read the same one. */
  readonly fileId?: FileId;

  private constructor(
    /** where the bytes came from, for messages */
    readonly path: string,
    private readonly open: () => ByteSource,
    src: ByteSource,
    /** how this file was read: files found from it (its debug file) are read the same way */
    readonly files: FileReader,
  ) {
    const fail = (why: string, reason: ElfError['reason'] = 'corrupt') => new ElfError(`${path}: ${why}`, path, reason);
    if (src.id) this.fileId = src.id;
    if (src.size < 16) throw fail('not an ELF file (too short)', 'not-elf');
    const ident = src.read(0, 16);
    if (ident.readUInt32BE(0) !== 0x7f454c46) throw fail('not an ELF file', 'not-elf');
    if (ident[4] !== 2) throw fail('32-bit ELF files are not supported', 'unsupported');
    if (ident[5] !== 1) throw fail('big-endian ELF files are not supported', 'unsupported');
    if (src.size < EHDR_SIZE) throw fail('truncated ELF header');
    const eh = src.read(0, EHDR_SIZE);
    this.header = { type: eh.readUInt16LE(16), machine: eh.readUInt16LE(18), entry: eh.readBigUInt64LE(24) };
    const phoff = Number(eh.readBigUInt64LE(32));
    const shoff = Number(eh.readBigUInt64LE(40));
    const phentsize = eh.readUInt16LE(54);
    let phnum = eh.readUInt16LE(56);
    const shentsize = eh.readUInt16LE(58);
    let shnum = eh.readUInt16LE(60);
    let shstrndx = eh.readUInt16LE(62);
    const within = (off: number, len: number) => off >= 0 && off + len <= src.size;
    // a header table's entries through a DataView: V8's getters, where Buffer's readUInt32LE and friends are
    // Node's JavaScript, run cold at each start (libc's ~70 section headers, and its debug file's)
    const headerTable = (what: string, off: number, count: number, entsize: number, min: number): DataView => {
      if (entsize < min || !within(off, count * entsize)) throw fail(`${what} header table out of bounds`);
      const bytes = src.read(off, count * entsize);
      return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    };

    // Extended numbering: counts that do not fit in 16 bits live in section header 0.
    if (shoff !== 0 && (shnum === 0 || shstrndx === SHN_XINDEX || phnum === 0xffff)) {
      if (shentsize < SHDR_SIZE || !within(shoff, SHDR_SIZE)) throw fail('section header table out of bounds');
      const sh0 = src.read(shoff, SHDR_SIZE);
      if (shnum === 0) shnum = Number(sh0.readBigUInt64LE(32));
      if (shstrndx === SHN_XINDEX) shstrndx = sh0.readUInt32LE(40);
      if (phnum === 0xffff) phnum = sh0.readUInt32LE(44);
    }

    // Linked programs have tens of each; millions would be millions of objects made for nothing.
    if (phnum > MAX_HEADERS || shnum > MAX_HEADERS)
      throw fail(`${Math.max(phnum, shnum)} headers: more than scry reads`);

    const segments: Segment[] = [];
    if (phnum > 0) {
      const ph = headerTable('program', phoff, phnum, phentsize, PHDR_SIZE);
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        segments.push({
          type: ph.getUint32(o, true),
          flags: ph.getUint32(o + 4, true),
          offset: ph.getBigUint64(o + 8, true),
          vaddr: ph.getBigUint64(o + 16, true),
          filesz: ph.getBigUint64(o + 32, true),
          memsz: ph.getBigUint64(o + 40, true),
          align: ph.getBigUint64(o + 48, true),
        });
      }
    }
    this.segments = segments;

    const sections: Section[] = [];
    if (shoff !== 0 && shnum > 0) {
      const sh = headerTable('section', shoff, shnum, shentsize, SHDR_SIZE);
      const raw = [];
      for (let i = 0; i < shnum; i++) {
        const o = i * shentsize;
        raw.push({
          index: i,
          nameOff: sh.getUint32(o, true),
          type: sh.getUint32(o + 4, true),
          flags: sh.getBigUint64(o + 8, true),
          addr: sh.getBigUint64(o + 16, true),
          offset: sh.getBigUint64(o + 24, true),
          size: sh.getBigUint64(o + 32, true),
          link: sh.getUint32(o + 40, true),
          info: sh.getUint32(o + 44, true),
          addralign: sh.getBigUint64(o + 48, true),
          entsize: sh.getBigUint64(o + 56, true),
        });
      }
      const strtab = raw[shstrndx];
      let names: Buffer | undefined;
      if (strtab && strtab.type !== SHT_NOBITS && within(Number(strtab.offset), Number(strtab.size))) {
        names = src.read(Number(strtab.offset), Number(strtab.size));
      }
      for (const { nameOff, ...s } of raw) sections.push({ ...s, name: names ? cstring(names, nameOff) : '' });
    }
    this.sections = sections;
  }

  /**
   * Reads the headers of an ELF file. Throws ElfError (with reason 'io' when it cannot be opened or read).
   * `files`: how to open and read it (default: here, waiting as long as it takes).
   */
  static open(path: string, files: FileReader = localFiles): ElfFile {
    let first: FileId | undefined;
    const open = () => {
      let src: ByteSource;
      try {
        src = fileSource(path, files);
      } catch (e) {
        throw new ElfError(`${path}: ${(e as Error).message}`, path, 'io', { cause: e });
      }
      // Each batch of reads opens the path again: it must still be the file whose headers were read.
      first ??= src.id;
      if (src.id && first && (src.id.dev !== first.dev || src.id.ino !== first.ino)) {
        src.close();
        throw new ElfError(`${path}: replaced by another file while being read`, path, 'io');
      }
      return src;
    };
    return ElfFile.withSource(path, open, files);
  }

  /** An ELF image already in memory (the vDSO, tests). */
  static fromBuffer(buf: Buffer, name = '<buffer>'): ElfFile {
    return ElfFile.withSource(name, () => bufferSource(buf), localFiles);
  }

  private static withSource(path: string, open: () => ByteSource, files: FileReader): ElfFile {
    const src = open();
    try {
      return new ElfFile(path, open, src, files);
    } catch (e) {
      if (e instanceof ElfError) throw e;
      throw new ElfError(`${path}: ${(e as Error).message}`, path, e instanceof RangeError ? 'corrupt' : 'io', {
        cause: e,
      });
    } finally {
      src.close();
    }
  }

  /** True for PIE executables and shared objects, which the loader places at a bias. */
  get isDyn(): boolean {
    return this.header.type === ET_DYN;
  }

  section(name: string): Section | undefined {
    return this.sections.find((s) => s.name === name);
  }

  get loadSegments(): Segment[] {
    return this.segments.filter((s) => s.type === PT_LOAD);
  }

  /**
   * The file offset holding a virtual address (what the uprobe PMU wants), through the PT_LOAD segment
   * whose file-backed part contains it; undefined for addresses outside the file (e.g. .bss).
   */
  vaddrToOffset(vaddr: bigint): bigint | undefined {
    for (const s of this.segments) {
      if (s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset;
    }
    return undefined;
  }

  /** The virtual address loaded from a file offset (the inverse of vaddrToOffset). */
  offsetToVaddr(offset: bigint): bigint | undefined {
    for (const s of this.segments) {
      if (s.type === PT_LOAD && offset >= s.offset && offset < s.offset + s.filesz) return offset - s.offset + s.vaddr;
    }
    return undefined;
  }

  /** Runs `fn` with the bytes open; the file is closed afterwards. */
  withBytes<T>(fn: (src: ByteSource) => T): T {
    const src = this.open();
    try {
      return fn(src);
    } catch (e) {
      if (e instanceof RangeError) throw new ElfError(`${this.path}: ${e.message}`, this.path, 'corrupt', { cause: e });
      throw e;
    } finally {
      src.close();
    }
  }

  /** The contents of a section (empty for SHT_NOBITS). */
  sectionData(s: Section, src?: ByteSource): Buffer {
    if (s.type === SHT_NOBITS || s.size === 0n) return Buffer.alloc(0);
    if (src) return src.read(Number(s.offset), Number(s.size));
    return this.withBytes((b) => b.read(Number(s.offset), Number(s.size)));
  }

  /** The notes of every SHT_NOTE section with this name (e.g. '.note.stapsdt'). */
  notes(sectionName: string): ElfNote[] {
    const secs = this.sections.filter((s) => s.type === SHT_NOTE && s.name === sectionName);
    if (!secs.length) return [];
    return this.withBytes((src) =>
      secs.flatMap((s) => parseNotes(this.sectionData(s, src), s.addralign === 8n ? 8 : 4, this.path)),
    );
  }
}

/** Longer names are cut here: C++ names run to a few kB, a crafted string table to hundreds of MB. */
const MAX_NAME_BYTES = 64 * 1024;

/** The NUL-terminated string at `off` (latin1 keeps every byte; symbol names are ASCII in practice). */
export function cstring(buf: Buffer, off: number): string {
  if (off >= buf.length) return '';
  const limit = Math.min(buf.length, off + MAX_NAME_BYTES);
  const len = buf.subarray(off, limit).indexOf(0); // not past the limit: a table without NULs is scanned once per name
  return buf.toString('latin1', off, len < 0 ? limit : off + len);
}

function parseNotes(data: Buffer, align: number, path: string): ElfNote[] {
  const pad = (n: number) => (n + align - 1) & ~(align - 1);
  const notes: ElfNote[] = [];
  let o = 0;
  while (o + 12 <= data.length) {
    const namesz = data.readUInt32LE(o);
    const descsz = data.readUInt32LE(o + 4);
    const type = data.readUInt32LE(o + 8);
    const nameStart = o + 12;
    const descStart = nameStart + pad(namesz);
    const end = descStart + pad(descsz);
    if (descStart + descsz > data.length) throw new ElfError(`${path}: truncated note`, path, 'corrupt');
    notes.push({
      name: cstring(data.subarray(nameStart, nameStart + namesz), 0),
      type,
      desc: data.subarray(descStart, descStart + descsz),
    });
    o = end;
  }
  return notes;
}
