// stdout and stderr as scry was given them. Node opens a pipe or socket on fd 1/2 through libuv, which sets
// O_NONBLOCK on the open file description: a flag the other processes sharing it see too, so their writes
// start failing with EAGAIN (`(scry -l | grep x) 2>&1 | slow-reader`). Here such descriptors keep their flags
// (bpftrace leaves them alone too), and are written only as far as they have room (a pipe: its size less
// what it holds; a socket: while it polls writable), so scry never blocks in write(2): the rest waits in a
// queue whose length tells the session to stop reading events (the kernel then counts them as lost) instead
// of growing without bound, and signals are served while a reader is slow. Terminals and files keep Node's
// own streams (libuv reopens a terminal; a file is written synchronously already). Imported for its effect,
// first thing: before anything touches process.stdout.
import { fstatSync, writeSync, type Stats } from 'node:fs';
import { Writable } from 'node:stream';
import { native } from '../runtime/index.ts';

const FIONREAD = 0x541b;
const F_GETPIPE_SZ = 1032;
const PAGE = 4096;
/** at exit, how long a reader that takes nothing is waited for */
const GIVE_UP_MS = 1000;
/** how often a full pipe is looked at again */
const RETRY_MS = 5;

const POLLOUT = 4;
const POLLERR = 8;
const POLLHUP = 16;
/** bytes written to a writable socket at a time */
const SOCKET_STEP = 16384;

/** A pipe whose reader has closed it reports POLLERR, a socket whose peer has, POLLHUP (asked without a wait, and without changing its flags). */
function readerGone(fd: number): boolean {
  const r = native().poll(fd, 0, 0);
  return r > 0 && (r & (POLLERR | POLLHUP)) !== 0;
}

/** At exit: queued output goes on to a reader that takes it, and is dropped for one that does not. */
export function finishStdio(): void {
  for (const s of new Set([process.stdout, process.stderr])) if (s instanceof PipeOutput) s.finish();
}

/** What the session asks of process.stdout: bytes written but not yet taken by the reader. */
export function stdoutBacklog(): number {
  const out = process.stdout as Writable & { backlog?: number };
  return out.backlog ?? out.writableLength;
}

class PipeOutput extends Writable {
  readonly fd: number;
  readonly isTTY = false as const;
  private readonly capacity: number;
  private readonly chunks: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  /** when a byte last went into the pipe, and whether the run is over (see finish) */
  private progressAt = 0;
  private finishing = false;
  private readonly inPipe = new Int32Array(1);

  /** capacity: the pipe's size, or -1 for a socket */
  constructor(fd: number, capacity: number) {
    super({ decodeStrings: true });
    this.fd = fd;
    this.capacity = capacity;
  }

  /** bytes queued here, not yet in the pipe */
  get backlog(): number {
    return this.queued;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.queued += chunk.length;
    done(this.pump());
  }

