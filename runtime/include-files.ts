// Finding and reading the headers a script #includes, for the preprocessor in lang/c (which reads no files).
// Search order as C compilers have it: "file.h" in the including file's directory first, then the -I
// directories, then the system ones; <file.h> skips the first. #include_next resumes after the directory
// the including header was found in. Headers are files root reads on a user's say-so: only regular
// files are read (a FIFO would block forever), opened non-blocking, and bounded in size.
import { closeSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IncludeResolver } from '../lang/index.ts';
import { openRegularFile, UntrustedFileError } from './safe-files.ts';

/** A header bigger than this is not a header (kernel headers are tens of kilobytes). */
export const MAX_HEADER_BYTES = 8 * 1024 * 1024;

export interface IncludeSearch {
  /** -I directories, in order */
  readonly includeDirs?: readonly string[];
  /** defaults to systemIncludeDirs() */
  readonly systemDirs?: readonly string[];
  /** the directory for "file.h" included from a text that is no file (stdin, -e, the command line); default cwd */
  readonly currentDir?: string;
}

function archTriple(): string {
  return process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
}

/**
 * gcc's own header directory (stddef.h, stdarg.h, stdbool.h), as `gcc -print-file-name=include` prints it:
 * /usr/lib/gcc/<triple>/<newest version>/include, found without running gcc. Undefined without gcc.
 */
export function gccIncludeDir(root = '/usr/lib/gcc'): string | undefined {
  const base = path.join(root, archTriple());
  let versions: string[];
  try {
    versions = readdirSync(base);
  } catch {
    return undefined;
  }
  const byVersion = versions
    .filter((v) => /^\d+(\.\d+)*$/.test(v))
    .sort((a, b) => {
      const x = a.split('.').map(Number);
      const y = b.split('.').map(Number);
      for (let i = 0; i < Math.max(x.length, y.length); i++)
        if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
      return 0;
    });
  for (const v of byVersion) {
    const dir = path.join(base, v, 'include');
    if (isDirectory(dir)) return dir;
  }
  return undefined;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

let systemDirsCache: string[] | undefined;

/** The usual system include directories that exist here, in the order gcc searches them. */
export function systemIncludeDirs(): string[] {
  if (!systemDirsCache) {
    const gcc = gccIncludeDir();
    const candidates = [...(gcc ? [gcc] : []), '/usr/local/include', `/usr/include/${archTriple()}`, '/usr/include'];
    systemDirsCache = candidates.filter(isDirectory);
  }
  return systemDirsCache;
}

/**
 * Reads a header: undefined when nothing is there, a reason when something is there that scry will not
 * read (not a regular file, too big, unreadable), else its text.
 */
export function readHeader(file: string): { text: string } | { problem: string } | undefined {
  let opened: ReturnType<typeof openRegularFile>;
  try {
    opened = openRegularFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (e instanceof UntrustedFileError) return { problem: e.message };
    if (code === 'EISDIR') return { problem: `${file} is not a regular file` };
    return { problem: `${file}: ${code ?? (e as Error).message}` };
  }
  const { fd, stats } = opened;
  try {
    if (stats.size > MAX_HEADER_BYTES)
      return { problem: `${file} is ${stats.size} bytes, more than a header may be (${MAX_HEADER_BYTES})` };
    const buf = Buffer.alloc(stats.size);
    let done = 0;
    while (done < buf.length) {
      const n = readSync(fd, buf, done, buf.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return { text: buf.subarray(0, done).toString('utf8') };
  } catch (e) {
    return { problem: `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/** A resolver for preprocess(): -I directories, then the system ones. */
export function includeResolver(search: IncludeSearch = {}): IncludeResolver {
  const includeDirs = search.includeDirs ?? [];
  const currentDir = search.currentDir ?? process.cwd();
  return (name, angled, fromFile, next) => {
    const systemDirs = search.systemDirs ?? systemIncludeDirs();
    const searchPath = [...includeDirs, ...systemDirs];
    let dirs: string[];
    if (path.isAbsolute(name)) dirs = [''];
    else if (next) {
      // continue after the directory the including header was found in (all of them if it was not)
      const from = path.resolve(path.dirname(fromFile));
      const at = searchPath.findIndex((d) => path.resolve(d) === from);
      dirs = at < 0 ? searchPath : searchPath.slice(at + 1);
    } else if (angled) dirs = searchPath;
    else dirs = [includingDir(fromFile, currentDir), ...searchPath];
    const tried: string[] = [];
    const problems: string[] = [];
    for (const dir of dirs) {
      const candidate = dir === '' ? name : path.join(dir, name);
      if (tried.includes(candidate)) continue;
      tried.push(candidate);
      const r = readHeader(candidate);
      if (!r) continue;
      if ('problem' in r) {
        problems.push(r.problem);
        continue;
      }
      return { path: candidate, text: r.text };
    }
    return problems.length > 0 ? { tried, problems } : { tried };
  };
}

/** The directory of the including file; a text that is not a file (stdin, the command line) counts as in `currentDir`. */
function includingDir(fromFile: string, currentDir: string): string {
  if (fromFile === 'stdin' || fromFile.startsWith('<') || fromFile === '') return currentDir;
  return path.resolve(currentDir, path.dirname(fromFile));
}
