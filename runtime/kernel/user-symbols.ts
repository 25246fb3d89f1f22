// User-space addresses → `function+offset` and the file they are in, for ustack and usym. An address is
// found in /proc/PID/maps, turned into a file offset (addr - start + map offset) and then into the ELF
// file's own virtual address through its PT_LOAD segments, which handles PIE executables and shared
// libraries alike. Symbol tables are cached per file (device:inode), maps per process. When the process
// is gone or the file cannot be read, the answer is empty and the caller prints the address.
// The files are the traced processes' owners': they are read through a FileReader bounded in time
// (runtime/bounded-io.ts), so a file on a mount that stops answering costs one bound (2 s), then its
// addresses print in hex; every file on that device does so at once from then on.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { openDebugFile } from './elf/debug-file.ts';
import { DwarfInfo, type SourceLocation } from './elf/dwarf.ts';
import { cxxfilt, isMangled, type Demangler } from './elf/demangle.ts';
import { ET_EXEC, ElfError, ElfFile, PF_X, PT_LOAD, type Segment } from './elf/elf-file.ts';
import { SymbolTable } from './elf/symbols.ts';
import { boundedFiles, FileTimeoutError } from '../bounded-io.ts';
import { printable } from '../printable.ts';
import type { FileReader } from '../safe-files.ts';

export interface UserSymbol {
  /** the function's name, when a symbol covers the address */
  readonly symbol?: string;
  /** bytes past the function's start */
  readonly offset?: bigint;
  /** the mapped file (as /proc/PID/maps names it, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6, or [vdso]) */
  readonly module?: string;
  /** when asked for and the file has DWARF: the source line, and the functions inlined there */
  readonly source?: SourceLocation;
}

export interface MapEntry {
  readonly start: bigint;
  readonly end: bigint;
  /** e.g. 'r-xp' */
  readonly perms: string;
  readonly offset: bigint;
  /** 'major:minor' in hex, as printed */
  readonly dev: string;
  readonly inode: number;
  /** '' for anonymous mappings; may end in ' (deleted)' */
  readonly path: string;
}

/** Parses /proc/PID/maps text, in address order. */
export function parseMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+(\S+)\s+(\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      perms: m[3]!,
      offset: BigInt(`0x${m[4]}`),
      dev: m[5]!,
      inode: Number(m[6]),
      path: m[7]!,
    });
  }
  return out;
}

interface ProcessMaps {
  readonly maps: MapEntry[];
  readonly readAt: number;
}

interface LoadedModule {
  readonly elf: ElfFile;
  /** its name in the process's maps (a debug file is looked for relative to it) */
  readonly path: string;
  readonly loads: readonly Segment[];
  /** the device it is on, as the maps name it ('fd:01'), for a mapped file */
  readonly dev?: string;
  symbols?: SymbolTable;
  /** its symbols could not be read in time: not tried again */
  hung?: boolean;
  /** its DWARF (or its debug file's); null: none */
  dwarf?: DwarfInfo | null;
}

export interface UserSymbolizerOptions {
  /** processes whose maps are kept (least recently used are dropped); default 256 */
  readonly maxProcesses?: number;
  /** files whose symbol tables are kept; default 32 */
  readonly maxModules?: number;
  /** and the most bytes their tables may hold together (the newest is kept whatever its size); default 1 GiB */
  readonly maxModuleBytes?: number;
  /** an address outside every mapping re-reads the maps (a library loaded later), at most this often; default 100 ms */
  readonly rereadAfterMs?: number;
  /** where /proc is (tests) */
  readonly procRoot?: string;
  /** also read separate debug files (/usr/lib/debug) for static functions of stripped libraries; default true */
  readonly debugFiles?: boolean;
  /**
   * Turns C++ names into what bpftrace prints (`ns::K::go(int)`); default c++filt when installed,
   * false keeps names as they are in the symbol table.
   */
  readonly demangle?: Demangler | false;
  /**
   * The files the probes are in. When a process's maps cannot be read (it has exited, or its pid is not one
   * of this /proc's), an address in one of these that is a fixed-address executable (ET_EXEC, not PIE) is
   * still its own virtual address there, so it resolves through that file's symbols.
   */
  readonly probedFiles?: readonly string[];
  /** how the files are opened and read; default bounded in time (runtime/bounded-io.ts) */
  readonly files?: FileReader;
}

