// Throwing wrappers over the remaining native calls: mmap/munmap, ioctl, mount, fd watching, detached mounts.
import { check, SysError } from './errors.ts';
import { native, type WatchHandle } from './native.ts';

/** mmap(2) of an fd → an ArrayBuffer over the mapping (unmapped by munmap() or, failing that, by GC). */
export function mmap(
  fd: number,
  length: number,
  prot: number,
  flags: number,
  offset: number,
  what = 'mmap',
): ArrayBuffer {
  const r = native().mmap(fd, length, prot, flags, offset);
  if (typeof r === 'number') throw new SysError(what, -r);
  return r;
}

/** Unmaps a buffer from mmap() and detaches it (its views become empty). Safe to call twice. */
export function munmap(ab: ArrayBuffer): void {
  check(native().munmap(ab), 'munmap');
}

export type { WatchHandle };

/**
 * Calls onReadable whenever fd is readable (level-triggered: it keeps firing until the fd is
 * drained). A poll error stops the watch and goes to onError (or is thrown as an uncaught
 * exception). Stop the watch before closing the fd.
 */
export function watchFd(fd: number, onReadable: () => void, onError?: (err: SysError) => void): WatchHandle {
  let handle: WatchHandle | undefined;
  const r = native().watch(fd, (status) => {
    if (status >= 0) return onReadable();
    handle?.stop();
    const err = new SysError(`poll(fd ${fd})`, -status);
    if (onError) onError(err);
    else throw err;
  });
  if (typeof r === 'number') throw new SysError(`poll(fd ${fd})`, -r);
  handle = r;
  return r;
}

/** read(2): bytes read, 0 at the end. */
export function readFd(fd: number, buffer: Uint8Array, what = 'read'): number {
  return check(native().read(fd, buffer), what);
}

const FSOPEN_CLOEXEC = 1;
const FSCONFIG_CMD_CREATE = 6;
const FSMOUNT_CLOEXEC = 1;
const ENOSYS = 38;

/**
 * A new instance of filesystem `fstype` mounted nowhere (fsopen, fsconfig, fsmount: Linux 5.2), as an fd whose
 * `/proc/self/fd/N` is its root: no other process can see it, and it goes when the fd is closed. Throws a
 * SysError (ENOSYS without the calls, EPERM without CAP_SYS_ADMIN).
 */
export function detachedMount(fstype: string): number {
  const n = native();
  if (!n.fsopen || !n.fsconfig || !n.fsmount) throw new SysError('fsopen', ENOSYS);
  const context = check(n.fsopen(fstype, FSOPEN_CLOEXEC), `fsopen(${fstype})`);
  try {
    check(n.fsconfig(context, FSCONFIG_CMD_CREATE), `fsconfig(${fstype}, FSCONFIG_CMD_CREATE)`);
    return check(n.fsmount(context, FSMOUNT_CLOEXEC, 0), `fsmount(${fstype})`);
  } finally {
    n.close(context);
  }
}
