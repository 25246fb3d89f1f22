// Reading a kernel-made file whole (/proc/kallsyms, tracefs available_filter_functions): such files say their size
// is 0 and hand their text out one seq_file page (~4 KB) a read(), so fs.readFileSync takes them as one 8 KB buffer
// a read and then copies those together (for /proc/kallsyms ~1,300 buffers, ~8 ms); here they go into one buffer.
import { closeSync, openSync, readSync } from 'node:fs';

/** The file's bytes; `expect` is the buffer to start with (pages the file does not fill are never touched). */
export function readUnsizedFile(path: string, expect: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafeSlow(expect);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) return buf.subarray(0, n);
      n += got;
    }
  } finally {
    closeSync(fd);
  }
}
