// Shared process measuring for the benchmarks: the two tracers, running a command under the rusage wrapper,
// starting a tracer and waiting until it has attached, the loop program, medians and ratios.
// Every parse of another program's output is strict: a line that does not match throws with what it was,
// so a failed measurement is reported and its row left out, never counted as 0.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { scryBin } from '../helpers/cli.ts';
import type { Native } from './native.ts';

/** BENCH_BPFTRACE names another bpftrace (a path that does not exist: scry's figures alone) */
export const BPFTRACE = process.env.BENCH_BPFTRACE ?? '/usr/bin/bpftrace';
/** BENCH_SCRY names another scry's bin/scry.cjs (an older build, to compare two against the same bpftrace run) */
export const SCRY_BIN = process.env.BENCH_SCRY ?? scryBin;

export interface Tracer {
  name: 'scry' | 'bpftrace';
  /** argv[0] and the arguments before the tracer's own */
  argv: readonly string[];
}

export const scry: Tracer = { name: 'scry', argv: [process.execPath, SCRY_BIN] };
export const bpftrace: Tracer = { name: 'bpftrace', argv: [BPFTRACE] };

/** scry, then bpftrace when it is installed: the order every interleaved loop runs them in */
export function tracers(): Tracer[] {
  return existsSync(BPFTRACE) ? [scry, bpftrace] : [scry];
}

/**
 * Environment both tracers read: `max_map_keys` under bpftrace 0.17's name and v0.26's (scry's).
 * bpftrace warns that it cannot raise RLIMIT_MEMLOCK in this sandbox; harmless (8 MiB are allowed).
 */
/**
 * Strings of bpftrace 0.17's default size for both tracers: scry's default is bpftrace v0.26's 1024 bytes, 0.17's
 * 64 (BPFTRACE_STRLEN); the bench compares the same work.
 */
export const SAME_STRINGS = { BPFTRACE_STRLEN: '64', BPFTRACE_MAX_STRLEN: '64' } as const;

export function tracerEnv(mapKeys?: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...SAME_STRINGS, __BPFTRACE_NOTIFY_PROBES_ATTACHED: '1' };
  if (mapKeys !== undefined) {
    env.BPFTRACE_MAP_KEYS_MAX = String(mapKeys);
    env.BPFTRACE_MAX_MAP_KEYS = String(mapKeys);
  }
  return env;
}

export interface Rusage {
  wallMs: number;
  /** user + system CPU of the process and every descendant it waited for */
  cpuMs: number;
  maxRssMb: number;
}

