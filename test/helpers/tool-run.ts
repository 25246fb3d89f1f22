// Running the scripts of examples/tools the way a user does (the script file, its arguments, Ctrl-C at the
// end) next to a workload the test drives, and reading what they print: histograms and column lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NOTIFY, startScry, type Finished } from './cli.ts';

export const toolsDir = fileURLToPath(new URL('../../examples/tools/', import.meta.url));

/**
 * Starts examples/tools/`tool` with `args`, waits until its probes are attached, runs `workload`, then
 * sends SIGINT (Ctrl-C) and returns what the tool printed (the attach marker taken out). Anything on stderr
 * but the "Attached N probes" banner (a warning, an error) fails the test.
 */
export async function runTool(
  tool: string,
  args: string[],
  workload: () => Promise<void>,
  opts: { allowHelperWarnings?: string } = {},
): Promise<Finished> {
  const run = startScry([join(toolsDir, tool), ...args], { [NOTIFY]: '1' }, 60_000);
  try {
    await run.waitForStdout(`${NOTIFY}\n`);
    await workload();
    // Ctrl-C drops events still queued (as bpftrace does): give the last ones time to be printed
    await sleep(250);
  } finally {
    run.child.kill('SIGINT');
  }
  const r = await run.finished;
  const stdout = refuseDiagnostics(tool, r, opts.allowHelperWarnings);
  return { ...r, stdout: stdout.replace(`${NOTIFY}\n`, '') };
}

/**
 * No diagnostics, at compile time or run time (scry prints the run-time ones on stdout): stderr has the
 * banner and nothing else, except the warnings of helper `allowed`, which the caller expects to fail now and
 * then. Throws otherwise; returns stdout without those allowed warnings.
 */
export function refuseDiagnostics(tool: string, r: Finished, allowed: string | undefined): string {
  const dropAllowed = (text: string) =>
    allowed
      ? text.replace(new RegExp(`^.*: WARNING: .*\\nAdditional Info - helper: ${allowed}, .*\\n.*\\n *~+\\n`, 'gm'), '')
      : text;
  const stderr = dropAllowed(r.stderr).replace(/^Attached \d+ probes?\n/m, '');
  const stdout = dropAllowed(r.stdout);
  if (stderr !== '' || /: (WARNING|ERROR): /.test(stdout))
    throw new Error(`${tool} printed diagnostics (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  return stdout;
}

/** A child process whose stdout lines the test can wait for. */
export interface Workload {
  child: ChildProcess;
  /** Resolves with the first match of `re` in stdout (rejects if the process ends without one). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Writes a line to its stdin (the go signal of the workloads here). */
  send(line: string): void;
  /** Closes stdin and waits for the exit. */
  end(): Promise<number | null>;
}

export function startWorkload(cmd: string, args: string[]): Workload {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin!.on('error', () => {}); // the workload may be gone already
  return {
    child,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          const m = re.exec(out);
          if (m) return resolve(m);
          if (exited || Date.now() - started > timeoutMs)
            return reject(new Error(`${cmd}: no ${re} in its output:\n${out}\nstderr:\n${err}`));
          setTimeout(poll, 10);
        };
        poll();
      });
    },
    send: (line) => void child.stdin!.write(`${line}\n`),
    end() {
      child.stdin!.end();
      return exit;
    },
  };
}

/** A busy loop pinned to `cpu` (taskset), killed by the returned function. */
export function spinOn(cpu: number): { pid: number; stop: () => void } {
  const child = spawn('taskset', ['-c', String(cpu), 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => void child.kill('SIGKILL') };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One bucket of a printed histogram: its lower bound (K, M, G suffixes applied) and count. */
export interface Bucket {
  lo: number;
  count: number;
}

const SUFFIX: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** The buckets printed under the `header` line (e.g. '@usecs:' or '@runqlen[1]:'), up to the blank line. */
export function histogram(stdout: string, header: string): Bucket[] {
  const lines = stdout.split('\n');
  const at = lines.indexOf(header);
  if (at < 0) throw new Error(`no ${header} in:\n${stdout}`);
  const buckets: Bucket[] = [];
  for (const line of lines.slice(at + 1)) {
    const m = /^\[(-?\d+)([KMG]?)(?:, [^)]+\))?\]?\s+(\d+) \|[@ ]*\|$/.exec(line);
    if (!m) break;
    buckets.push({ lo: Number(m[1]) * SUFFIX[m[2]!]!, count: Number(m[3]) });
  }
  if (buckets.length === 0) throw new Error(`no buckets under ${header} in:\n${stdout}`);
  return buckets;
}

export const total = (b: Bucket[]) => b.reduce((n, x) => n + x.count, 0);

/** The lines of `stdout` that split into whitespace-separated columns and whose `col`-th column is `value`. */
export function rows(stdout: string, col: number, value: string): string[][] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c[col] === value);
}

export interface Built {
  /** test/fixtures/tools-workload.c, built at -O0 with frame pointers (gcc omits them in leaf functions when optimizing) */
  workload: string;
}

let built: Built | string | undefined;

/** Builds the workload program once per process (gcc); the reason as a string when it cannot. */
export function buildWorkload(): Built | string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'scry-tools-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'tools-workload');
  const src = fileURLToPath(new URL('../fixtures/tools-workload.c', import.meta.url));
  const r = spawnSync('gcc', ['-O0', '-g', '-fno-omit-frame-pointer', '-o', out, src], {
    encoding: 'utf8',
  });
  if (r.error) built = `gcc: ${r.error.message}`;
  else if (r.status !== 0) built = `gcc failed: ${r.stderr.split('\n')[0]}`;
  else built = { workload: out };
  return built;
}
