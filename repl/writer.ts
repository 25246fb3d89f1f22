// Output with bpftrace's buffering modes (-B): events are gathered and written in one go per batch the
// session drains ('full', the default off a terminal), after every event ('line', the default on one),
// or as they come ('none'). -o sends program output to a file; diagnostics stay on stderr.
import { closeSync, openSync, writeSync } from 'node:fs';

export type BufferMode = 'none' | 'line' | 'full';

export interface Writer {
  out(text: string): void;
  err(text: string): void;
  /** writes whatever is buffered */
  flush(): void;
  close(): void;
}

export function openWriter(opts: { file?: string; mode?: BufferMode }): Writer {
  const fd = opts.file === undefined ? undefined : openSync(opts.file, 'w');
  const mode = opts.mode ?? (fd === undefined && process.stdout.isTTY ? 'line' : 'full');
  // Files are written synchronously; stdout goes through Node's stream, which never blocks the event loop.
  const write = (text: string) => (fd === undefined ? void process.stdout.write(text) : void writeAll(fd, text));
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    write(text);
  };
  return {
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

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}
