// File descriptors owned by scry: closed exactly once, so teardown can close in reverse order
// without tracking which steps already ran.
import { readdirSync } from 'node:fs';
import { check } from './errors.ts';
import { native } from './native.ts';

export class OwnedFd {
  #fd: number;
  /** What the fd is, for debugging ('map counts', 'prog tp_sched', …). */
  readonly label: string;

  constructor(fd: number, label = '') {
    this.#fd = fd;
    this.label = label;
  }

  /** The fd number; throws once closed so a stale number is never reused by mistake. */
  get fd(): number {
    if (this.#fd < 0) throw new Error(`${this.label || 'fd'}: used after close`);
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Idempotent. Close errors are ignored: Linux releases the fd even when close(2) fails. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    native().close(fd);
  }
}

/** close(2) that throws SysError (EBADF on a closed fd). */
export function closeFd(fd: number): void {
  check(native().close(fd), 'close');
}

/** Number of fds this process has open (for leak checks in tests). */
export function openFdCount(): number {
  // readdirSync opens the directory itself; that fd is closed again before it returns, and
  // /proc lists it while reading, so subtract it.
  return readdirSync('/proc/self/fd').length - 1;
}
