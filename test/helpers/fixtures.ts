// C fixtures for the uprobe, USDT and user-symbol tests, built with gcc into a temporary directory once per
// process (removed at exit), and a way to run them. Suites are registered only when gcc works; otherwise
// one `SKIP <suite>: <reason>` line goes to stderr, as test/helpers/kernel.ts does for kernel gates.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Fixtures {
  readonly dir: string;
  /** uprobe-target.c as a PIE (gcc's default), -O1, frame pointers kept */
  readonly pie: string;
  /** uprobe-target.c with -no-pie at -O0 (USDT arguments then live in memory: -20(%rbp)) */
  readonly nopie: string;
  /** uprobe-lib.c as a shared object */
  readonly lib: string;
  /** uprobe-target.c with -DWITH_LIB, linked against `lib` with an rpath */
  readonly withLib: string;
  /** uprobe-cxx.cc, only when g++ is installed (C++ names for demangling) */
  readonly cxx?: string;
}

const sources = fileURLToPath(new URL('../fixtures/', import.meta.url));
let built: Fixtures | string | undefined;

function gcc(args: string[]): string | undefined {
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) return `gcc: ${r.error.message}`;
  if (r.status !== 0) return `gcc ${args.join(' ')} failed:\n${r.stderr}`;
  return undefined;
}

/** Whether gcc runs here (the C fixtures need it). */
export function hasGcc(): boolean {
  const probe = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  return !probe.error && probe.status === 0;
}

function build(): Fixtures | string {
  if (!hasGcc()) return 'gcc is not installed';
  const dir = mkdtempSync(join(tmpdir(), 'scry-fixtures-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const src = (f: string) => join(sources, f);
  const common = ['-g', '-fno-omit-frame-pointer', `-I${sources}`];
  const f: Fixtures = {
    dir,
    pie: join(dir, 'uprobe-target'),
    nopie: join(dir, 'uprobe-target-nopie'),
    lib: join(dir, 'libscrytest.so'),
    withLib: join(dir, 'uprobe-target-lib'),
  };
  const err =
    gcc([...common, '-O1', '-o', f.pie, src('uprobe-target.c')]) ??
    gcc([...common, '-O0', '-no-pie', '-o', f.nopie, src('uprobe-target.c')]) ??
    gcc([...common, '-O1', '-fPIC', '-shared', '-o', f.lib, src('uprobe-lib.c')]) ??
    gcc([
      ...common,
      '-O1',
      '-DWITH_LIB',
      '-o',
      f.withLib,
      src('uprobe-target.c'),
      `-L${dir}`,
      '-lscrytest',
      `-Wl,-rpath,${dir}`,
    ]);
  if (err) return err;
  const gxx = spawnSync('g++', ['--version']);
  if (gxx.error || gxx.status !== 0) return f;
  const cxx = join(dir, 'uprobe-cxx');
  const r = spawnSync('g++', [...common, '-O1', '-o', cxx, src('uprobe-cxx.cc')], { encoding: 'utf8' });
  if (r.status !== 0) return `g++ failed:\n${r.stderr}`;
  return { ...f, cxx };
}

/** The built fixtures, or undefined (after printing why) when they cannot be built. */
export function fixtures(suite: string): Fixtures | undefined {
  built ??= build();
  if (typeof built === 'string') {
    process.stderr.write(`SKIP ${suite}: ${built.split('\n')[0]}\n`);
    return undefined;
  }
  return built;
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TargetProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the first stdout line starting with `prefix` (rejects if the process ends first). */
  line(prefix: string): Promise<string>;
  /** Writes a line to stdin (releases a `wait` command). */
  send(text?: string): void;
  readonly finished: Promise<Finished>;
  kill(): void;
}

/** Runs a fixture with commands (see uprobe-target.c); killed after timeoutMs. */
export function runTarget(bin: string, args: string[], timeoutMs = 20_000): TargetProcess {
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ended = false;
  const waiters: { prefix: string; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const findLine = (prefix: string) =>
    stdout
      .split('\n')
      .slice(0, -1)
      .find((l) => l.startsWith(prefix));
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of [...waiters]) {
      const l = findLine(w.prefix);
      if (l === undefined) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.on('error', () => {}); // EPIPE after the process is gone
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      ended = true;
      clearTimeout(timer);
      for (const w of waiters.splice(0))
        w.reject(
          new Error(
            `${bin} ended (code ${code}, signal ${signal}) before printing "${w.prefix}"; stdout:\n${stdout}stderr:\n${stderr}`,
          ),
        );
      resolve({ code, signal, stdout, stderr });
    });
  });
  if (child.pid === undefined) throw new Error(`cannot run ${bin}`);
  return {
    child,
    pid: child.pid,
    line(prefix) {
      const l = findLine(prefix);
      if (l !== undefined) return Promise.resolve(l);
      if (ended) return Promise.reject(new Error(`${bin} ended before printing "${prefix}"`));
      return new Promise((resolve, reject) => waiters.push({ prefix, resolve, reject }));
    },
    send(text = '') {
      child.stdin!.write(`${text}\n`);
    },
    finished,
    kill() {
      if (!ended) child.kill('SIGKILL');
    },
  };
}

/** Runs a command and returns its stdout; throws with stderr when it fails. */
export function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** Whether a binutils tool is available (tests comparing against it skip otherwise). */
export function hasTool(cmd: string): boolean {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}
