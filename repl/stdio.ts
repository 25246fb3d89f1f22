// stdout and stderr as scry was given them. Node opens a pipe or socket on fd 1/2 through libuv, which sets
// O_NONBLOCK on the open file description: a flag the other processes sharing that pipe see too, so their
// writes start failing with EAGAIN (`(scry -l | grep x) 2>&1 | slow-reader`). Here such descriptors are
// written with plain blocking write(2), flags untouched, as bpftrace writes them; terminals and files keep
// Node's own streams (a terminal is reopened by libuv, a file is written synchronously already).
// Imported for its effect, first thing in the entry point: before anything touches process.stdout.
import { fstatSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { isatty } from 'node:tty';

/** A pipe or socket on `fd` (where Node would set O_NONBLOCK), as a synchronous stream. */
function blockingStream(fd: number): Writable | undefined {
  let stat;
  try {
    stat = fstatSync(fd);
  } catch {
    return undefined; // closed: let Node do what it does
  }
  if (isatty(fd) || !(stat.isFIFO() || stat.isSocket())) return undefined;
  const stream = new Writable({
    decodeStrings: true,
    write(chunk: Buffer, _enc, done) {
      try {
        writeFully(fd, chunk);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  return Object.assign(stream, { fd, isTTY: false as const });
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeFully(fd: number, buf: Uint8Array): void {
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      // Left non-blocking by whoever gave it to us: wait a moment rather than change its flags.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

for (const [fd, name] of [
  [1, 'stdout'],
  [2, 'stderr'],
] as const) {
  const stream = blockingStream(fd);
  if (stream) Object.defineProperty(process, name, { value: stream, configurable: true, enumerable: true, writable: false });
}
