// Separate debug files (Debian's *-dbg / -dbgsym packages): a stripped library keeps only .dynsym, while
// its debug file under /usr/lib/debug has the full .symtab (static functions like __libc_start_call_main)
// at the same addresses. Found by build ID first, then by .gnu_debuglink, as gdb and bpftrace look.
import { dirname, join } from 'node:path';
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

/**
 * The debug file for an ELF file at `path`, opened, or undefined. Its candidates are looked at and read as
 * the ELF file was (elf.files: bounded in time for a traced process's files). Candidates: /usr/lib/debug/.build-id/ab/cdef….debug,
 * then the debuglink name next to the file, in its .debug/ directory and under /usr/lib/debug/<its directory>.
 * A candidate with a different build ID is skipped.
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
  const candidates: string[] = [];
  if (id && id.length > 2) candidates.push(join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  if (link) {
    let dir = dirname(path);
    try {
      dir = dirname(elf.files.realpath(path));
    } catch (e) {
      if (e instanceof FileTimeoutError) return undefined;
      // keep the path as given
    }
    candidates.push(join(dir, link), join(dir, '.debug', link), join(root, dir, link));
  }
  for (const c of candidates) {
    try {
      if (c === path || !elf.files.isFile(c)) continue;
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
