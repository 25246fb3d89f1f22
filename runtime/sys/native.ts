// Loads the native addon (build/Release/scry_native.node) once. The code runs both from source
// (runtime/sys/native.ts) and from the bundle (dist/scry.mjs), so the addon is found by walking up
// from this module's directory. SCRY_NATIVE may name the .node file explicitly.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where bin/scry.cjs leaves the addon it has loaded already (it maps the bundle with it). */
const LAUNCHER_ADDON = Symbol.for('scry.native');

/** Loads the addon at `path` (node:module, which does it, is ~1 ms of a start: the launcher's copy is used when it has one). */
function loadAddon(path: string): NativeBinding {
  const launched = (globalThis as Record<symbol, unknown>)[LAUNCHER_ADDON] as
    { path: string; addon: NativeBinding } | undefined;
  if (launched && launched.path === path) return launched.addon;
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  return createRequire(import.meta.url)(path) as NativeBinding;
}

/** [byte offset inside the attr struct, buffer whose address is stored there as a u64]. */
/** Where to write a buffer's address: attr[offset], or into[offset] for a pointer inside a struct attr points to. */
export type PtrFixup =
  | readonly [offset: number, buffer: ArrayBufferView]
  | readonly [offset: number, buffer: ArrayBufferView, into: ArrayBufferView];

export interface WatchHandle {
  /** Stops polling and closes the uv handle. Idempotent. */
  stop(): void;
  /** Keep the event loop alive while polling (default). */
  ref(): void;
  /** Let the process exit even though the poll is active. */
  unref(): void;
}

/** Raw syscalls. Every function returns the result or -errno; only misuse (bad argument types) throws. */
export interface NativeBinding {
  bpf(cmd: number, attr: Uint8Array, ptrs?: readonly PtrFixup[]): number;
  perfEventOpen(
    attr: Uint8Array,
    pid: number,
    cpu: number,
    groupFd: number,
    flags: number,
    ptrs?: readonly PtrFixup[],
  ): number;
  /** arg: an integer passed as is, or a buffer whose address is passed. */
  ioctl(fd: number, request: number, arg: number | ArrayBufferView): number;
  close(fd: number): number;
  /** _exit(2) (absent from an addon built before it was added) */
  exitNow?(code: number): never;
  /** membarrier(2): 0 or -errno (absent from an addon built before it was added) */
  membarrier?(cmd: number, flags: number): number;
  /** clock_gettime(2) of clock `clockId` in nanoseconds, or -errno (absent from an addon built before it was added) */
  clockNs?(clockId: number): bigint | number;
  /** read(2) into the buffer: bytes read, 0 at the end, or -errno. */
  read(fd: number, buffer: ArrayBufferView): number;
  /** sysconf(_SC_PAGESIZE) (absent from an addon built before it was added) */
  readonly pageSize?: number;
  /** An external ArrayBuffer over the mapping, or -errno. */
  mmap(fd: number, length: number, prot: number, flags: number, offset: number): ArrayBuffer | number;
  /** Unmaps and detaches an ArrayBuffer returned by mmap. 0 if already unmapped, -EINVAL if not a mapping. */
  munmap(ab: ArrayBuffer): number;
  /** The file's first `length` bytes as a string over a read-only mapping (bin/scry.cjs reads the bundle so), or -errno. */
  mapLatin1(fd: number, length: number): string | number;
  mount(source: string, target: string, fstype: string, flags: number, data: string | null): number;
  /** fsopen(2) (Linux 5.2): a filesystem context's fd, or -errno (absent from an addon built before it was added) */
  fsopen?(fsname: string, flags: number): number;
  /** fsconfig(2) with a command that takes no key or value (FSCONFIG_CMD_CREATE): 0 or -errno */
  fsconfig?(fd: number, cmd: number): number;
  /** fsmount(2): a mount attached nowhere, as an fd, or -errno */
  fsmount?(fd: number, flags: number, attrFlags: number): number;
  /** write(2) of the buffer: bytes written or -errno. */
  write(fd: number, buffer: ArrayBufferView): number;
  /** fcntl(2) with an integer argument. */
  fcntl(fd: number, cmd: number, arg: number): number;
  /** poll(2) on one fd: its revents (POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16), 0 on timeout, or -errno. */
  poll(fd: number, events: number, timeoutMs: number): number;
  /** pidfd_open(2) (Linux 5.3): an fd that becomes readable when the process exits. */
  pidfdOpen(pid: number): number;
  /** waitpid(2): the pid reaped (0 under WNOHANG when none), its wait status in status[0]; or -errno. */
  waitpid(pid: number, options: number, status: Int32Array): number;
  /**
   * Forks a child held before execve(path, argv, envp) until 8 bytes are written to `gate` (an eventfd), with
   * stdio and `inheritedFds` no longer close-on-exec;
   * an execve failure's errno arrives on `result` (a pipe that closes at a successful execve). Or -errno.
   */
  spawnHeld(
    path: string,
    argv: readonly string[],
    envp: readonly string[],
    inheritedFds: readonly number[],
  ): [pid: number, gate: number, result: number] | number;
  /** Calls callback(status) whenever fd is readable (status < 0: poll error, -errno). Returns -errno on failure. */
  watch(fd: number, callback: (status: number) => void): WatchHandle | number;
}

const ADDON = join('build', 'Release', 'scry_native.node');

function locate(): string {
  const explicit = process.env['SCRY_NATIVE'];
  if (explicit) return resolve(explicit);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `scry: native addon ${ADDON} not found above ${dirname(fileURLToPath(import.meta.url))}; build it with \`npm run install\` (node-gyp rebuild)`,
  );
}

let binding: NativeBinding | undefined;

/** The addon if something has loaded it already, without loading it. */
export function loadedNative(): NativeBinding | undefined {
  return binding;
}

export function native(): NativeBinding {
  if (binding === undefined) {
    const path = locate();
    try {
      binding = loadAddon(path);
    } catch (cause) {
      const named = process.env['SCRY_NATIVE'] ? ' (SCRY_NATIVE names it: unset it or fix the path)' : '';
      throw new Error(`scry: cannot load native addon ${path}${named}; rebuild it with \`npm run install\``, {
        cause,
      });
    }
  }
  return binding;
}
