// Files read with a time bound: the symbol sources of traced processes (their binaries, libraries and debug
// files) belong to whoever runs them, and may sit on a FUSE or NFS mount that stops answering. stat(),
// open() and read() on such a file wait in the kernel for as long as the mount says, and on the main thread
// that is scry frozen, deaf to SIGINT and SIGTERM. So these calls are made by a helper process, and the
// caller waits for the answer at most `fileTimeoutMs()` (2 s) per call, synchronously (the callers keep
// their shape). A call that does not answer in time throws FileTimeoutError; its path fails at once for the
// rest of the run, the helper is killed and another is started for the next call, and the caller falls
// back to what it does for an unreadable file (addresses in hex, as bpftrace prints what it cannot name).
//
// Why a process, with a thread between: a worker thread stuck in such a call cannot be stopped, and Node
// joins its worker threads on exit (process.exit() then waits as long as the mount does); a killed process
// stuck there is nobody's concern. The main thread cannot wait for a pipe with a timeout, so a worker
// thread, which never blocks, carries each request to the helper's stdin and its answer back, waking the
// main thread (Atomics.wait with a timeout on a shared counter). Both start on the first call, not before:
// programs that print no user symbols never pay for them.
//
// The helper is `node -e` with the source below (no file to find in the bundle), an empty environment and
// no options; it ignores the terminal's signals (Ctrl-C reaches the whole process group: scry decides when
// to stop) and ends when its stdin closes, that is when scry ends.
import type { MessagePort, Worker } from 'node:worker_threads';
import { UntrustedFileError, type FileReader, type RegularFile } from './safe-files.ts';

/** A file operation that did not answer within the bound (a hung mount); the path fails for the rest of the run. */
export class FileTimeoutError extends Error {
  override name = 'FileTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly path: string,
    ms: number,
    repeated = false,
  ) {
    super(repeated ? `${path} did not answer earlier (within ${ms} ms)` : `${path} did not answer within ${ms} ms`);
  }
}

let timeoutMs = 2000;
/** How long the helper process may take to start (not counted in an operation's bound): seconds under load. */
let startTimeoutMs = 15_000;

/** The bound on one file operation, in milliseconds. */
export function fileTimeoutMs(): number {
  return timeoutMs;
}

/** Sets the bound on one file operation (and, optionally, on the helper's start); returns the previous bound. */
export function setFileTimeoutMs(ms: number, startMs?: number): number {
  const was = timeoutMs;
  timeoutMs = ms;
  if (startMs !== undefined) startTimeoutMs = startMs;
  return was;
}

// The helper: reads requests ([u32 length][JSON]) from fd 0 and answers each ([u32 JSON length][u32 data
// length][JSON][data]) on fd 1, with blocking calls (node never made these descriptors non-blocking: it was
// not asked for process.stdin/stdout). Its first answer (id 0) says it is ready. `hang` opens a path without
// O_NONBLOCK (a FIFO then waits for a writer, in the kernel): for tests of the bound, as any real hang.
const HELPER = String.raw`
'use strict';
const fs = require('node:fs');
const { O_RDONLY, O_NONBLOCK, O_NOCTTY } = fs.constants;
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGPIPE']) process.on(s, () => {});
const nap = new Int32Array(new SharedArrayBuffer(4));
function io(f) {
  for (;;) {
    try { return f(); } catch (e) { if (e.code !== 'EAGAIN') throw e; Atomics.wait(nap, 0, 0, 1); }
  }
}
function readFull(n) {
  const buf = Buffer.allocUnsafe(n);
  let done = 0;
  while (done < n) {
    const r = io(() => fs.readSync(0, buf, done, n - done, null));
    if (r === 0) process.exit(0);
    done += r;
  }
  return buf;
}
function writeAll(buf) {
  let done = 0;
  while (done < buf.length) done += io(() => fs.writeSync(1, buf, done, buf.length - done));
}
function reply(msg, data) {
  const head = Buffer.from(JSON.stringify(msg));
  const pre = Buffer.alloc(8);
  pre.writeUInt32LE(head.length, 0);
  pre.writeUInt32LE(data ? data.length : 0, 4);
  writeAll(pre);
  writeAll(head);
  if (data && data.length) writeAll(data);
}
const untrusted = (path) => Object.assign(new Error(path + ' is not a regular file'), { code: 'EUNTRUSTED' });
function handle(q) {
  switch (q.op) {
    case 'open': {
      if (!fs.statSync(q.path).isFile()) throw untrusted(q.path);
      const fd = fs.openSync(q.path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
      const st = fs.fstatSync(fd);
      if (!st.isFile()) { fs.closeSync(fd); throw untrusted(q.path); }
      return [{ fd, size: st.size, dev: st.dev, ino: st.ino }];
    }
    case 'read': {
      const out = Buffer.allocUnsafe(q.length);
      let done = 0;
      while (done < q.length) {
        const n = fs.readSync(q.fd, out, done, q.length - done, q.position + done);
        if (n === 0) break;
        done += n;
      }
      return [{}, out.subarray(0, done)];
    }
    case 'close': fs.closeSync(q.fd); return [{}];
    case 'realpath': return [{ value: fs.realpathSync(q.path) }];
    case 'isFile': {
      let value = false;
      try { value = fs.statSync(q.path).isFile(); } catch {}
      return [{ value }];
    }
    case 'hang': fs.closeSync(fs.openSync(q.path, O_RDONLY)); return [{}];
    default: throw new Error('unknown operation ' + q.op);
  }
}
reply({ id: 0 });
for (;;) {
  const q = JSON.parse(readFull(readFull(4).readUInt32LE(0)).toString());
  let answer;
  try {
    answer = handle(q);
  } catch (e) {
    answer = [{ error: { message: String(e && e.message), code: e && e.code } }];
  }
  reply({ id: q.id, ...answer[0] }, answer[1]);
}
`;