/** Whether an error is (or was caused by) a file operation that did not answer in time. */
function timedOut(e: unknown): boolean {
  return e instanceof FileTimeoutError || (e instanceof ElfError && e.cause instanceof FileTimeoutError);
}

const PAGE = 4096n;

export class UserSymbolizer {
  private readonly procs = new Map<number, ProcessMaps | null>();
  /** by 'dev:inode' (or the path for special mappings); null = unreadable, don't retry */
  private readonly modules = new Map<string, LoadedModule | null>();
  private vdso: LoadedModule | null | undefined;
  private readonly maxProcesses: number;
  private readonly maxModules: number;
  private readonly maxModuleBytes: number;
  private readonly rereadAfterMs: number;
  private readonly proc: string;
  private readonly debugFiles: boolean;
  private readonly demangler: Demangler | undefined;
  private readonly demangled = new Map<string, string>();
  private readonly probedFiles: readonly string[];
  /** the probed files that are fixed-address executables, read on first need */
  private fixed: LoadedModule[] | undefined;
  private readonly files: FileReader;
  /** devices (as the maps name them) where a file did not answer in time: their files are not opened again */
  private readonly hungDevices = new Set<string>();

  constructor(opts: UserSymbolizerOptions = {}) {
    this.maxProcesses = opts.maxProcesses ?? 256;
    this.maxModules = opts.maxModules ?? 32;
    this.maxModuleBytes = opts.maxModuleBytes ?? 1024 * 1024 * 1024;
    this.rereadAfterMs = opts.rereadAfterMs ?? 100;
    this.proc = opts.procRoot ?? '/proc';
    this.debugFiles = opts.debugFiles ?? true;
    this.demangler = opts.demangle === false ? undefined : (opts.demangle ?? cxxfilt());
    this.probedFiles = [...new Set(opts.probedFiles ?? [])];
    this.files = opts.files ?? boundedFiles;
  }

  /**
   * The function, offset and file of an address in a process; {} when nothing is known. `withSource` adds
   * the source line from the file's DWARF (read on first use) and the functions inlined there.
   */
  symbolize(pid: number, addr: bigint, withSource = false): UserSymbol {
    return this.demangleAll([this.lookup(pid, addr, withSource)])[0]!;
  }

  /** symbolize() for many addresses of one process (a stack), demangling their C++ names in one batch. */
  symbolizeAll(pid: number, addrs: readonly bigint[], withSource = false): UserSymbol[] {
    return this.demangleAll(addrs.map((a) => this.lookup(pid, a, withSource)));
  }

  private demangleAll(syms: UserSymbol[]): UserSymbol[] {
    const d = this.demangler;
    if (!d) return syms;
    const names = syms.flatMap((s) => [s.symbol, ...(s.source?.inlined.map((f) => f.name) ?? [])]);
    const todo = [
      ...new Set(names.filter((n): n is string => n !== undefined && isMangled(n) && !this.demangled.has(n))),
    ];
    if (todo.length) d(todo).forEach((plain, i) => this.demangled.set(todo[i]!, plain));
    const plain = (n: string) => (isMangled(n) ? (this.demangled.get(n) ?? n) : n);
    return syms.map((s) => ({
      ...s,
      ...(s.symbol !== undefined ? { symbol: plain(s.symbol) } : {}),
      ...(s.source
        ? { source: { ...s.source, inlined: s.source.inlined.map((f) => ({ ...f, name: plain(f.name) })) } }
        : {}),
    }));
  }

