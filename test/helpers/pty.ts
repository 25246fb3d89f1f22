// Runs a command on a pseudo-terminal, for tests that type at the REPL or watch the live view. The
// terminal comes from python3's pty module (no native build): a small relay forks the command on a pty of
// the given size, copies our keystrokes to it and its output back, and exits with its status.
import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

const RELAY = String.raw`
import fcntl, os, pty, select, struct, sys, termios
cols, rows = int(sys.argv[1]), int(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(sys.argv[3], sys.argv[3:])
inputs = [fd, 0]
while True:
    r, _, _ = select.select(inputs, [], [])
    if 0 in r:
        data = os.read(0, 4096)
        if data:
            os.write(fd, data)
        else:
            inputs.remove(0)
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
`;

/**
 * What a terminal `cols` wide shows, scrollback included: enough of a VT100 for readline and Ink (cursor
 * moves, erasing, carriage return, wrapping); colours and modes are ignored. Fed as output arrives, so a
 * long session costs one pass. Rows come out with trailing spaces trimmed.
 */
export class VirtualScreen {
  private readonly lines: string[][] = [[]];
  private row = 0;
  private col = 0;
  /** an escape sequence cut in two by a chunk boundary */
  private rest = '';
  private cache: string | undefined;

  constructor(
    private readonly cols: number,
    private readonly rows: number,
  ) {}

  private top(): number {
    return Math.max(0, this.lines.length - this.rows);
  }

  private line(r: number): string[] {
    while (this.lines.length <= r) this.lines.push([]);
    return this.lines[r]!;
  }

  feed(data: string): void {
    this.cache = undefined;
    const s = this.rest + data;
    this.rest = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\x1b') {
        const tail = s.slice(i, i + 256);
        const csi = /^\x1b\[([0-9;?<>=]*)([ -\/]*)([@-~])/.exec(tail);
        const other = csi ? undefined : /^\x1b(\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])/.exec(tail);
        if (!csi && !other) {
          if (tail.length < 16 && /^\x1b(\[[0-9;?<>=]*[ -\/]*)?$/.test(tail)) {
            this.rest = tail; // finish it with the next chunk
            return;
          }
          continue;
        }
        i += (csi ?? other)![0].length - 1;
        if (csi) this.control(csi[1]!, csi[2]!, csi[3]!);
        continue;
      }
      if (c === '\r') this.col = 0;
      else if (c === '\n') this.row++;
      else if (c === '\b') this.col = Math.max(0, this.col - 1);
      else if (c !== '\x07') {
        if (this.col >= this.cols) {
          this.row++;
          this.col = 0;
        }
        const l = this.line(this.row);
        while (l.length < this.col) l.push(' ');
        l[this.col++] = c;
      }
      this.line(this.row);
    }
  }

  private control(params: string, intermediate: string, final: string): void {
    if (params.startsWith('?') || intermediate) return;
    const args = params.split(';').map((a) => (a === '' ? undefined : Number(a)));
    const n = args[0] ?? 1;
    switch (final) {
      case 'A':
        this.row = Math.max(this.top(), this.row - n);
        break;
      case 'B':
        this.row += n;
        break;
      case 'C':
        this.col = Math.min(this.cols - 1, this.col + n);
        break;
      case 'D':
        this.col = Math.max(0, this.col - n);
        break;
      case 'G':
        this.col = Math.max(0, n - 1);
        break;
      case 'H':
        this.row = this.top() + (args[0] ?? 1) - 1;
        this.col = (args[1] ?? 1) - 1;
        break;
      case 'J':
        if ((args[0] ?? 0) === 0) {
          const l = this.line(this.row);
          l.length = Math.min(l.length, this.col);
          this.lines.length = this.row + 1;
        } else if (args[0] === 2) for (let r = this.top(); r < this.lines.length; r++) this.lines[r] = [];
        break;
      case 'K': {
        const mode = args[0] ?? 0;
        const l = this.line(this.row);
        if (mode === 0) l.length = Math.min(l.length, this.col);
        else if (mode === 2) this.lines[this.row] = [];
        else for (let k = 0; k <= this.col && k < l.length; k++) l[k] = ' ';
        break;
      }
    }
  }

  text(): string {
    return (this.cache ??= this.lines
      .map((l) => l.join('').trimEnd())
      .join('\n')
      .replace(/\n+$/, ''));
  }
}

export interface Pty {
  readonly child: ChildProcess;
  /** Types text (use '\x03' for Ctrl-C, '\x04' for Ctrl-D, '\t' for Tab, '\r' for Enter). */
  type(text: string): void;
  /** Everything the terminal received so far, raw. */
  raw(): string;
  /** What the terminal shows (scrollback included), rows trimmed: see screen(). */
  text(): string;
  /** A position in text(), to wait for what comes after it: the start of the last row (the prompt's row is redrawn). */
  mark(): number;
  /** Resolves when text() after `from` matches; rejects after `timeoutMs` with what was there. */
  waitFor(what: string | RegExp, from?: number, timeoutMs?: number): Promise<void>;
  /** Exit code of the command. */
  readonly exited: Promise<number | null>;
  kill(): void;
}

export function spawnPty(
  argv: readonly string[],
  opts: { cols?: number; rows?: number; env?: Record<string, string | undefined> } = {},
): Pty {
  const child = spawn('python3', ['-c', RELAY, String(opts.cols ?? 100), String(opts.rows ?? 30), ...argv], {
    env: { ...process.env, TERM: 'xterm-256color', CI: undefined, ...opts.env } as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const decoder = new StringDecoder('utf8'); // a character may be split between chunks
  let checkPending = false;
  child.stdout!.on('data', (d: Buffer) => {
    const chunk = decoder.write(d);
    out += chunk;
    vt.feed(chunk);
    // look at the screen at most every 20 ms: a flood of output should not cost a pass per chunk
    if (checkPending) return;
    checkPending = true;
    setTimeout(() => {
      checkPending = false;
      for (const l of [...listeners]) l();
    }, 20);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const cols = opts.cols ?? 100;
  const rows = opts.rows ?? 30;
  const vt = new VirtualScreen(cols, rows);
  const text = () => vt.text();
  const matches = (what: string | RegExp, from: number) => {
    const t = text().slice(from);
    return typeof what === 'string' ? t.includes(what) : what.test(t);
  };
  return {
    child,
    type: (s) => void child.stdin!.write(s),
    raw: () => out,
    text,
    mark: () => text().lastIndexOf('\n') + 1,
    waitFor(what, from = 0, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        let finished = false;
        const finish = (err?: Error) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          listeners.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (matches(what, from)) finish();
        };
        const timer = setTimeout(
          () =>
            finish(
              new Error(
                `timed out waiting for ${String(what)}; after the mark the terminal shows:\n${text().slice(from)}`,
              ),
            ),
          timeoutMs,
        );
        listeners.add(check);
        void exited.then(() => {
          check();
          finish(
            new Error(
              `the command exited before showing ${String(what)}; after the mark the terminal shows:\n${text().slice(from)}`,
            ),
          );
        });
        check();
      });
    },
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}