// The worker thread between the main thread and the helper. ctl[0] counts answers posted (the main thread
// waits for it to change), ctl[1] is 1 while a helper is running and has said it is ready, ctl[2] is the
// helper's pid (0: none), which the main thread kills itself when it gives up on it: scry may end right after,
// before this thread has handled any message, and a helper stuck in the kernel would outlive it.
const BROKER = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { port, ctl, helper } = workerData;
let child = null;
let current = 0;
function post(msg, transfer) {
  port.postMessage(msg, transfer || []);
  Atomics.add(ctl, 0, 1);
  Atomics.notify(ctl, 0);
}
function start() {
  Atomics.store(ctl, 1, 0);
  const c = spawn(process.execPath, ['-e', helper], { stdio: ['pipe', 'pipe', 'ignore'], env: {} });
  Atomics.store(ctl, 2, c.pid || 0);
  let chunks = [];
  let have = 0;
  const take = (n) => {
    const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
    const out = all.subarray(0, n);
    chunks = n < all.length ? [all.subarray(n)] : [];
    have -= n;
    return out;
  };
  let head = null;
  c.stdout.on('data', (d) => {
    if (child !== c) return;
    chunks.push(d);
    have += d.length;
    for (;;) {
      if (!head) {
        if (have < 8) return;
        const pre = take(8);
        head = { json: pre.readUInt32LE(0), data: pre.readUInt32LE(4) };
      }
      if (have < head.json + head.data) return;
      const msg = JSON.parse(take(head.json).toString());
      let data;
      if (head.data) {
        data = new ArrayBuffer(head.data);
        new Uint8Array(data).set(take(head.data));
      }
      head = null;
      if (msg.id === 0) {
        Atomics.store(ctl, 1, 1);
        Atomics.add(ctl, 0, 1);
        Atomics.notify(ctl, 0);
      } else {
        if (msg.id === current) current = 0;
        post(data ? { ...msg, data } : msg, data ? [data] : []);
      }
    }
  });
  const gone = (why) => {
    if (child !== c) return;
    child = null;
    Atomics.store(ctl, 1, 0);
    Atomics.store(ctl, 2, 0);
    if (current) post({ id: current, error: { message: why, code: 'EHELPER' } });
    current = 0;
  };
  c.on('error', (e) => gone('the file reader could not start: ' + e.message));
  c.on('exit', (code, signal) => gone('the file reader ended (' + (signal || code) + ')'));
  c.stdin.on('error', () => {});
  return c;
}
port.on('message', (m) => {
  if (m.op === 'abandon') {
    if (child) {
      const c = child;
      child = null;
      current = 0;
      Atomics.store(ctl, 1, 0);
      c.kill('SIGKILL');
      c.stdin.destroy();
      c.stdout.destroy();
    }
    return;
  }
  try {
    child = child || start();
    current = m.id;
    const body = Buffer.from(JSON.stringify(m));
    const pre = Buffer.alloc(4);
    pre.writeUInt32LE(body.length, 0);
    child.stdin.write(Buffer.concat([pre, body]));
  } catch (e) {
    post({ id: m.id, error: { message: 'the file reader failed: ' + e.message, code: 'EHELPER' } });
  }
});
`;

interface Answer {
  readonly id: number;
  readonly error?: { readonly message: string; readonly code?: string };
  readonly data?: ArrayBuffer;
  readonly [k: string]: unknown;
}

class Broker {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private ctl = new Int32Array(new SharedArrayBuffer(12));
  private nextId = 1;
  /** bumped when a helper is abandoned: descriptors opened by an earlier one are gone */
  generation = 0;

  private ensure(): MessagePort {
    if (this.worker && this.port) return this.port;
    // loaded here, not at start-up: most runs never read a user file through the broker
    const { MessageChannel, Worker } = process.getBuiltinModule('node:worker_threads');
    const { port1, port2 } = new MessageChannel();
    this.ctl = new Int32Array(new SharedArrayBuffer(12));
    this.worker = new Worker(BROKER, {
      eval: true,
      execArgv: [],
      workerData: { port: port2, ctl: this.ctl, helper: HELPER },
      transferList: [port2],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return port1;
  }

  /** Sends one request and waits for its answer; FileTimeoutError past the bound. */
  call(request: Record<string, unknown>, path: string): Answer {
    const port = this.ensure();
    const ctl = this.ctl;
    const id = this.nextId++;
    let seen = Atomics.load(ctl, 0);
    port.postMessage({ ...request, id });
    let started = Date.now();
    let ready = Atomics.load(ctl, 1) === 1;
    for (;;) {
      const limit = ready ? timeoutMs : startTimeoutMs;
      const left = started + limit - Date.now();
      if (left <= 0) break;
      Atomics.wait(ctl, 0, seen, left);
      seen = Atomics.load(ctl, 0);
      const { receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const answer = m.message as Answer;
        if (answer.id === id) return answer;
        // an answer to a request given up on: dropped
      }
      if (!ready && Atomics.load(ctl, 1) === 1) {
        ready = true;
        started = Date.now(); // the helper has started: the operation's own bound begins
      }
    }
    this.abandon(!ready);
    throw new FileTimeoutError(path, ready ? timeoutMs : startTimeoutMs);
  }

  /** Gives up on the helper (stuck in a call); `worker`: on the worker too (it never started one). */
  private abandon(worker: boolean): void {
    this.generation++;
    Atomics.store(this.ctl, 1, 0); // the next helper has its start to make
    // killed from here, at once: the worker may never get to it (scry can end right after this call)
    const pid = Atomics.exchange(this.ctl, 2, 0);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (worker) {
      void this.worker?.terminate();
      this.port?.close();
      this.worker = undefined;
      this.port = undefined;
    } else {
      this.port?.postMessage({ op: 'abandon' });
    }
  }
}

let broker: Broker | undefined;
/** paths that did not answer: they fail at once from then on */
const hung = new Set<string>();

function call(request: Record<string, unknown> & { path?: string }, path: string): Answer {
  if (hung.has(path)) throw new FileTimeoutError(path, timeoutMs, true);
  broker ??= new Broker();
  let answer: Answer;
  try {
    answer = broker.call(request, path);
  } catch (e) {
    if (e instanceof FileTimeoutError) hung.add(path);
    throw e;
  }
  const err = answer.error;
  if (err) {
    if (err.code === 'EUNTRUSTED') throw new UntrustedFileError(path, 'is not a regular file');
    throw Object.assign(new Error(err.message), err.code ? { code: err.code } : {});
  }
  return answer;
}

/**
 * Files read by the helper process, each operation bounded by fileTimeoutMs(): for the files of traced
 * processes (user symbols). Same checks as localFiles: regular files only, opened non-blocking.
 */
export const boundedFiles: FileReader = {
  open(path): RegularFile {
    const a = call({ op: 'open', path }, path);
    const fd = a['fd'] as number;
    const generation = broker!.generation;
    let open = true;
    const lost = () => {
      open = false;
      return new Error(`${path}: its reader was restarted (another file did not answer)`);
    };
    return {
      size: a['size'] as number,
      dev: a['dev'] as number,
      ino: a['ino'] as number,
      read(position, length) {
        if (!open) throw new Error(`${path}: read after close`);
        if (broker!.generation !== generation) throw lost();
        const r = call({ op: 'read', fd, position, length }, path);
        return r.data ? Buffer.from(r.data) : Buffer.alloc(0);
      },
      close() {
        if (!open) return;
        open = false;
        if (broker!.generation !== generation) return;
        try {
          call({ op: 'close', fd }, path);
        } catch {
          // closing does not fail a read that was made; a hung close has marked the path
        }
      },
    };
  },
  realpath: (path) => call({ op: 'realpath', path }, path)['value'] as string,
  isFile: (path) => call({ op: 'isFile', path }, path)['value'] as boolean,
};

/**
 * For tests: opens `path` in the helper *without* O_NONBLOCK, under the same bound. A FIFO with no writer
 * then blocks in the kernel as a hung mount does; the call throws FileTimeoutError after the bound.
 */
export function openBlockingForTest(path: string): void {
  call({ op: 'hang', path }, path);
}

/** Whether the helper has been started (tests: programs that print no user symbols never start it). */
export function boundedIoStarted(): boolean {
  return broker !== undefined;
}