/** Runs `argv` to its end under the rusage wrapper (its stdout on /dev/null); throws unless it exits 0. */
export function measured(native: Native, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Rusage {
  const r = spawnSync(native.measure, argv, { encoding: 'utf8', env, timeout: 120_000 });
  const m = /^wall_ns=(\d+) user_us=(\d+) sys_us=(\d+) maxrss_kb=(\d+) status=(\d+)\n$/.exec(r.stdout ?? '');
  if (!m) throw new Error(`measure ${argv.join(' ')}: unexpected output ${JSON.stringify(r.stdout)}; ${r.stderr}`);
  if (m[5] !== '0') throw new Error(`${argv.join(' ')} exited ${m[5]}: ${lastLines(r.stderr)}`);
  return { wallMs: Number(m[1]) / 1e6, cpuMs: (Number(m[2]) + Number(m[3])) / 1000, maxRssMb: Number(m[4]) / 1024 };
}

export interface LoopResult {
  cpuNs: number;
  wallNs: number;
  /** CLOCK_MONOTONIC when the loop ended (process.hrtime's clock) */
  endNs: bigint;
  /** the thread's CPU time per call, in ns: the median over batches of 1000 calls on each CPU, averaged over CPUs */
  batchMedianNs: number;
}

function parseLoop(out: string, what: string): LoopResult {
  const m = /^cpu_ns=(\d+) wall_ns=(\d+) end_ns=(\d+) batch_median_ps=(\d+) acc=-?\d+\n$/.exec(out);
  if (!m) throw new Error(`scrybench ${what}: unexpected output ${JSON.stringify(out)}`);
  return { cpuNs: Number(m[1]), wallNs: Number(m[2]), endNs: BigInt(m[3]!), batchMedianNs: Number(m[4]) / 1000 };
}

/** Runs the loop program to its end (blocking this thread). */
export function loop(native: Native, mode: string, n: number): LoopResult {
  const r = spawnSync(native.scrybench, [mode, String(n)], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`scrybench ${mode} ${n} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return parseLoop(r.stdout, `${mode} ${n}`);
}

/** Starts the loop program without blocking: the event loop keeps running (to see a tracer's exit). */
export function loopAsync(native: Native, mode: string, n: number): { child: ChildProcess; done: Promise<LoopResult> } {
  const child = spawn(native.scrybench, [mode, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<LoopResult>((resolve, reject) =>
    child.on('close', (code, signal) =>
      code === 0
        ? resolve(parseLoop(out, `${mode} ${n}`))
        : reject(new Error(`scrybench ${mode} ${n} ended ${code ?? signal}: ${err}`)),
    ),
  );
  done.catch(() => {}); // the caller may kill it on purpose and never await
  return { child, done };
}

export interface TracerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout, when asked to keep it */
  stdout: string;
  stderr: string;
  /** process.hrtime.bigint() when the process ended */
  endedAt: bigint;
  /** SIGINTs stop() sent before the process ended */
  sigints?: number;
}

export interface RunningTracer {
  child: ChildProcess;
  /** resolves once the tracer said its probes are attached (scry on stdout, bpftrace 0.17 on stderr) */
  attached: Promise<void>;
  exited: Promise<TracerExit>;
  /** SIGINT, then the exit; SIGKILL and an error after `timeoutMs` */
  stop(timeoutMs?: number): Promise<TracerExit>;
}

const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';

export function startTracer(
  t: Tracer,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; keepStdout?: boolean } = {},
): RunningTracer {
  const [cmd, ...pre] = t.argv;
  const child = spawn(cmd!, [...pre, ...args], { env: opts.env ?? tracerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let seen = false;
  let onAttach: () => void = () => {};
  const attached = new Promise<void>((resolve) => (onAttach = resolve));
  // the word may be split across chunks: look at a short tail of each stream
  let outTail = '';
  let errTail = '';
  child.stdout!.on('data', (d: Buffer) => {
    const s = d.toString('latin1');
    if (opts.keepStdout) stdout += s;
    if (!seen && (outTail + s).includes(NOTIFY)) ((seen = true), onAttach());
    outTail = s.slice(-NOTIFY.length);
  });
  child.stderr!.on('data', (d: Buffer) => {
    const s = d.toString('latin1');
    stderr += s;
    if (!seen && (errTail + s).includes(NOTIFY)) ((seen = true), onAttach());
    errTail = s.slice(-NOTIFY.length);
  });
  const exited = new Promise<TracerExit>((resolve) => {
    let endedAt = 0n;
    child.on('exit', () => (endedAt = process.hrtime.bigint()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, endedAt }));
  });
  const attachedOrDead = Promise.race([
    attached,
    exited.then((e) => {
      if (!seen)
        throw new Error(
          `${t.name} ${args.join(' ')} ended (${e.code ?? e.signal}) before attaching: ${lastLines(e.stderr)}`,
        );
    }),
  ]);
  attachedOrDead.catch(() => {});
  return {
    child,
    attached: attachedOrDead,
    exited,
    async stop(timeoutMs = 60_000) {
      // bpftrace 0.17 now and then does not end on one SIGINT (4 of ~200 stops in these runs hung for a minute,
      // on map-only and printf programs alike; a lost-wakeup race is our guess). A user presses Ctrl-C again;
      // so do we, every 2 s. `sigints` says how many it took, for the measurements that time the stop itself.
      let sigints = 0;
      const again = () => {
        sigints++;
        child.kill('SIGINT');
      };
      again();
      const resend = setInterval(again, 2000);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const e = await exited;
      clearInterval(resend);
      clearTimeout(timer);
      if (e.signal === 'SIGKILL') throw new Error(`${t.name} did not end within ${timeoutMs} ms of SIGINT`);
      return { ...e, sigints };
    },
  };
}

/** Waits for the attach word, at most `ms`; kills the tracer on time-out. */
export async function attachedWithin(r: RunningTracer, ms = 60_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      r.child.kill('SIGKILL');
      reject(new Error(`not attached within ${ms} ms`));
    }, ms);
  });
  try {
    await Promise.race([r.attached, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function lastLines(s: string, n = 3): string {
  const lines = s.split('\n').filter((l) => l.trim() !== '' && !l.includes('RLIMIT_MEMLOCK') && !l.includes(NOTIFY));
  return lines.slice(-n).join(' | ') || '(no stderr)';
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** scry/bpftrace, '-' when there is no bpftrace figure, 'n/a' when either is not above 0 (a cost lost in noise) */
export function ratio(a: number, b: number | undefined): string {
  if (b === undefined || !Number.isFinite(b)) return '-';
  if (a <= 0 || b <= 0) return 'n/a';
  return `${(a / b).toFixed(2)}×`;
}

export const fix = (x: number | undefined, digits = 1) => (x === undefined ? '-' : x.toFixed(digits));

/** A measurement that failed: said once on stdout (so it lands in the report), the row left out. */
export function failed(what: string, e: unknown): void {
  console.log(`  ! ${what}: ${e instanceof Error ? e.message : String(e)} (row left out)`);
}

/**
 * One retry of a failed sample, said on stdout: a tracer that hangs once on a loaded machine should not cost
 * the row. A second failure is the row's.
 */
export async function retryOnce<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    console.log(`  ! ${what}: ${e instanceof Error ? e.message : String(e)} (retrying once)`);
    return await f();
  }
}

/**
 * Other processes' BPF programs attached through perf events (`bpftool -j perf show`): a syscall tracepoint
 * anyone has attached puts every task on the slow syscall path, which moves the untraced baseline.
 */
export function otherAttachments(): string {
  const r = spawnSync('bpftool', ['-j', 'perf', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) return `bpftool perf show failed (${r.status ?? r.error?.message}): others' attachments unknown`;
  let list: { pid?: number; fd_type?: string; tracepoint?: string; func?: string; filename?: string }[];
  try {
    list = JSON.parse(r.stdout) as typeof list;
    if (!Array.isArray(list)) throw new Error('not an array');
  } catch (e) {
    return `bpftool perf show: unexpected output (${(e as Error).message}): others' attachments unknown`;
  }
  if (list.length === 0) return 'no other BPF program attached through perf events';
  const what = list.map(
    (a) => `${a.fd_type ?? '?'}:${a.tracepoint ?? a.func ?? a.filename ?? '?'} (pid ${a.pid ?? '?'})`,
  );
  return `other BPF programs attached through perf events: ${what.join(', ')}`;
}
