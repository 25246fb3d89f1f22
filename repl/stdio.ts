// stdout and stderr as scry was given them, written without Node's streams: loading node:stream (and the
// stdout stream Node builds on it) is ~6 ms of every start, for output that is either synchronous already (a
// file, a terminal, /dev/null: Node writes those with write(2) too) or better served here (a pipe, below).
// Node opens a pipe or socket on fd 1/2 through libuv, which sets O_NONBLOCK on the open file description: a
// flag the other processes sharing it see too, so their writes start failing with EAGAIN (`(scry -l | grep x)
// 2>&1 | slow-reader`). Here such descriptors keep their flags (bpftrace leaves them alone too), and are written
// only as far as they have room (a pipe: its size less what it holds; a socket: while it polls writable), so
// scry never blocks in write(2): the rest waits in a queue whose length tells the session to stop reading
// events (the kernel then counts them as lost) instead of growing without bound, and signals are served while
// a reader is slow. What else touches process.stdout or process.stderr (the REPL, the live view, a warning
// from Node) gets Node's own stream for a terminal or a file, and for a pipe a stream over the same queue, so
// that output stays in order. Imported for its effect, first thing: before anything touches process.stdout.
import { fstatSync, writeSync, type Stats } from 'node:fs';
import type { Writable } from 'node:stream';
import { textBytes } from '../lang/index.ts';
import { native } from '../runtime/index.ts';

/** Where scry's own output goes: write() never blocks on a pipe and never throws for a reader that left. */
export interface Output {
  readonly fd: number;
  readonly isTTY: boolean;
  write(chunk: string | Uint8Array): void;
  /** bytes written but not yet taken by the reader (only a pipe or socket holds any) */
  readonly backlog: number;
}

const FIONREAD = 0x541b;
const TCGETS = 0x5401;
const F_GETPIPE_SZ = 1032;
const PAGE = 4096;
/** once a stopping signal has come, how long a reader that takes nothing is waited for at exit */
const GIVE_UP_MS = 1000;
/** how often a full pipe is looked at again */
const RETRY_MS = 5;

const POLLOUT = 4;
const POLLERR = 8;
const POLLHUP = 16;
/** bytes written to a writable socket at a time */
const SOCKET_STEP = 16384;

/**
 * A write that failed: a reader that has gone (EPIPE) ends the run quietly, as it does for other Unix tools
 * (`scry … | head`); anything else (a full disk under `> file`) ends it with the reason. The kernel releases
 * every BPF object with the process.
 */
function writeFailed(fd: number, e: NodeJS.ErrnoException): never {
  if (e.code === 'EPIPE') process.exit(0);
  if (fd !== 2)
    try {
      writeSync(2, `scry: cannot write to ${fd === 1 ? 'stdout' : `fd ${fd}`}: ${e.message}\n`);
    } catch {}
  process.exit(1);
}

/** A pipe whose reader has closed it reports POLLERR, a socket whose peer has, POLLHUP (asked without a wait, and without changing its flags). */
function readerGone(fd: number): boolean {
  const r = native().poll(fd, 0, 0);
  return r > 0 && (r & (POLLERR | POLLHUP)) !== 0;
}

/** Text as its bytes: UTF-8, and a byte the kernel or a script's literal gave that is not UTF-8 as itself (lang/byte-text.ts). */
const utf8 = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? textBytes(chunk) : chunk);

/**
 * A file, a terminal or a device: written at once with write(2), as Node's streams for them do. A descriptor
 * another process left O_NONBLOCK (a terminal) is waited on until it takes the bytes. (A stdout closed at start,
 * `>&-`, is /dev/null by now: Node opens it there so that no later file takes fd 1.)
 */
class DirectOutput implements Output {
  readonly backlog = 0;
  constructor(
    readonly fd: number,
    readonly isTTY: boolean,
  ) {}

