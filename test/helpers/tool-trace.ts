// For the tests of examples/tools (process, file, memory and syscall groups): run a tool script as a user
// does (the file, its arguments, Ctrl-C at the end) around a workload the test drives, and the workloads'
// building blocks (child processes with a known pid, a go signal on stdin, a uniquely named program).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NOTIFY, startScry, type Finished } from './cli.ts';

export const toolsDir = fileURLToPath(new URL('../../examples/tools/', import.meta.url));

/** Python for workloads that make an exact number of syscalls (the distribution's, not a shim's wrapper). */
export const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts examples/tools/`tool` with `args`, waits until its probes are attached, runs `workload`, waits
 * `settleMs` for the last events to be printed, sends SIGINT and returns what the tool printed (exit code
 * checked by the caller; the attach marker taken out).
 */
export async function traceAround(
  tool: string,
  args: string[],
  workload: () => Promise<void>,
  settleMs = 300,
): Promise<Finished> {
  const run = startScry([join(toolsDir, tool), ...args], { [NOTIFY]: '1' }, 60_000);
  try {
    await run.waitForStdout(`${NOTIFY}\n`);
    await workload();
    await sleep(settleMs);
  } finally {
    run.child.kill('SIGINT');
  }
  const r = await run.finished;
  return { ...r, stdout: r.stdout.replace(`${NOTIFY}\n`, '') };
}

export interface Exited {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Runs a command to its end; resolves with its pid, exit status and stdout. */
export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], ...opts });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ pid: child.pid!, code, signal, stdout }));
  });
}

/** A child that waits for a line on stdin before doing its work: its pid is known before the tool starts. */
export interface Gated {
  child: ChildProcess;
  pid: number;
  /** Sends the go line and waits for the exit. */
  go(): Promise<Exited>;
}

export function gated(cmd: string, args: string[]): Gated {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  // the go line to a child that is already gone (killed by the test) is EPIPE, not a failure
  child.stdin!.on('error', () => {});
  const exit = new Promise<Exited>((resolve) =>
    child.on('close', (code, signal) => resolve({ pid: child.pid!, code, signal, stdout })),
  );
  return {
    child,
    pid: child.pid!,
    go() {
      child.stdin!.end('go\n');
      return exit;
    },
  };
}

/** A scratch directory (world-readable, for workloads run as another user), removed at exit. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of /bin/true under a name no other process runs, in `dir`. */
export function uniqueProgram(dir: string, stem: string): string {
  const path = join(dir, `${stem}-${process.pid}-${Math.floor(Math.random() * 1e6)}`);
  copyFileSync('/bin/true', path);
  chmodSync(path, 0o755);
  return path;
}

/** The lines of `stdout` whose whitespace-separated column `col` is `value`, split into columns. */
export function rowsWhere(stdout: string, col: number, value: string | number): string[][] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c[col] === String(value));
}

/** The value printed for `@map[key]: N` lines (key as printed, e.g. `openat, 2, No such file or directory`). */
export function mapValue(stdout: string, map: string, key: string): number | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`${map}[${key}]: `));
  return line === undefined ? undefined : Number(line.slice(`${map}[${key}]: `.length));
}
