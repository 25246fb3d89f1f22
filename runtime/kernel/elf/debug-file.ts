// Separate debug files (Debian's *-dbg / -dbgsym packages): a stripped library keeps only .dynsym, while
// its debug file under /usr/lib/debug has the full .symtab (static functions like __libc_start_call_main)
// at the same addresses. Found by build ID first, then by .gnu_debuglink, as gdb and bpftrace look.
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { FileTimeoutError } from '../../bounded-io.ts';
import { cstring, ElfError, ElfFile } from './elf-file.ts';

const NT_GNU_BUILD_ID = 3;

const DEBUG_ROOT = '/usr/lib/debug';

/** The GNU build ID as lowercase hex, from the .note.gnu.build-id note. */
export function buildId(elf: ElfFile): string | undefined {
  for (const s of elf.sections) {
    if (s.name !== '.note.gnu.build-id') continue;
    const note = elf.notes(s.name).find((n) => n.name === 'GNU' && n.type === NT_GNU_BUILD_ID);
    if (note) return note.desc.toString('hex');
  }
  return undefined;
}

/**
 * The file name in .gnu_debuglink (the CRC after it is not checked; the build ID is, when there is one).
 * Only a plain file name: the ELF file may be another user's, and `../../root/secret` would make root read
 * (and print the symbols of) a file that user could not.
 */
export function debugLink(elf: ElfFile): string | undefined {
  const s = elf.section('.gnu_debuglink');
  if (!s) return undefined;
  const name = cstring(elf.sectionData(s), 0);
  return name && !name.includes('/') && name !== '.' && name !== '..' ? name : undefined;
}

/** `--debuginfo DIR[:DIR]` (bpftrace v0.26): directories searched before the standard ones, in order. */
let userDebugDirs: readonly string[] = [];

/**
 * Set the directories `--debuginfo` names (each value may hold several, colon-separated), searched before
 * the standard path ":.debug:/usr/lib/debug" as bpftrace v0.26 hands elfutils "DIR:DIR::.debug:/usr/lib/debug".
 * A directory that does not exist is skipped, as there.
 */
export function useDebugInfoDirs(values: readonly string[]): void {
  userDebugDirs = values.flatMap((v) => v.split(':'));
}

/**
 * The debug file for an ELF file at `path`, opened, or undefined. Its candidates are looked at and read as
 * the ELF file was (elf.files: bounded in time for a traced process's files). The search is elfutils'
 * (dwfl_standard_find_debuginfo, which bpftrace uses) over the path `--debuginfo` dirs, "", ".debug", `root`:
 * first by build ID, DIR/.build-id/ab/cdef….debug for each absolute DIR; then by name, the .gnu_debuglink name
 * (else FILE.debug, then FILE's own name): "" is the file's directory, a relative DIR is that directory's
 * subdirectory DIR, an absolute DIR is DIR/<the file's directory>, then DIR/<it without its first component>…,
 * then DIR itself. A leading + or - on a DIR is dropped (the CRC is not checked). A candidate with a different
 * build ID is skipped.
 */
export function openDebugFile(elf: ElfFile, path: string, root = DEBUG_ROOT): ElfFile | undefined {
  let id: string | undefined;
  let link: string | undefined;
  try {
    id = buildId(elf);
    link = debugLink(elf);
  } catch (e) {
    if (e instanceof ElfError) return undefined;
    throw e;
  }
  const entries = [...userDebugDirs, '', '.debug', root].map((p) =>
    p.startsWith('+') || p.startsWith('-') ? p.slice(1) : p,
  );
  const candidates: string[] = [];
  if (id && id.length > 2)
    for (const p of entries)
      if (isAbsolute(p)) candidates.push(join(p, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  const given = resolve(path);
  let real = given;
  try {
    real = elf.files.realpath(path);
  } catch (e) {
    if (e instanceof FileTimeoutError) return undefined;
    // keep the path as given
  }
  const base = basename(given);
  const names = link ? [link] : [`${base}.debug`];
  for (const file of real === given ? [given] : [given, real]) {
    const dir = dirname(file);
    for (const p of entries) {
      const tryNames = (d: string, alsoBase: boolean): void => {
        for (const n of alsoBase && !link ? [...names, basename(file)] : names) candidates.push(join(d, n));
      };
      if (p === '') tryNames(dir, false);
      else if (!isAbsolute(p)) tryNames(join(dir, p), true);
      else {
        const parts = dir.split('/').filter(Boolean);
        for (let i = 0; i <= parts.length; i++) tryNames(join(p, ...parts.slice(i)), true);
      }
    }
  }
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c)) continue;
    seen.add(c);
    try {
      if (c === path || c === given || c === real || !elf.files.isFile(c)) continue;
      if (elf.files.realpath(c) === real) continue; // the file itself (FILE's own name in its directory)
      const dbg = ElfFile.open(c, elf.files);
      if (id && buildId(dbg) !== id) continue;
      return dbg;
    } catch (e) {
      if (e instanceof FileTimeoutError) return undefined; // its directory's mount hangs: so would the others there
      if (!(e instanceof ElfError)) throw e;
    }
  }
  return undefined;
}