  private lookup(pid: number, addr: bigint, withSource: boolean): UserSymbol {
    let maps = this.processMaps(pid, false);
    let entry = maps && findMap(maps.maps, addr);
    if (maps && !entry && Date.now() - maps.readAt >= this.rereadAfterMs) {
      maps = this.processMaps(pid, true);
      entry = maps && findMap(maps.maps, addr);
    }
    // gone, or exited and not yet reaped (a zombie's maps are empty)
    if (!maps?.maps.length) return this.lookupFixed(addr, withSource);
    if (!entry) return {};
    const path = entry.path.replace(/ \(deleted\)$/, '');
    const isFile = path.startsWith('/');
    if (!isFile && path !== '[vdso]') return path ? { module: path } : {};
    const mod = isFile ? this.module(pid, entry, path) : this.vdsoModule();
    if (!mod) return { module: path };
    const vaddr = fileVaddr(mod.loads, entry, addr);
    if (vaddr === undefined) return { module: path };
    return { ...this.symbolIn(mod, vaddr, isFile, withSource), module: path };
  }

  private symbolIn(
    mod: LoadedModule,
    vaddr: bigint,
    isFile: boolean,
    withSource: boolean,
  ): { symbol: string; offset: bigint; source?: SourceLocation } | undefined {
    if (mod.hung) return undefined;
    try {
      if (!mod.symbols) {
        mod.symbols = SymbolTable.read(mod.elf, {
          debug: this.debugFiles && isFile ? openDebugFile(mod.elf, mod.path) : undefined,
        });
        this.trimModules();
      }
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      if (timedOut(e)) this.hang(mod);
      return undefined;
    }
    const hit = mod.symbols.lookupAddress(vaddr);
    if (!hit) return undefined;
    const source = withSource ? this.sourceIn(mod, vaddr, isFile) : undefined;
    return { symbol: hit.symbol.name, offset: hit.offset, ...(source ? { source } : {}) };
  }

  /** The DWARF line and inlined functions at a file address: the file's own DWARF, else its debug file's. */
  private sourceIn(mod: LoadedModule, vaddr: bigint, isFile: boolean): SourceLocation | undefined {
    if (mod.dwarf === undefined) {
      mod.dwarf = null; // read once, found or not
      try {
        let dwarf = DwarfInfo.read(mod.elf);
        const debug = !dwarf && this.debugFiles && isFile ? openDebugFile(mod.elf, mod.path) : undefined;
        if (debug) dwarf = DwarfInfo.read(debug);
        mod.dwarf = dwarf ?? null;
      } catch (e) {
        if (!(e instanceof ElfError)) throw e;
        if (timedOut(e)) this.hang(mod);
      }
      this.trimModules();
    }
    return mod.dwarf?.locate(Number(vaddr));
  }

  /** A module whose file stopped answering: its addresses print in hex, and so do its device's other files'. */
  private hang(mod: LoadedModule): void {
    mod.hung = true;
    if (mod.dev !== undefined) this.hungDevices.add(mod.dev);
  }

  /** An address of a process whose maps are unknown: in the one fixed-address probed executable loading it, if any. */
  private lookupFixed(addr: bigint, withSource: boolean): UserSymbol {
    if (!this.fixed) {
      this.fixed = [];
      for (const path of this.probedFiles) {
        try {
          const elf = ElfFile.open(path, this.files);
          if (elf.header.type === ET_EXEC)
            this.fixed.push({ elf, path, loads: elf.segments.filter((s) => s.type === PT_LOAD) });
        } catch (e) {
          if (!(e instanceof ElfError)) throw e;
        }
      }
    }
    const holders = this.fixed.filter((m) => m.loads.some((s) => addr >= s.vaddr && addr < s.vaddr + s.memsz));
    // two executables at the same addresses: which one the process ran is unknown
    if (holders.length !== 1) return {};
    return { ...this.symbolIn(holders[0]!, addr, true, withSource), module: holders[0]!.path };
  }

  /** Forgets the maps of one process (or of all), so the next lookup reads them again. */
  refresh(pid?: number): void {
    if (pid === undefined) this.procs.clear();
    else this.procs.delete(pid);
  }

  /** Forgets everything, symbol tables included. */
  clear(): void {
    this.demangled.clear();
    this.procs.clear();
    this.modules.clear();
    this.vdso = undefined;
  }

