// Node-style errors for raw syscall results: the native layer returns -errno, these turn it into
// `SysError { syscall, errno, code }` with a message like `bpf(BPF_PROG_LOAD): EACCES (Permission denied)`.
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

let names: Map<number, string> | undefined;
/** errno → name, built when a first error is named (not at start-up) */
function errnoNames(): Map<number, string> {
  if (names) return names;
  names = new Map();
  // Prefer the kernel's own spelling where Node knows two names for one number.
  const preferred = new Set(['EAGAIN', 'EOPNOTSUPP', 'EDEADLK']);
  for (const [name, n] of Object.entries(constants.errno)) if (!names.has(n) || preferred.has(name)) names.set(n, name);
  return names;
}
// Kernel-internal codes that leak out of bpf(2) and that libc does not name.
const kernelOnly: Record<number, [string, string]> = {
  512: ['ERESTARTSYS', 'Restart system call'],
  524: ['ENOTSUPP', 'Operation is not supported'],
};

// glibc wording for the errors bpf/perf callers actually meet; everything else comes from libuv.
const messages: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ENOTTY: 'Inappropriate ioctl for device',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ERANGE: 'Numerical result out of range',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ELOOP: 'Too many levels of symbolic links',
  ENODATA: 'No data available',
  EOVERFLOW: 'Value too large for defined data type',
  EOPNOTSUPP: 'Operation not supported',
  ENOTSUP: 'Operation not supported',
  EBADFD: 'File descriptor in bad state',
};

/** 'EPERM' for 1 (or -1); 'E<n>' when unknown. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return kernelOnly[n]?.[0] ?? errnoNames().get(n) ?? `E${n}`;
}

export function errnoMessage(errno: number): string {
  const n = Math.abs(errno);
  const name = errnoName(n);
  const known = kernelOnly[n]?.[1] ?? messages[name];
  if (known) return known;
  const uv = getSystemErrorMap().get(-n)?.[1];
  return uv ? uv[0]!.toUpperCase() + uv.slice(1) : `Unknown error ${n}`;
}

export class SysError extends Error {
  override name = 'SysError';
  /** What was called, e.g. 'bpf(BPF_MAP_CREATE)'. */
  readonly syscall: string;
  /** Positive errno. */
  readonly errno: number;
  /** e.g. 'EPERM'. */
  readonly code: string;
  /** Verifier output, when a program load with a log buffer failed. */
  declare verifierLog?: string;

  constructor(syscall: string, errno: number, options?: ErrorOptions) {
    const n = Math.abs(errno);
    super(`${syscall}: ${errnoName(n)} (${errnoMessage(n)})`, options);
    this.syscall = syscall;
    this.errno = n;
    this.code = errnoName(n);
  }
}

/** Returns a non-negative syscall result, or throws SysError for -errno. */
export function check(ret: number, syscall: string): number {
  if (ret < 0) throw new SysError(syscall, -ret);
  return ret;
}

/** True when err is a SysError with one of the given codes. */
export function isSysError(err: unknown, ...codes: string[]): err is SysError {
  return err instanceof SysError && (codes.length === 0 || codes.includes(err.code));
}
