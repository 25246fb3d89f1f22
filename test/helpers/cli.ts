// Runs the bundled CLI as a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const scryBin = fileURLToPath(new URL('../../bin/scry.cjs', import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Resolves when stdout has contained `text` (rejects if the process ends first). */
  waitForStdout(text: string): Promise<void>;
  finished: Promise<Finished>;
}

/** the longest text waitForStdout looks for: what of earlier output a new chunk is searched with */
const TAIL = 4096;

export function startScry(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Running {
  const child = spawn(process.execPath, [scryBin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Output is kept as chunks and searched only where new text arrived (with the tail before it): a flooded
  // run prints tens of MB, and searching the whole of it at every chunk made this reader, not scry, the
  // seconds-late part of a timing test (each search flattens the concatenated string: a copy of all of it).
  const chunks: string[] = [];
  let tail = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    chunks.push(d);
    const window = tail + d;
    for (const w of [...waiters])
      if (window.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    tail = window.slice(-TAIL);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters)
        w.reject(new Error(`scry exited (code ${code}) before printing ${JSON.stringify(w.text)}; stderr:\n${stderr}`));
      resolve({ code, signal, stdout: chunks.join(''), stderr });
    });
  });
  return {
    child,
    finished,
    waitForStdout: (text) => {
      if (text.length > TAIL) throw new Error(`waitForStdout: at most ${TAIL} characters`);
      return chunks.join('').includes(text)
        ? Promise.resolve()
        : new Promise((resolve, reject) => waiters.push({ text, resolve, reject }));
    },
  };
}

export function runScry(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Finished> {
  return startScry(args, env, timeoutMs).finished;
}

export const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';

/** The lines of a map keyed `@[…]` in scry's output, sorted (equal counts print in no fixed order). */
export function keyedMapLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('@['))
    .sort();
}

/** How many programs `-d bytecode` printed that read their attachment's cookie. */
export function cookieReads(stdout: string): number {
  return stdout.split('bpf_get_attach_cookie').length - 1;
}
