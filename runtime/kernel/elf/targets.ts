// From what a script names (`uprobe:libc:malloc`, `usdt:/bin/x:prov:probe`) to what the kernel wants: a
// file path and file offsets. Failures are ScryRuntimeErrors with plain messages and hints.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { closest, type Span } from '../../../lang/index.ts';
import { NoMatchError, ScryRuntimeError } from '../../errors.ts';
import { openDebugFile } from './debug-file.ts';
import { DwarfInfo } from './dwarf.ts';
import { ElfError, ElfFile } from './elf-file.ts';
import { DEFAULT_LIB_DIRS, mapsPath, resolveTarget, type ResolveOptions } from './ld-resolve.ts';
import { globRegExp, SymbolTable, type ElfSymbol } from './symbols.ts';
import { readUsdtProbes, type UsdtProbe } from './usdt.ts';
import { printable } from '../../printable.ts';

export interface TargetOptions extends ResolveOptions {
  /** where the probe is written, for errors */
  readonly span?: Span;
}

export interface TargetFile {
  readonly path: string;
  readonly elf: ElfFile;
  /** where the ELF image starts in `path`: an uncompressed member of a zip archive (`app.zip!/bin/app`) */
  readonly base?: bigint;
  /** e.g. bpftrace's "matched 2 binaries" warning */
  readonly warnings: readonly string[];
}

interface Cached {
  readonly key: string;
  readonly elf: ElfFile;
  symbols?: SymbolTable;
  usdt?: UsdtProbe[];
  /** null: read, none found */
  dwarf?: DwarfInfo | null;
}

const memberSymbols = new WeakMap<ElfFile, SymbolTable>();

// Parsed files by path, checked against size and mtime; several probes on one binary read it once.
const cache = new Map<string, Cached>();

function cached(path: string, span: Span | undefined): Cached {
  let key: string;
  try {
    const st = statSync(path);
    key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (e) {
    throw fileError(path, e, span);
  }
  const hit = cache.get(path);
  if (hit?.key === key) return hit;
  let elf: ElfFile;
  try {
    elf = ElfFile.open(path);
  } catch (e) {
    throw fileError(path, e, span);
  }
  const entry: Cached = { key, elf };
  cache.set(path, entry);
  return entry;
}

function fileError(path: string, e: unknown, span: Span | undefined): ScryRuntimeError {
  const code = (e as NodeJS.ErrnoException).code ?? ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  if (e instanceof ElfError && e.reason === 'not-elf')
    return new ScryRuntimeError(`${path} is not an ELF file`, span, [], { cause: e });
  if (e instanceof ElfError && e.reason !== 'io')
    return new ScryRuntimeError(`cannot read ${path}: ${e.message.replace(`${path}: `, '')}`, span, [], { cause: e });
  if (code === 'EACCES' || code === 'EPERM')
    return new ScryRuntimeError(`cannot read ${path}: permission denied`, span, [], { cause: e });
  if (code === 'ENOENT') return new ScryRuntimeError(`${path} does not exist`, span, [], { cause: e });
  if (code === 'EUNTRUSTED') return new ScryRuntimeError(`${path} is not a regular file`, span, [], { cause: e });
  return new ScryRuntimeError(`cannot read ${path}: ${(e as Error).message}`, span, [], { cause: e });
}

/** Finds and opens the ELF file a uprobe/usdt target names. */
export function openTarget(target: string, opts: TargetOptions = {}): TargetFile {
  const member = /^(.+\.(?:zip|apk|jar))!\/(.+)$/.exec(target);
  if (member) return openArchiveMember(member[1]!, member[2]!, opts);
  const found = resolveTarget(target, opts);
  if (!found) {
    const where = target.includes('/')
      ? []
      : [`it is looked for on $PATH, in /etc/ld.so.cache and in ${DEFAULT_LIB_DIRS.join(', ')}`];
    const what = !target.includes('/')
      ? `cannot find '${target}': no such program or library`
      : existsSync(target)
        ? `${target} is not a regular file`
        : `${target} does not exist`;
    throw new ScryRuntimeError(what, opts.span, where);
  }
  const { elf } = cached(found.path, opts.span);
  const warnings = found.others.length
    ? [`'${target}' matched ${found.others.length + 1} files: using ${found.path}, not ${found.others.join(', ')}`]
    : [];
  return { path: found.path, elf, warnings };
}

/**
 * An ELF file stored (not compressed) in a zip archive, as Android ships libraries in APKs: the kernel
 * attaches to the archive at the member's offset, so probes go to the archive's path plus that base.
 */
function openArchiveMember(archive: string, name: string, opts: TargetOptions): TargetFile {
  const path = resolveTarget(archive, opts)?.path;
  if (!path) throw new ScryRuntimeError(`${archive} does not exist`, opts.span);
  let zip: Buffer;
  try {
    zip = readFileSync(path);
  } catch (e) {
    throw fileError(path, e, opts.span);
  }
  const entry = zipEntry(zip, name);
  if (!entry) throw new ScryRuntimeError(`${archive} has no member ${name}`, opts.span);
  if (entry.method !== 0)
    throw new ScryRuntimeError(`${archive}!/${name} is compressed: a uprobe needs it stored as is`, opts.span, [
      'store it uncompressed (zip -0), as Android does for libraries in an APK',
    ]);
  const image = zip.subarray(entry.data, entry.data + entry.size);
  let elf: ElfFile;
  try {
    elf = ElfFile.fromBuffer(image, `${path}!/${name}`);
  } catch (e) {
    throw fileError(`${archive}!/${name}`, e, opts.span);
  }
  return { path, elf, base: BigInt(entry.data), warnings: [] };
}

/** A zip member's compression method, size and where its data starts (from the central directory). */
function zipEntry(zip: Buffer, name: string): { method: number; size: number; data: number } | undefined {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > zip.length) return undefined;
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count && at + 46 <= zip.length; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) return undefined;
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLen) === name) {
      if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) return undefined;
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      return data + size <= zip.length ? { method, size, data } : undefined;
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  return undefined;
}

