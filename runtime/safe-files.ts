// Files that root's scry opens in places another user may control.
// - Symbol sources (a traced process's binary and libraries, their debug files) belong to whoever runs the
//   process: one may be a FIFO, a device or a socket where a binary was (open() would wait for a writer,
//   forever). They are opened non-blocking and used only when they are regular files.
// - The --info cache and the REPL's history live under $XDG_CACHE_HOME and $HOME, which `sudo -E` leaves
//   pointing at a user's directory: a symbolic link planted there would make root write wherever it points,
//   a planted file would feed root's terminal. They are created with O_EXCL|O_NOFOLLOW and read or appended
//   to only when this user owns them, they have one name and nobody else may write them.
// Files inside a directory are named through /proc/self/fd/<dir fd>/<name>: the directory that was checked
// is the one used, even if its path is renamed or replaced meanwhile (openat() without a binding for it).
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY, O_DIRECTORY } = constants;

/** A file or directory scry will not use; `message` says why in words (`… is a symbolic link`). */
export class UntrustedFileError extends Error {
  override name = 'UntrustedFileError';
  readonly code = 'EUNTRUSTED';
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`${path} ${why}`);
  }
}

/** The effective uid: the user scry acts as (root under sudo, whatever HOME says). */
function effectiveUid(): number {
  return process.geteuid?.() ?? process.getuid?.() ?? 0;
}

/**
 * Opens a file for reading without waiting on it: a FIFO, device or socket is refused (UntrustedFileError)
 * before it is opened where possible (opening a device can do things), and again after (the name may have
 * been swapped in between). The descriptor is the caller's to close.
 */
export function openRegularFile(path: string): { fd: number; stats: Stats } {
  if (!statSync(path).isFile()) throw new UntrustedFileError(path, 'is not a regular file');
  const fd = openSync(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UntrustedFileError(path, 'is not a regular file');
    return { fd, stats };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** A regular file opened for reading by a FileReader. */
export interface RegularFile {
  readonly size: number;
  /** the file's device and inode numbers (fstat) */
  readonly dev: number;
  readonly ino: number;
  /** `length` bytes at `position`, fewer only at the end of the file */
  read(position: number, length: number): Buffer;
  close(): void;
}

/**
 * How files are opened and read: here, in this thread (localFiles), or bounded in time in another process
 * (runtime/bounded-io.ts: for files a traced process's owner controls, which may sit on a hung mount).
 */
export interface FileReader {
  /** openRegularFile: regular files only, opened non-blocking */
  open(path: string): RegularFile;
  /** realpath(3); throws when the path does not resolve */
  realpath(path: string): string;
  /** whether the path leads to a regular file (false when it leads nowhere) */
  isFile(path: string): boolean;
}

/** Reads `length` bytes at `position` of an open file, fewer only at its end. */
export function readAt(fd: number, position: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/** Files read in this thread, waiting as long as they take. */
export const localFiles: FileReader = {
  open(path) {
    const { fd, stats } = openRegularFile(path);
    return {
      size: stats.size,
      dev: stats.dev,
      ino: stats.ino,
      read: (position, length) => readAt(fd, position, length),
      close: () => closeSync(fd),
    };
  },
  realpath: (path) => realpathSync(path),
  isFile(path) {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
};

/** An open directory and the path it was opened by (for messages). */
export interface OpenDir {
  readonly fd: number;
  readonly path: string;
}

/**
 * Opens a directory to keep files in. `private`: created (with parents, mode 0700) when missing, its last
 * component must not be a symbolic link, and it must be this user's and writable by nobody else (a cache).
 * Otherwise any directory will do (a home directory may be a link, and is its owner's): the files in it are
 * checked instead.
 */
export function openDir(path: string, opts: { private: boolean }): OpenDir {
  if (opts.private) mkdirSync(path, { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | (opts.private ? O_NOFOLLOW : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (opts.private && (code === 'ELOOP' || code === 'ENOTDIR'))
      throw new UntrustedFileError(path, 'is not a directory (a symbolic link?)');
    throw e;
  }
  if (opts.private) {
    try {
      checkOwned(fstatSync(fd), path, 'directory');
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }
  return { fd, path };
}

export function closeDir(dir: OpenDir): void {
  closeSync(dir.fd);
}

function inDir(dir: OpenDir, name: string): string {
  if (!name || name.includes('/') || name === '.' || name === '..') throw new Error(`not a file name: ${name}`);
  return `/proc/self/fd/${dir.fd}/${name}`;
}

function shown(dir: OpenDir, name: string): string {
  return dir.path.endsWith('/') ? `${dir.path}${name}` : `${dir.path}/${name}`;
}

/** Ours to trust: this user's, one name only (a hard link to another file is not ours to write), written only by us. */
function checkOwned(st: Stats, path: string, kind: 'file' | 'directory'): void {
  if (kind === 'file' && !st.isFile()) throw new UntrustedFileError(path, 'is not a regular file');
  if (kind === 'directory' && !st.isDirectory()) throw new UntrustedFileError(path, 'is not a directory');
  const uid = effectiveUid();
  if (st.uid !== uid) throw new UntrustedFileError(path, `belongs to uid ${st.uid}, not to this user (uid ${uid})`);
  if (st.mode & 0o022) throw new UntrustedFileError(path, 'may be written by other users');
  if (kind === 'file' && st.nlink !== 1) throw new UntrustedFileError(path, 'has other names (hard links)');
}

function openOwned(dir: OpenDir, name: string, flags: number): { fd: number; stats: Stats } {
  const path = shown(dir, name);
  let fd: number;
  try {
    fd = openSync(inDir(dir, name), flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new UntrustedFileError(path, 'is a symbolic link');
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') throw new UntrustedFileError(path, 'is not a regular file');
    throw e;
  }
  try {
    const stats = fstatSync(fd);
    checkOwned(stats, path, 'file');
    return { fd, stats };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * The last `maxBytes` of a file of ours in `dir` (`cut` says whether there was more before them), or
 * undefined when there is no such file. UntrustedFileError when the name is not a file of ours.
 */
export function readOwnFile(dir: OpenDir, name: string, maxBytes: number): { data: Buffer; cut: boolean } | undefined {
  let opened: { fd: number; stats: Stats };
  try {
    opened = openOwned(dir, name, O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const { fd, stats } = opened;
  try {
    const from = Math.max(0, stats.size - maxBytes);
    const data = Buffer.alloc(Math.min(stats.size, maxBytes));
    let done = 0;
    while (done < data.length) {
      const n = readSync(fd, data, done, data.length - done, from + done);
      if (n === 0) break;
      done += n;
    }
    return { data: data.subarray(0, done), cut: from > 0 };
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces a file in `dir` with `data`: written to a new file (O_EXCL, mode 0600) and renamed over the old
 * name, so whatever was planted there, link or not, is replaced and never written through.
 */
export function replaceOwnFile(dir: OpenDir, name: string, data: string | Uint8Array): void {
  const tmp = `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(inDir(dir, tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o600);
  try {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
    } finally {
      closeSync(fd);
    }
    renameSync(inDir(dir, tmp), inDir(dir, name));
  } catch (e) {
    try {
      unlinkSync(inDir(dir, tmp));
    } catch {
      // already renamed, or gone
    }
    throw e;
  }
}

/**
 * Opens a file of ours in `dir` for appending, creating it (mode 0600) when missing. The descriptor is the
 * caller's to close. UntrustedFileError when the name is a link, not a regular file, or not ours.
 */
export function appendOwnFile(dir: OpenDir, name: string): number {
  return openOwned(dir, name, O_WRONLY | O_APPEND | O_CREAT).fd;
}