  write(chunk: string | Uint8Array): void {
    const buf = utf8(chunk);
    for (let off = 0; off < buf.length;) {
      try {
        off += writeSync(this.fd, buf, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') native().poll(this.fd, POLLOUT, -1);
        else if (code === 'EBADF') return;
        else writeFailed(this.fd, e as NodeJS.ErrnoException);
      }
    }
  }
}

class PipeOutput implements Output {
  readonly isTTY = false;
  private readonly chunks: Uint8Array[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  /** when a byte last went into the pipe, whether the run is over (see finish), and whether a stopping signal came */
  private progressAt = 0;
  private finishing = false;
  private givingUp = false;
  private readonly inPipe = new Int32Array(1);

  /** capacity: the pipe's size, or -1 for a socket */
  constructor(
    readonly fd: number,
    private readonly capacity: number,
  ) {}

  /** bytes queued here, not yet in the pipe */
  get backlog(): number {
    return this.queued;
  }

  write(chunk: string | Uint8Array): void {
    if (chunk.length === 0) return;
    // the caller may reuse its bytes once this returns (the session's printf chunks): the queue keeps a copy
    this.chunks.push(typeof chunk === 'string' ? textBytes(chunk) : Buffer.from(chunk)); // textBytes: a new buffer
    this.queued += this.chunks[this.chunks.length - 1]!.length;
    this.pump();
  }

  /**
   * Moves what fits into the pipe; a full one is looked at again shortly. `failed`: the pipe's reader is gone,
   * so one byte is written even though it looks full, for the EPIPE that ends the run as it does elsewhere.
   */
  private pump(failed = false): void {
    while (this.chunks.length) {
      let room = this.room();
      // into a pipe that holds something, whole pages only (see room()); what is left waits for more output or
      // for the reader to empty the pipe
      if (this.capacity >= 0 && this.inPipe[0]! > 0) room = Math.floor(Math.min(room, this.queued) / PAGE) * PAGE;
      if (room <= 0 && failed) room = 1;
      failed = false;
      if (room <= 0) break;
      const head = this.front(room);
      let n: number;
      try {
        n = writeSync(this.fd, head, 0, Math.min(room, head.length));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break; // someone left it non-blocking
        writeFailed(this.fd, e as NodeJS.ErrnoException);
      }
      this.queued -= n;
      this.progressAt = Date.now();
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    if (this.finishing && this.givingUp && this.chunks.length && Date.now() - this.progressAt > GIVE_UP_MS) {
      // the run is over, Ctrl-C was pressed and the reader has taken nothing for a while (`| (sleep 60)`)
      this.chunks.length = 0;
      this.queued = 0;
    }
    if (this.chunks.length) this.waitForRoom();
  }

  /** The first queued chunk, joined with the ones after it while it is shorter than `bytes`. */
  private front(bytes: number): Uint8Array {
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
      this.pump(readerGone(this.fd));
    }, RETRY_MS);
  }

  /**
   * The run is over: what is queued goes out as the reader takes it, however slowly (`| less` read a page at a
   * time; bpftrace blocks in write(2) the same way), until it leaves (EPIPE) or, after a stopping signal, takes
   * nothing for GIVE_UP_MS (see giveUp).
   */
  finish(): void {
    this.finishing = true;
    this.progressAt = Math.max(this.progressAt, Date.now());
    this.pump();
  }

  /** A stopping signal: at exit, a reader that then takes nothing for GIVE_UP_MS loses what is left. */
  giveUp(): void {
    this.givingUp = true;
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

/** fd's file, or undefined when it is closed. */
function statOf(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}

/** A terminal answers TCGETS (asked of character devices only; node:tty would load node:net, ~2 ms). */
function isTerminal(fd: number, stat: Stats | undefined): boolean {
  return stat !== undefined && stat.isCharacterDevice() && native().ioctl(fd, TCGETS, new Uint8Array(64)) >= 0;
}

function outputOn(fd: number, stat: Stats | undefined): Output {
  if (stat?.isFIFO()) return new PipeOutput(fd, Math.max(native().fcntl(fd, F_GETPIPE_SZ, 0), PAGE));
  if (stat?.isSocket()) return new PipeOutput(fd, -1);
  return new DirectOutput(fd, isTerminal(fd, stat));
}

/**
 * process.stdout or process.stderr for a pipe: a Writable over the queue scry writes through (made when first
 * asked for, which scry's own output never does), instead of Node's stream that would make the pipe non-blocking.
 */
function streamOver(out: Output): Writable {
  const { Writable: WritableClass } = process.getBuiltinModule('node:stream') as typeof import('node:stream');
  const stream = new WritableClass({
    decodeStrings: true,
    write(chunk: Buffer, _enc, done) {
      out.write(chunk);
      done();
    },
  });
  return Object.assign(stream, { fd: out.fd, isTTY: false });
}

function replaceProcessStream(name: 'stdout' | 'stderr', out: Output): void {
  let stream: Writable | undefined;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: true,
    get: () => (stream ??= streamOver(out)),
  });
}

const outStat = statOf(1);
const errStat = statOf(2);
export const stdout: Output = outputOn(1, outStat);
// `2>&1` into one pipe: one queue, so stdout and stderr stay in the order they were written
export const stderr: Output =
  stdout instanceof PipeOutput && errStat && outStat!.ino === errStat.ino && outStat!.dev === errStat.dev
    ? stdout
    : outputOn(2, errStat);
if (stdout instanceof PipeOutput) replaceProcessStream('stdout', stdout);
if (stderr instanceof PipeOutput) replaceProcessStream('stderr', stderr);

/** At exit: queued output goes on to the reader, for as long as it takes it (see stopWaitingForReaders). */
export function finishStdio(): void {
  for (const s of new Set([stdout, stderr])) if (s instanceof PipeOutput) s.finish();
}

/**
 * A stopping signal (Ctrl-C, SIGTERM), during the run or after it: at exit, output a reader leaves untaken for a
 * second is dropped, so that a reader that stopped reading (`| (sleep 60)`) does not keep scry from exiting. A
 * reader that goes on reading still gets all of it.
 */
export function stopWaitingForReaders(): void {
  for (const s of new Set([stdout, stderr])) if (s instanceof PipeOutput) s.giveUp();
}