/** The symbol table of an opened target, with its separate debug file's symbols if installed (read once per file). */
export function targetSymbols(file: TargetFile): SymbolTable {
  if (file.base !== undefined)
    return (memberSymbols.get(file.elf) ?? memberSymbols.set(file.elf, SymbolTable.read(file.elf)).get(file.elf))!;
  const entry = cached(file.path, undefined);
  entry.symbols ??= SymbolTable.read(entry.elf, { debug: () => openDebugFile(entry.elf, file.path) });
  return entry.symbols;
}

/** The DWARF of an opened target, else of its debug file (read once per file); undefined when neither has any. */
export function targetDwarf(file: TargetFile): DwarfInfo | undefined {
  const read = (): DwarfInfo | null => {
    try {
      const own = DwarfInfo.read(file.elf);
      if (own || file.base !== undefined) return own ?? null;
      const debug = openDebugFile(file.elf, file.path);
      return (debug && DwarfInfo.read(debug)) ?? null;
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
      return null;
    }
  };
  if (file.base !== undefined) return read() ?? undefined;
  const entry = cached(file.path, undefined);
  if (entry.dwarf === undefined) entry.dwarf = read();
  return entry.dwarf ?? undefined;
}

/** The USDT probes of an opened target (read once per file). */
export function targetUsdtProbes(file: TargetFile): UsdtProbe[] {
  if (file.base !== undefined)
    return readUsdtProbes(file.elf).map((u) => ({
      ...u,
      offset: u.offset + file.base!,
      ...(u.semaphoreOffset !== undefined ? { semaphoreOffset: u.semaphoreOffset + file.base! } : {}),
    }));
  const entry = cached(file.path, undefined);
  entry.usdt ??= readUsdtProbes(entry.elf);
  return entry.usdt;
}

export interface UprobeLocation {
  readonly path: string;
  /** file offset to attach to */
  readonly offset: bigint;
  /** virtual address in the file */
  readonly vaddr: bigint;
  /** the function, when named by symbol */
  readonly symbol?: ElfSymbol;
}

/**
 * The file offset of `func` (+ `funcOffset`) in a target, or of an absolute virtual address
 * (`uprobe:/bin/x:0x401000`).
 */
export function resolveUprobe(
  file: TargetFile,
  where: { readonly func: string; readonly funcOffset?: bigint } | { readonly address: bigint },
  opts: TargetOptions = {},
): UprobeLocation {
  if ('address' in where) {
    const offset = plusBase(file, file.elf.vaddrToOffset(where.address));
    if (offset === undefined)
      throw new ScryRuntimeError(
        `address 0x${where.address.toString(16)} is not in a loaded part of ${file.path}`,
        opts.span,
      );
    return { path: file.path, offset, vaddr: where.address };
  }
  const symbols = targetSymbols(file);
  const symbol = symbols.lookup(where.func);
  if (!symbol) {
    const guess = closest(where.func, symbols.functionNames());
    const hints = guess ? [`did you mean '${printable(guess)}'?`] : []; // a name from the file: no terminal escapes
    hints.push(`list them with: scry -l 'uprobe:${file.path}:*'`);
    throw new NoMatchError(`no function '${where.func}' in ${file.path}`, opts.span, hints);
  }
  const extra = where.funcOffset ?? 0n;
  // bpftrace v0.26's words; a symbol of size 0 takes no offset
  if (extra < 0n || (extra > 0n && extra >= symbol.size))
    throw new ScryRuntimeError(
      `Offset outside the function bounds ('${where.func}' size is ${symbol.size})`,
      opts.span,
      [`${where.func} in ${file.path} is ${symbol.size} bytes long`],
    );
  const vaddr = symbol.value + extra;
  const offset = plusBase(file, file.elf.vaddrToOffset(vaddr));
  if (offset === undefined)
    throw new ScryRuntimeError(`${where.func} in ${file.path} is not in a loaded segment`, opts.span);
  return { path: file.path, offset, vaddr, symbol };
}

