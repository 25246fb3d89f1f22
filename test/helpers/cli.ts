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

export function startScry(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Running {
  const child = spawn(process.execPath, [scryBin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of [...waiters])
      if (stdout.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters)
        w.reject(new Error(`scry exited (code ${code}) before printing ${JSON.stringify(w.text)}; stderr:\n${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    finished,
    waitForStdout: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : new Promise((resolve, reject) => waiters.push({ text, resolve, reject })),
  };
}

export function runScry(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Finished> {
  return startScry(args, env, timeoutMs).finished;
}

export const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';