  private processMaps(pid: number, reread: boolean): ProcessMaps | undefined {
    const cached = this.procs.get(pid);
    if (cached !== undefined && !reread) {
      // Keep recently used processes at the end (LRU order).
      this.procs.delete(pid);
      this.procs.set(pid, cached);
      return cached ?? undefined;
    }
    let value: ProcessMaps | null;
    try {
      value = { maps: parseMaps(readFileSync(`${this.proc}/${pid}/maps`, 'utf8')), readAt: Date.now() };
    } catch {
      value = null; // gone, or not ours to read
    }
    this.procs.delete(pid);
    this.procs.set(pid, value);
    evict(this.procs, this.maxProcesses);
    return value ?? undefined;
  }

  private module(pid: number, entry: MapEntry, path: string): LoadedModule | undefined {
    const key = entry.inode ? `${entry.dev}:${entry.inode}` : path;
    const cached = this.modules.get(key);
    if (cached !== undefined) {
      this.modules.delete(key);
      this.modules.set(key, cached);
      return cached ?? undefined;
    }
    // The process's owner controls the names in its maps: the path may now be a FIFO, or another file with
    // other symbols (which, cached under this inode, would name frames of every process mapping the real
    // one). map_files (root only) is the mapped file itself, deleted or not; the names are tried after it,
    // in the process's mount namespace first, and used only when they lead to the mapped inode. Inode
    // numbers only: btrfs subvolumes and overlayfs report another device to stat() than in maps.
    const range = `${entry.start.toString(16)}-${entry.end.toString(16)}`;
    let loaded: LoadedModule | null = null;
    let definite = false;
    if (!entry.inode) return undefined;
    // A file that did not answer in time: the others on its device would not either (a hung mount).
    if (this.hungDevices.has(entry.dev)) definite = true;
    const candidates = definite
      ? []
      : [`${this.proc}/${pid}/map_files/${range}`, `${this.proc}/${pid}/root${path}`, path];
    for (const [i, candidate] of candidates.entries()) {
      try {
        const elf = ElfFile.open(candidate, this.files);
        if (elf.fileId?.ino !== entry.inode) continue;
        loaded = { elf, path, dev: entry.dev, loads: elf.segments.filter((s) => s.type === PT_LOAD) };
        definite = true;
        break;
      } catch (e) {
        if (!(e instanceof ElfError)) throw e;
        if (timedOut(e)) {
          this.hungDevices.add(entry.dev); // the other names lead to the same mount
          definite = true;
          break;
        }
        if (e.reason !== 'io' && i === 0) {
          definite = true; // the mapped file itself is no usable ELF file (what a name leads to may not be it)
          break;
        }
      }
    }
    // A file that could not be opened may be reachable later through another process: only remember
    // what was read, or what was read and found useless.
    if (definite) {
      this.modules.set(key, loaded);
      evict(this.modules, this.maxModules);
    }
    return loaded ?? undefined;
  }

  /** Drops the least recently used symbol tables while they hold more than maxModuleBytes together. */
  private trimModules(): void {
    let bytes = 0;
    const size = (m: LoadedModule | null) => (m?.symbols?.byteSize ?? 0) + (m?.dwarf?.byteSize ?? 0);
    for (const m of this.modules.values()) bytes += size(m);
    for (const [key, m] of this.modules) {
      if (bytes <= this.maxModuleBytes || this.modules.size <= 1) break;
      bytes -= size(m);
      this.modules.delete(key);
    }
  }

  /** The vDSO is the same image in every process: ours, copied out of our own memory. */
  private vdsoModule(): LoadedModule | undefined {
    if (this.vdso !== undefined) return this.vdso ?? undefined;
    this.vdso = null;
    try {
      const own = parseMaps(readFileSync('/proc/self/maps', 'utf8')).find((m) => m.path === '[vdso]');
      if (own) {
        const len = Number(own.end - own.start);
        const buf = Buffer.alloc(len);
        const fd = openSync('/proc/self/mem', 'r');
        try {
          readSync(fd, buf, 0, len, own.start);
        } finally {
          closeSync(fd);
        }
        const elf = ElfFile.fromBuffer(buf, '[vdso]');
        this.vdso = { elf, path: '[vdso]', loads: elf.segments.filter((s) => s.type === PT_LOAD) };
      }
    } catch {
      this.vdso = null;
    }
    return this.vdso ?? undefined;
  }
}

