// Output with bpftrace's buffering modes (-B): events are gathered and written in one go per batch the
// session drains ('full', the default off a terminal), after every event ('line', the default on one),
// or as they come ('none'). -o sends program output to a file; diagnostics stay on stderr.
import { closeSync, openSync, writeSync } from 'node:fs';

export type BufferMode = 'none' | 'line' | 'full';

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
  close(): void;
}

export function openWriter(opts: { file?: string; mode?: BufferMode }): Writer {
  const fd = opts.file === undefined ? undefined : openSync(opts.file, 'w');
  const mode = opts.mode ?? (fd === undefined && process.stdout.isTTY ? 'line' : 'full');
  // Files are written synchronously; stdout goes through Node's stream, which never blocks the event loop.
  const write = (text: string) => (fd === undefined ? void process.stdout.write(text) : void writeAll(fd, Buffer.from(text, 'utf8')));
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    write(text);
  };
  // the stream may keep what it is given until later: it gets a copy
  const writeBytes = (chunk: Uint8Array) => (fd === undefined ? void process.stdout.write(Buffer.from(chunk)) : writeAll(fd, chunk));
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
      process.stderr.write(text);
    },
    flush,
    close() {
      flush();
      if (fd !== undefined) closeSync(fd);
    },
  };
}

function writeAll(fd: number, buf: Uint8Array): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}
