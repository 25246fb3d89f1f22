// Finding the file behind `uprobe:TARGET:…` the way bpftrace does: a path is used as it is; a bare name is
// first an executable on $PATH, then a library found like ld.so finds one (the process's own mappings when a
// pid is given, /etc/ld.so.cache, the default directories). A library name may be a full soname
// (`libc.so.6`) or a stem (`libc`, which matches `libc.so*`).
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve as resolvePath } from 'node:path';

export interface ResolvedTarget {
  /** the file to open and attach to */
  readonly path: string;
  readonly via: 'path' | 'PATH' | 'proc-maps' | 'ld.so.cache' | 'default-dir';
  /**
   * Other distinct files the name also matched ($PATH entries that are different files), for a warning
   * like bpftrace's "matched 2 binaries". Hard links and symlinks to the same file are not counted.
   */
  readonly others: readonly string[];
}

export interface ResolveOptions {
  /** a process whose mappings and root are searched first (-p) */
  readonly pid?: number;
  /** defaults to process.env.PATH */
  readonly PATH?: string;
  /** defaults to /etc/ld.so.cache (tests) */
  readonly ldCache?: string;
  readonly cwd?: string;
}

export const DEFAULT_LIB_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

/** Resolves a uprobe/usdt target to a file; undefined when nothing matches. */
export function resolveTarget(target: string, opts: ResolveOptions = {}): ResolvedTarget | undefined {
  if (target.includes('/')) {
    const path = target.startsWith('/') ? target : resolvePath(opts.cwd ?? process.cwd(), target);
    // With -p, a path inside the process's mount namespace is reached through /proc/PID/root.
    if (opts.pid !== undefined && opts.pid > 0 && !isFile(path)) {
      const inRoot = `/proc/${opts.pid}/root${path}`;
      if (isFile(inRoot)) return { path: inRoot, via: 'path', others: [] };
    }
    return isFile(path) ? { path, via: 'path', others: [] } : undefined;
  }
  if (opts.pid !== undefined && opts.pid > 0) {
    const mapped = libraryInMaps(target, opts.pid);
    if (mapped) return { path: mapped, via: 'proc-maps', others: [] };
  }
  const exes = whichAll(target, opts.PATH ?? process.env['PATH'] ?? '');
  if (exes.length) return { path: exes[0]!, via: 'PATH', others: distinctFiles(exes).slice(1) };
  const cached = libraryInCache(target, opts.ldCache);
  if (cached) return { path: cached, via: 'ld.so.cache', others: [] };
  const inDir = libraryInDefaultDirs(target);
  if (inDir) return { path: inDir, via: 'default-dir', others: [] };
  return undefined;
}

// A missing file is the usual answer here (a bare name is looked for in every $PATH directory first): stat
// without throwing for it, as an exception per miss (its error object, its stack) cost ~0.1 ms each at start-up.
function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

function isExecutableFile(path: string): boolean {
  if (!isFile(path)) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every executable called `name` on a PATH-style list, in order ('' entries mean the current directory). */
export function whichAll(name: string, PATH: string): string[] {
  const hits: string[] = [];
  for (const dir of PATH.split(delimiter)) {
    const p = join(dir || '.', name);
    if (isExecutableFile(p) && !hits.includes(p)) hits.push(p);
  }
  return hits;
}

function distinctFiles(paths: string[]): string[] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    try {
      const st = statSync(p);
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    } catch {
      return false;
    }
  });
}

/** Does a file name match a library name: exactly (`libc.so.6`), or as a stem (`libc` → `libc.so`, `libc.so.6`). */
export function libraryNameMatches(fileName: string, name: string): boolean {
  return fileName === name || fileName.startsWith(`${name}.so`);
}

// ---- /proc/PID/maps

/** A library mapped by the process, as its path seen from our mount namespace (through /proc/PID/root). */
function libraryInMaps(name: string, pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const path = mapsPath(line);
    if (!path?.startsWith('/')) continue;
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (!libraryNameMatches(base, name)) continue;
    const inRoot = `/proc/${pid}/root${path}`;
    return isFile(path) && sameFile(path, inRoot) ? path : inRoot;
  }
  return undefined;
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return true; // cannot tell (no access to /proc/PID/root): keep the plain path
  }
}

/** The path column of a /proc/PID/maps line (which may contain spaces), or undefined. */
export function mapsPath(line: string): string | undefined {
  const m = /^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(.*)$/.exec(line);
  return m?.[1] || undefined;
}

// ---- /etc/ld.so.cache