function evict<K, V>(m: Map<K, V>, max: number): void {
  while (m.size > max) {
    const first = m.keys().next();
    if (first.done) break;
    m.delete(first.value);
  }
}

function findMap(maps: readonly MapEntry[], addr: bigint): MapEntry | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = maps[mid]!;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/**
 * The file's virtual address for a process address inside a file mapping: the file offset is
 * addr - start + map offset; the PT_LOAD segment holding that offset turns it into a vaddr. Where two
 * segments share a file page, the one whose executable flag matches the mapping's wins.
 */
function fileVaddr(
  loads: readonly Segment[],
  entry: Pick<MapEntry, 'start' | 'offset' | 'perms'>,
  addr: bigint,
): bigint | undefined {
  const fileOff = addr - entry.start + entry.offset;
  const exec = entry.perms.includes('x');
  let best: Segment | undefined;
  for (const s of loads) {
    const from = s.offset & ~(PAGE - 1n);
    const to = (s.offset + s.filesz + PAGE - 1n) & ~(PAGE - 1n);
    if (fileOff < from || fileOff >= to) continue;
    if (!best || ((s.flags & PF_X) !== 0) === exec) best = s;
  }
  return best ? fileOff - best.offset + best.vaddr : undefined;
}

// ---- bpftrace's text for user addresses (0.17, checked against its output)
// Symbol and file names are the traced program's owner's to choose: their control characters print as \xNN
// (bpftrace prints them raw, a terminal escape sequence included).

/** usym(): the function name alone; unknown addresses print as C's %p does (0x…, and 0 as "0"). */
export function formatUsym(s: UserSymbol, addr: bigint): string {
  return s.symbol !== undefined ? printable(s.symbol) : hexPointer(addr);
}

/**
 * A ustack frame in bpftrace mode (indented by the caller): `main+22`, or `0x7f…` when unknown; with a
 * source line (show_debug_info, bpftrace v0.26) `main+22@/src/main.c:14`.
 */
export function formatStackFrame(s: UserSymbol, addr: bigint): string {
  return s.symbol !== undefined ? `${printable(s.symbol)}+${s.offset ?? 0n}${at(s.source)}` : hexPointer(addr);
}

/** `@file:line` after a frame with a source line (bpftrace v0.26's show_debug_info), else nothing. */
function at(src: { readonly file?: string; readonly line?: number } | undefined): string {
  return src?.file !== undefined && src.line !== undefined ? `@${printable(src.file)}:${src.line}` : '';
}

/**
 * The lines one user address prints as in a stack (bpftrace v0.26 with show_debug_info): the functions
 * inlined there first, innermost first (`[inlined] f@file.c:15`, in perf mode `55c1f7 f (inlined)`), then
 * the frame itself. A stack limit counts addresses, so a stack may print more lines than its limit.
 */
export function formatUserFrames(s: UserSymbol, addr: bigint, mode: 'bpftrace' | 'perf'): string[] {
  const inlined = s.symbol !== undefined ? (s.source?.inlined ?? []) : [];
  const hex = addr.toString(16);
  return [
    ...inlined.map((f) =>
      mode === 'perf' ? `${hex} ${printable(f.name)} (inlined)` : `[inlined] ${printable(f.name)}${at(f)}`,
    ),
    mode === 'perf' ? formatPerfFrame(s, addr) : formatStackFrame(s, addr),
  ];
}

/** A ustack frame in perf mode, without the leading tab: `55c1f7 main+22 (/path/bin)`, or `55c1f7 0x55c1f7 ([unknown])`. */
export function formatPerfFrame(s: UserSymbol, addr: bigint): string {
  const hex = addr.toString(16);
  return s.symbol !== undefined
    ? `${hex} ${printable(s.symbol)}+${s.offset ?? 0n} (${printable(s.module ?? '[unknown]')})`
    : `${hex} ${hexPointer(addr)} ([unknown])`;
}

/** An address no symbol covers, as C++'s showbase prints it: 0x…, but 0 as "0" (bpftrace's usym/ksym too). */
export function hexPointer(addr: bigint): string {
  const u = BigInt.asUintN(64, addr);
  return u === 0n ? '0' : `0x${u.toString(16)}`;
}