  /**
   * Moves what fits into the pipe; a full one is looked at again shortly. `failed`: the pipe's reader is gone,
   * so one byte is written even though it looks full, for the EPIPE that ends the run as it does elsewhere.
   */
  private pump(failed = false): Error | null {
    try {
      while (this.chunks.length) {
        let room = this.room();
        // into a pipe that holds something, whole pages only (see room()); what is left waits for more output or
        // for the reader to empty the pipe
        if (this.capacity >= 0 && this.inPipe[0]! > 0) room = Math.floor(Math.min(room, this.queued) / PAGE) * PAGE;
        if (room <= 0 && failed) room = 1;
        failed = false;
        if (room <= 0) break;
        const head = this.front(room);
        const n = writeSync(this.fd, head, 0, Math.min(room, head.length));
        this.queued -= n;
        this.progressAt = Date.now();
        if (n === head.length) this.chunks.shift();
        else this.chunks[0] = head.subarray(n);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return e as Error; // EAGAIN: someone left it non-blocking
    }
    if (this.finishing && this.chunks.length && Date.now() - this.progressAt > GIVE_UP_MS) {
      // the run is over and the reader has taken nothing for a while (`| (sleep 60)`): do not hang for it
      this.chunks.length = 0;
      this.queued = 0;
    }
    if (this.chunks.length) this.waitForRoom();
    return null;
  }

  /** The first queued chunk, joined with the ones after it while it is shorter than `bytes`. */
  private front(bytes: number): Buffer {
    let head = this.chunks[0]!;
    if (head.length >= bytes || this.chunks.length === 1) return head;
    let n = 0;
    let k = 0;
    while (k < this.chunks.length && n < bytes) n += this.chunks[k++]!.length;
    head = Buffer.concat(this.chunks.slice(0, k), n);
    this.chunks.splice(0, k, head);
    return head;
  }

  /** Looks again shortly: the timer keeps the process alive while output waits. */
  private waitForRoom(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const e = this.pump(readerGone(this.fd));
      if (e) this.destroy(e);
    }, RETRY_MS);
  }

  /**
   * The run is over: what is queued still goes out while the reader takes it, but once it has taken nothing for
   * GIVE_UP_MS the rest is dropped, so that scry exits.
   */
  finish(): void {
    this.finishing = true;
    this.progressAt = Math.max(this.progressAt, Date.now());
    this.pump();
  }

  /**
   * Bytes a write may put in the pipe now without waiting. The pipe is a ring of page slots, and a write whose
   * length is no multiple of a page leaves a slot part-empty: the next write joins it only when its odd part
   * fits, else it takes new slots (sixteen 2,100-byte writes fill a 64 KB pipe that holds 33,600 bytes). So
   * the bytes held tell the slots taken only when every write but the one into an empty pipe is whole pages
   * (pump() writes so): then the pages held, the reader's part-read page and that one part-filled page.
   * (Everything, when the kernel will not say.)
   */
  private room(): number {
    // a socket (Node's own 'pipe' stdio is a socketpair) says only whether it is writable: then at least half
    // its send buffer is free, far more than SOCKET_STEP
    if (this.capacity < 0) return native().poll(this.fd, POLLOUT, 0) & POLLOUT ? SOCKET_STEP : 0;
    if (native().ioctl(this.fd, FIONREAD, this.inPipe) < 0) {
      this.inPipe[0] = 0;
      return this.capacity;
    }
    const held = this.inPipe[0]!;
    const taken = held === 0 ? 0 : Math.ceil(held / PAGE) + 1;
    return (Math.floor(this.capacity / PAGE) - taken) * PAGE;
  }
}

/** A pipe or socket on `fd` (where Node would set O_NONBLOCK) as a PipeOutput. */
function ownStream(fd: number, stat: Stats): Writable {
  return new PipeOutput(fd, stat.isFIFO() ? Math.max(native().fcntl(fd, F_GETPIPE_SZ, 0), PAGE) : -1);
}

function pipeOrSocket(fd: number): Stats | undefined {
  try {
    const stat = fstatSync(fd);
    // (a terminal is a character device, never one of these: no isatty(), whose node:tty loads node:net, ~2 ms)
    return stat.isFIFO() || stat.isSocket() ? stat : undefined;
  } catch {
    return undefined; // closed: let Node do what it does
  }
}

const out = pipeOrSocket(1);
const err = pipeOrSocket(2);
const stdout = out && ownStream(1, out);
// `2>&1` into one pipe: one queue, so stdout and stderr stay in the order they were written
const stderr = err && (stdout && out!.ino === err.ino && out!.dev === err.dev ? stdout : ownStream(2, err));
if (stdout)
  Object.defineProperty(process, 'stdout', { value: stdout, configurable: true, enumerable: true, writable: false });
if (stderr)
  Object.defineProperty(process, 'stderr', { value: stderr, configurable: true, enumerable: true, writable: false });
