// Node-style errors for raw syscall results: the native layer returns -errno, these turn it into
// `SysError { syscall, errno, code }` with a message like `bpf(BPF_PROG_LOAD): EACCES (Permission denied)`.
import { getSystemErrorMap } from 'node:util';

let names: Map<number, string> | undefined;
/** errno → name, built when a first error is named (not at start-up) */
function errnoNames(): Map<number, string> {
  if (names) return names;
  names = new Map();
  // Prefer the kernel's own spelling where Node knows two names for one number.
  const preferred = new Set(['EAGAIN', 'EOPNOTSUPP', 'EDEADLK']);
  // node:os only now: loading it is ~0.6 ms of every start
  const { constants } = process.getBuiltinModule('node:os') as typeof import('node:os');
  for (const [name, n] of Object.entries(constants.errno)) if (!names.has(n) || preferred.has(name)) names.set(n, name);
  return names;
}
// Kernel-internal codes that leak out of bpf(2) and that libc does not name.
const kernelOnly: Record<number, [string, string]> = {
  512: ['ERESTARTSYS', 'Restart system call'],
  524: ['ENOTSUPP', 'Operation is not supported'],
};

/**
 * strerror(3)'s text for errno 1..133 (glibc on Linux, whose numbers x86-64 and arm64 share), by number: what
 * bpftrace prints for strerror() and helper errors. Holes (41, 58) are numbers Linux does not use.
 */
const glibcMessages: readonly (string | undefined)[] = [
  undefined,
  'Operation not permitted',
  'No such file or directory',
  'No such process',
  'Interrupted system call',
  'Input/output error',
  'No such device or address',
  'Argument list too long',
  'Exec format error',
  'Bad file descriptor',
  'No child processes',
  'Resource temporarily unavailable',
  'Cannot allocate memory',
  'Permission denied',
  'Bad address',
  'Block device required',
  'Device or resource busy',
  'File exists',
  'Invalid cross-device link',
  'No such device',
  'Not a directory',
  'Is a directory',
  'Invalid argument',
  'Too many open files in system',
  'Too many open files',
  'Inappropriate ioctl for device',
  'Text file busy',
  'File too large',
  'No space left on device',
  'Illegal seek',
  'Read-only file system',
  'Too many links',
  'Broken pipe',
  'Numerical argument out of domain',
  'Numerical result out of range',
  'Resource deadlock avoided',
  'File name too long',
  'No locks available',
  'Function not implemented',
  'Directory not empty',
  'Too many levels of symbolic links',
  undefined,
  'No message of desired type',
  'Identifier removed',
  'Channel number out of range',
  'Level 2 not synchronized',
  'Level 3 halted',
  'Level 3 reset',
  'Link number out of range',
  'Protocol driver not attached',
  'No CSI structure available',
  'Level 2 halted',
  'Invalid exchange',
  'Invalid request descriptor',
  'Exchange full',
  'No anode',
  'Invalid request code',
  'Invalid slot',
  undefined,
  'Bad font file format',
  'Device not a stream',
  'No data available',
  'Timer expired',
  'Out of streams resources',
  'Machine is not on the network',
  'Package not installed',
  'Object is remote',
  'Link has been severed',
  'Advertise error',
  'Srmount error',
  'Communication error on send',
  'Protocol error',
  'Multihop attempted',
  'RFS specific error',
  'Bad message',
  'Value too large for defined data type',
  'Name not unique on network',
  'File descriptor in bad state',
  'Remote address changed',
  'Can not access a needed shared library',
  'Accessing a corrupted shared library',
  '.lib section in a.out corrupted',
  'Attempting to link in too many shared libraries',
  'Cannot exec a shared library directly',
  'Invalid or incomplete multibyte or wide character',
  'Interrupted system call should be restarted',
  'Streams pipe error',
  'Too many users',
  'Socket operation on non-socket',
  'Destination address required',
  'Message too long',
  'Protocol wrong type for socket',
  'Protocol not available',
  'Protocol not supported',
  'Socket type not supported',
  'Operation not supported',
  'Protocol family not supported',
  'Address family not supported by protocol',
  'Address already in use',
  'Cannot assign requested address',
  'Network is down',
  'Network is unreachable',
  'Network dropped connection on reset',
  'Software caused connection abort',
  'Connection reset by peer',
  'No buffer space available',
  'Transport endpoint is already connected',
  'Transport endpoint is not connected',
  'Cannot send after transport endpoint shutdown',
  'Too many references: cannot splice',
  'Connection timed out',
  'Connection refused',
  'Host is down',
  'No route to host',
  'Operation already in progress',
  'Operation now in progress',
  'Stale file handle',
  'Structure needs cleaning',
  'Not a XENIX named type file',
  'No XENIX semaphores available',
  'Is a named type file',
  'Remote I/O error',
  'Disk quota exceeded',
  'No medium found',
  'Wrong medium type',
  'Operation canceled',
  'Required key not available',
  'Key has expired',
  'Key has been revoked',
  'Key was rejected by service',
  'Owner died',
  'State not recoverable',
  'Operation not possible due to RF-kill',
  'Memory page has hardware error',
];

/** 'EPERM' for 1 (or -1); 'E<n>' when unknown. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return kernelOnly[n]?.[0] ?? errnoNames().get(n) ?? `E${n}`;
}

export function errnoMessage(errno: number): string {
  const n = Math.abs(errno);
  const known = kernelOnly[n]?.[1] ?? glibcMessages[n];
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