function plusBase(file: TargetFile, offset: bigint | undefined): bigint | undefined {
  return offset === undefined ? undefined : offset + (file.base ?? 0n);
}

/** Function names in a target matching a wildcard pattern, sorted (for `-l` and wildcard probes). */
export function listUprobeFunctions(file: TargetFile, pattern = '*'): string[] {
  return targetSymbols(file).matchFunctions(pattern);
}

/**
 * USDT probes matching `[provider:]name` (wildcards allowed in both). Without a provider, any provider
 * matches. Throws when none match and the pattern has no wildcard (a wildcard matching nothing is no error).
 */
export function resolveUsdt(
  file: TargetFile,
  provider: string | undefined,
  name: string,
  opts: TargetOptions = {},
): UsdtProbe[] {
  const all = targetUsdtProbes(file);
  const p = provider === undefined ? undefined : globRegExp(provider);
  const n = globRegExp(name);
  const hits = all.filter((u) => (p ? p.test(u.provider) : true) && n.test(u.name));
  if (hits.length || /[*?]/.test(`${provider ?? ''}${name}`)) return hits;
  const wanted = provider === undefined ? name : `${provider}:${name}`;
  if (!all.length) throw new ScryRuntimeError(`${file.path} has no USDT probes`, opts.span);
  const guess = closest(
    wanted,
    all.map((u) => (provider === undefined ? u.name : `${u.provider}:${u.name}`)),
  );
  const hints = guess ? [`did you mean '${guess}'?`] : [];
  hints.push(`list them with: scry -l 'usdt:${file.path}:*'`);
  throw new NoMatchError(`no USDT probe '${wanted}' in ${file.path}`, opts.span, hints);
}

/**
 * The targets a written target names, each as it is shown (`probe`, -l): itself when it has no wildcard;
 * with -p, `*` (or an empty target) is every file the process maps and another wildcard without a '/'
 * matches their paths or names; a wildcard path (`./bin/test*`) is globbed, keeping the form written.
 * Files that are not ELF are left out of an expansion; [] when nothing matches.
 */
export function expandTargets(target: string, pid?: number): string[] {
  if (target === '' && pid !== undefined) target = '*';
  if (!/[*?]/.test(target)) return [target];
  if (!target.includes('/')) {
    if (pid === undefined) return [];
    const re = globRegExp(target);
    return mappedFiles(pid).filter((p) => re.test(p) || re.test(p.slice(p.lastIndexOf('/') + 1)));
  }
  return globPath(target).filter(isElfFile);
}

/** The distinct files a process maps (its program first), as /proc/PID/maps names them. */
export function mappedFiles(pid: number): string[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    throw new ScryRuntimeError(`cannot read the mappings of process ${pid}`, undefined, ['is it still running?']);
  }
  const files: string[] = [];
  for (const line of text.split('\n')) {
    const path = mapsPath(line);
    if (path?.startsWith('/') && !path.endsWith(' (deleted)') && !files.includes(path)) files.push(path);
  }
  return files.filter((f) => isElfFile(f) || isElfFile(`/proc/${pid}/root${f}`));
}

/** Paths matching a wildcard path, one directory level at a time, in the form written (`./a/b*`). */
function globPath(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  let found = [absolute ? '/' : ''];
  for (const part of pattern.split('/').filter((x, i) => x || i === 0)) {
    if (part === '' && !absolute) continue;
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?]/.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      const re = globRegExp(part);
      let names: string[] = [];
      try {
        names = readdirSync(dir || '.').sort();
      } catch {
        continue;
      }
      for (const n of names) if (re.test(n) && (n[0] !== '.' || part[0] === '.')) next.push(join(dir, n));
    }
    found = next;
  }
  return found.filter((f) => existsSync(f));
}

function join(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function isElfFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    return cached(path, undefined).elf !== undefined;
  } catch {
    return false;
  }
}

/** Forgets parsed files (tests, or after binaries were rebuilt). */
export function resetTargetCache(): void {
  cache.clear();
}