export interface LdCacheEntry {
  readonly name: string;
  readonly path: string;
  /** FLAG_* bits: the low byte is the type (3 = ELF libc6), the next the architecture (0x03 = x86-64) */
  readonly flags: number;
  readonly hwcap: bigint;
}

const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
const FLAG_ELF_LIBC6 = 0x0003;
const FLAG_X8664_LIB64 = 0x0300;
const FLAG_AARCH64_LIB64 = 0x0a00;

let cacheMemo:
  | {
      file: string;
      mtimeMs: number;
      entries: LdCacheEntry[];
      /** libraryInCache's answers from these entries, by name (a probe's attach points ask for one name) */
      found: Map<string, string | undefined>;
    }
  | undefined;

/**
 * Parses ld.so.cache (glibc's "new" format, optionally after an old-format block): header
 * magic[20] nlibs:u32 len_strings:u32 flags:u8 pad[3] extension_offset:u32 unused[3]:u32 (48 bytes), then
 * nlibs entries of flags:i32 key:u32 value:u32 osversion:u32 hwcap:u64 (24 bytes). key and value are
 * offsets of the soname and the path, counted from the start of the new-format header.
 */
export function parseLdCache(buf: Buffer): LdCacheEntry[] {
  // words through a DataView (V8's own getters): Buffer's readUInt32LE and friends are Node's JavaScript,
  // validated and run cold at start-up, ~4 reads for each of a cache's ~600 entries
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let base = 0;
  if (buf.toString('latin1', 0, OLD_MAGIC.length) === OLD_MAGIC) {
    if (buf.length < 16) return [];
    const n = view.getUint32(12, true);
    base = 16 + n * 12;
    base = (base + 7) & ~7; // the new block follows, aligned
    if (buf.toString('latin1', base, base + NEW_MAGIC.length) !== NEW_MAGIC) return [];
  } else if (buf.toString('latin1', 0, NEW_MAGIC.length) !== NEW_MAGIC) return [];
  if (base + 48 > buf.length) return [];
  const nlibs = view.getUint32(base + 20, true);
  const entries: LdCacheEntry[] = [];
  const str = (off: number) => {
    const at = base + off;
    if (at >= buf.length) return '';
    const end = buf.indexOf(0, at);
    return buf.toString('utf8', at, end < 0 ? buf.length : end);
  };
  for (let i = 0; i < nlibs; i++) {
    const o = base + 48 + i * 24;
    if (o + 24 > buf.length) break;
    entries.push({
      flags: view.getInt32(o, true),
      name: str(view.getUint32(o + 4, true)),
      path: str(view.getUint32(o + 8, true)),
      hwcap: view.getBigUint64(o + 16, true),
    });
  }
  return entries;
}

function parsedCache(file = '/etc/ld.so.cache'): NonNullable<typeof cacheMemo> | undefined {
  try {
    const { mtimeMs } = statSync(file);
    if (cacheMemo?.file === file && cacheMemo.mtimeMs === mtimeMs) return cacheMemo;
    return (cacheMemo = { file, mtimeMs, entries: parseLdCache(readFileSync(file)), found: new Map() });
  } catch {
    return undefined;
  }
}

/** Does a cache entry hold a library for this machine's architecture? */
function nativeArch(flags: number): boolean {
  if ((flags & 0xff) !== FLAG_ELF_LIBC6) return false;
  const arch = flags & 0xff00;
  return process.arch === 'arm64' ? arch === FLAG_AARCH64_LIB64 : arch === FLAG_X8664_LIB64;
}

/** The first native library in the cache matching the name (exactly, or as a stem), preferring no hwcap. */
export function libraryInCache(name: string, file?: string): string | undefined {
  const cache = parsedCache(file);
  if (!cache) return undefined;
  if (cache.found.has(name)) return cache.found.get(name);
  const hits = cache.entries.filter((e) => nativeArch(e.flags) && libraryNameMatches(e.name, name));
  const exact = hits.filter((e) => e.name === name);
  const pool = exact.length ? exact : hits;
  const path = (pool.find((e) => e.hwcap === 0n) ?? pool[0])?.path;
  cache.found.set(name, path);
  return path;
}

function libraryInDefaultDirs(name: string): string | undefined {
  for (const dir of DEFAULT_LIB_DIRS) {
    const exact = join(dir, name);
    if (isFile(exact)) return exact;
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    const hit = files.filter((f) => libraryNameMatches(f, name)).sort()[0];
    if (hit && isFile(join(dir, hit))) return join(dir, hit);
  }
  return undefined;
}

/** Forgets the parsed ld.so.cache (tests). */
export function resetLdCache(): void {
  cacheMemo = undefined;
}
