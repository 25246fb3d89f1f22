// Output with bpftrace's buffering modes (-B): events are gathered and written in one go per batch the
// session drains ('full', the default off a terminal), after every event ('line', the default on one),
// or as they come ('none'). -o sends program output to a file; diagnostics stay on stderr.
import { closeSync, openSync, writeSync } from 'node:fs';
import { textBytes } from '../lang/index.ts';
import { stderr, stdout } from './stdio.ts';

export type BufferMode = 'none' | 'line' | 'full';

/** output queued for a slow reader beyond which the session stops reading events */
const BLOCKED_BYTES = 1 << 20;

export interface Writer {
  out(text: string): void;
  /**
   * With full buffering only: output already encoded as UTF-8, written at once after what is buffered
   * (the bytes are the caller's again when this returns). A chunk holds the text of many events.
   */
  bytes?(chunk: Uint8Array): void;
  err(text: string): void;
  /** writes whatever is buffered */
  flush(): void;
  /** true while more than BLOCKED_BYTES of written output wait for stdout's reader */
  blocked?(): boolean;
  close(): void;
}

export function openWriter(opts: { file?: string; mode?: BufferMode }): Writer {
  const fd = opts.file === undefined ? undefined : openSync(opts.file, 'w');
  const mode = opts.mode ?? (fd === undefined && stdout.isTTY ? 'line' : 'full');
  // Files are written synchronously; stdout never blocks the event loop (for a pipe, see stdio.ts: what does
  // not fit waits in a queue the session looks at before reading more events).
  const write = (text: string) => (fd === undefined ? stdout.write(text) : void writeAll(fd, textBytes(text)));
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    write(text);
  };
  // (a pipe's queue keeps a copy of what it cannot write yet)
  const writeBytes = (chunk: Uint8Array) => (fd === undefined ? stdout.write(chunk) : writeAll(fd, chunk));
  return {
    ...(mode === 'full' && {
      bytes(chunk: Uint8Array) {
        flush();
        writeBytes(chunk);
      },
    }),
    out(text) {
      if (mode === 'full') pending.push(text);
      else write(text);
    },
    err(text) {
      flush(); // keep stdout and stderr in order for a reader of both
      stderr.write(text);
    },
    flush,
    blocked: () => fd === undefined && stdout.backlog > BLOCKED_BYTES,
    close() {
      flush();
      if (fd !== undefined) closeSync(fd);
    },
  };
}

function writeAll(fd: number, buf: Uint8Array): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
}
