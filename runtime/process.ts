// Processes a run depends on: the -c command, started held until every probe is attached, and a -p
// process, whose exit ends the run (bpftrace stops when the traced process is gone).
import { accessSync, constants, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { check, isSysError, native, SysError, watchFd, type WatchHandle } from './sys/index.ts';

const WNOHANG = 1;

/**
 * Names this process in the kernel (its comm: what ps and top show, and what a probe's `comm` reads in BEGIN,
 * iterators and scry's own syscalls), as bpftrace's is `bpftrace`: `comm != "scry"` leaves the tracer out, where
 * `node` would name every Node.js program. The command line is left as it is.
 */
export function nameThisProcess(name: string): void {
  try {
    writeFileSync('/proc/self/comm', name);
  } catch {
    // no procfs: the name stays node
  }
}

export interface HeldCommand {
  /** the command's pid (`cpid`): it is already the command's, nothing runs in between */
  readonly pid: number;
  /**
   * Lets the command run: one 8-byte eventfd write, as bpftrace's child gets. Resolves once the command has
   * been exec'd; rejects (a SysError naming execve) when it could not be.
   */
  release(): Promise<void>;
  /** SIGTERM to a command still running (bpftrace's treatment at the end of a run); never waits for it. */
  terminate(): void;
  /** resolves when the command has exited (and was reaped) */
  readonly exited: Promise<void>;
}

/**
 * Forks the command held before its execve. Its descriptors are exactly this process's (the gate and the
 * result pipe are close-on-exec), its signals are at their defaults, and it gets SIGTERM if scry dies.
 * `argv[0]` is looked up in PATH when it has no slash; a missing or non-executable file is an Error with a
 * sentence for the user.
 */
export function startHeld(argv: readonly string[]): HeldCommand {
  const path = resolveExecutable(argv[0]!);
  const env = Object.entries(process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  const r = native().spawnHeld(path, argv, env, inherited ?? []);
  if (typeof r === 'number') throw new SysError('fork', -r);
  const [pid, gate, result] = r;
  let watch: WatchHandle | undefined;
  let pidfd = -1;
  let reaped = false;
  let resolveExited!: () => void;
  const exited = new Promise<void>((resolve) => (resolveExited = resolve));
  const reap = () => {
    const status = new Int32Array(1);
    if (reaped || native().waitpid(pid, WNOHANG, status) === 0) return;
    reaped = true;
    watch?.stop();
    native().close(pidfd);
    resolveExited();
  };
  try {
    pidfd = check(native().pidfdOpen(pid), 'pidfd_open');
    watch = watchFd(pidfd, reap);
  } catch (e) {
    process.kill(pid, 'SIGKILL');
    native().close(gate);
    native().close(result);
    throw e;
  }
  let released = false;
  let execWatch: WatchHandle | undefined;
  return {
    pid,
    exited,
    release() {
      if (released) return Promise.resolve();
      released = true;
      const w = native().write(gate, new BigUint64Array([1n]));
      native().close(gate);
      if (w < 0) {
        native().close(result);
        return Promise.reject(new SysError('write(eventfd)', -w));
      }
      // Not waited for here: scry goes back to reading events while the command starts, so that its first
      // events print as early as they can.
      return new Promise<void>((resolve, reject) => {
        const errno = new Int32Array(1);
        execWatch = watchFd(result, () => {
          const n = native().read(result, errno); // 0: execve closed the pipe; 4: its errno
          execWatch?.stop();
          execWatch = undefined;
          native().close(result);
          if (n === 4) reject(new SysError(`execve(${path})`, errno[0]!));
          else resolve();
        });
      });
    },
    terminate() {
      if (execWatch) {
        // still waiting to hear how execve went: stop (a watch armed at exit would call into a torn-down Node)
        execWatch.stop();
        execWatch = undefined;
        native().close(result);
      }
      if (!released) {
        native().close(gate); // an eventfd has no end-of-file: the held child waits until SIGTERM below
        native().close(result);
        released = true;
      }
      if (!reaped) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {}
        // No more watching (a watch still armed at process exit would call into a torn-down Node): once scry
        // exits the kernel reparents the command, and init reaps it.
        reaped = true;
        watch?.stop();
        native().close(pidfd);
      }
    },
  };
}

let inherited: number[] | undefined;

/**
 * Notes the descriptors above 2 this process was given, for the -c command to get them too: Node marks some of
 * them close-on-exec while it starts (seen: 3 to 19). Call before scry opens anything of its own; what Node
 * itself holds by then (epoll, eventfds, and pipes it holds both ends of) is left out.
 */
export function noteInheritedDescriptors(): void {
  const links = new Map<number, string>();
  try {
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd <= 2) continue;
      try {
        links.set(fd, readlinkSync(`/proc/self/fd/${name}`));
      } catch {} // the directory's own fd, closed by now
    }
  } catch {
    return; // no /proc: stdio only
  }
  const seen = new Map<string, number>();
  for (const l of links.values()) seen.set(l, (seen.get(l) ?? 0) + 1);
  inherited = [...links]
    .filter(([, l]) => !l.startsWith('anon_inode:') && !(l.startsWith('pipe:') && seen.get(l)! > 1))
    .map(([fd]) => fd);
}

/** The file execve will run: `name` itself when it has a slash, else the first executable match in PATH. */
function resolveExecutable(name: string): string {
  const candidates = name.includes('/')
    ? [name]
    : (process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).map((d) => join(d || '.', name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {}
  }
  throw new Error(
    name.includes('/')
      ? `${name} does not exist or is not executable`
      : `${name} was not found in PATH (or is not executable)`,
  );
}

/**
 * Calls onExit once when process `pid` (any process, not only a child) has exited. Returns a function that
 * stops watching. Linux 5.3 (pidfd_open).
 */
export function watchProcessExit(pid: number, onExit: () => void): () => void {
  let pidfd: number;
  try {
    pidfd = check(native().pidfdOpen(pid), `pidfd_open(${pid})`);
  } catch (e) {
    // it exited while scry was starting (after -p was checked): that is its exit
    if (!isSysError(e, 'ESRCH')) throw e;
    queueMicrotask(onExit);
    return () => {};
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    watch.stop();
    native().close(pidfd);
  };
  const watch = watchFd(pidfd, () => {
    stop();
    onExit();
  });
  watch.unref(); // following a process never keeps scry alive by itself
  return stop;
}
