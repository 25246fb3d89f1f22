// Start-up: whole processes that attach their probes and exit at BEGIN, run to their end under the rusage
// wrapper: wall time, CPU (user + system of the process and its children) and peak RSS, scry and bpftrace
// interleaved, medians, each run on a kernel done with the one before (settle). `node -e 0` is the floor any Node
// CLI pays. scry runs as the `scry` command does: bin/scry.cjs
// executed (its sh line starts this Node on it, first on PATH here), not `node bin/scry.cjs`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Native } from './native.ts';
import { objectIds, objectInfo } from '../helpers/kernel-objects.ts';
import { launcherCopy, type LauncherCopy } from '../helpers/launcher-copy.ts';
import {
  SCRY_BIN,
  failed,
  fix,
  measured,
  median,
  ratio,
  tracerEnv,
  tracers,
  type Rusage,
  type Tracer,
} from './proc.ts';

export interface StartupRow {
  name: string;
  program?: string;
  /** medians per tracer name (the floor row has one, under 'node') */
  medians: Map<string, Rusage>;
  runs: number;
}

// syscalls every kernel of this decade has; the 20-tracepoint program takes the first 20 whose enter event exists
const SYSCALLS = [
  'mkdir',
  'rmdir',
  'unlink',
  'unlinkat',
  'rename',
  'renameat',
  'renameat2',
  'chdir',
  'fchdir',
  'chmod',
  'fchmod',
  'fchmodat',
  'chown',
  'fchown',
  'fchownat',
  'link',
  'linkat',
  'symlink',
  'symlinkat',
  'truncate',
  'ftruncate',
  'mknod',
  'mknodat',
  'sync',
  'syncfs',
  'fsync',
  'fdatasync',
  'utimensat',
];

/** A row's program: the same text each run, or a text of its own for each run (`run`: -1 for the warm-up). */
type StartupProgram = string | ((run: number) => string);

interface StartupCase {
  name: string;
  program: StartupProgram;
  /**
   * scry runs from a copy of bin/ and dist/ that, before each run, has just been built: no caches beside the
   * bundle but what scripts/warm-cache.mjs (the end of npm install and npm run build) leaves there
   */
  afterBuild?: true;
}

export function startupPrograms(native: Native): StartupCase[] {
  const tp = SYSCALLS.filter((s) => existsSync(`/sys/kernel/tracing/events/syscalls/sys_enter_${s}`)).slice(0, 20);
  // a constant no run of this bench or an earlier one has had: scry keeps a script's parse and its programs'
  // optimized code between runs (lang/kept-parse.ts, codegen/shape-memo.ts), and this row has neither to take
  const fresh = 1_000_000 + Math.floor(Math.random() * 1e9);
  const newScript = (run: number) =>
    `tracepoint:syscalls:sys_enter_mkdir /pid != ${fresh + run}/ { @[pid] = count(); } BEGIN { exit(); }`;
  const out: StartupCase[] = [
    { name: 'BEGIN only', program: 'BEGIN { exit(); }' },
    { name: 'one tracepoint', program: 'tracepoint:syscalls:sys_enter_mkdir { @[pid] = count(); } BEGIN { exit(); }' },
    { name: 'one tracepoint, a script new to each run', program: newScript },
    { name: 'one tracepoint, the first run after npm install', program: newScript, afterBuild: true },
  ];
  if (tp.length === 20)
    out.push({
      name: '20 tracepoints',
      program: `${tp.map((s) => `tracepoint:syscalls:sys_enter_${s} { @${s}[pid] = count(); }`).join(' ')} BEGIN { exit(); }`,
    });
  else console.log(`  ! only ${tp.length} of the syscall tracepoints exist: 20-tracepoint row left out`);
  out.push(
    { name: 'uprobe', program: `uprobe:${native.scrybench}:scrybench_fn { @ = count(); } BEGIN { exit(); }` },
    {
      name: 'BTF-typed (curtask)',
      program: 'tracepoint:sched:sched_switch { @[((struct task_struct *)curtask)->pid] = count(); } BEGIN { exit(); }',
    },
    // what printing a kernel stack costs first: /proc/kallsyms read and indexed (runtime/kernel/kallsyms.ts)
    { name: 'kernel symbols (ksym)', program: 'BEGIN { printf("%s\\n", ksym(kaddr("vfs_read"))); exit(); }' },
    // a raw tracepoint stand-in (lang/providers/tracepoint.ts), which reads no kernel BTF
    {
      name: 'raw_syscalls:sys_enter',
      program: 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); } BEGIN { exit(); }',
    },
  );
  return out;
}

const FORMAT = '/sys/kernel/tracing/events/syscalls/sys_enter_mkdir/format';
const LINK_TYPE_PERF_EVENT = 7; // bpf_link_info.type

/** Perf-event links in the kernel: what scry's stop hands to the kernel's worker, until it has released them. */
function perfLinks(): number {
  return objectIds('link').filter((id) => {
    const info = objectInfo('link', id, 16);
    return info !== undefined && new DataView(info.buffer).getUint32(0, true) === LINK_TYPE_PERF_EVENT;
  }).length;
}

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Waits (at most 3 s) until the kernel has finished releasing what the run before handed it. scry's stop leaves
 * its perf events to the kernel's workers, and 30-110 ms after scry exits (measured here) each event's release
 * holds the tracing `event_mutex` for ~30-45 ms while it unregisters the tracepoint; a run attaching meanwhile
 * waits for that mutex (measured: bpftrace right after scry 330 ms, alone or 0.5 s later 317). A read of a
 * tracepoint's format file takes the same mutex, so: no perf-event link left, then reads of it every 5 ms
 * that all answer within a millisecond for 250 ms. Whichever tracer ran before, the next run starts on a kernel
 * with nothing pending.
 */
function settle(): void {
  if (!existsSync(FORMAT)) return;
  const until = Date.now() + 3000;
  while (perfLinks() > 0 && Date.now() < until) sleepMs(5);
  let quietSince = Date.now();
  while (Date.now() - quietSince < 250 && Date.now() < until) {
    sleepMs(5);
    const t = process.hrtime.bigint();
    readFileSync(FORMAT);
    if (process.hrtime.bigint() - t >= 1_000_000n) quietSince = Date.now();
  }
}

/**
 * A copy of the launcher and the bundle (helpers/launcher-copy.ts) whose `rebuild` puts it back as a build leaves
 * it: the caches beside the bundle removed (scripts/build.mjs), then scripts/warm-cache.mjs run (when the checkout
 * has it).
 */
function justBuilt(): LauncherCopy & { rebuild: (env: NodeJS.ProcessEnv) => void } {
  const copy = launcherCopy('scry-bench-build-', SCRY_BIN);
  const warmUp = join(dirname(SCRY_BIN), '..', 'scripts', 'warm-cache.mjs');
  return {
    ...copy,
    rebuild(env) {
      for (const f of readdirSync(copy.dist))
        if (f.startsWith('scry.cjs.cache')) rmSync(join(copy.dist, f), { recursive: true, force: true });
      // a checkout from before the warm-up (BENCH_SCRY) is measured as its build left it: no cache at all
      if (!existsSync(warmUp)) return;
      const warm = spawnSync(process.execPath, [warmUp, copy.bin], { env, timeout: 120_000 });
      if (warm.status !== 0) throw new Error(`scripts/warm-cache.mjs exited ${warm.status}: ${warm.stderr}`);
    },
  };
}

function summarise(xs: Rusage[]): Rusage {
  return {
    wallMs: median(xs.map((x) => x.wallMs)),
    cpuMs: median(xs.map((x) => x.cpuMs)),
    maxRssMb: median(xs.map((x) => x.maxRssMb)),
  };
}

export function startupBench(native: Native, runs: number): StartupRow[] {
  const rows: StartupRow[] = [];
  const floor: Rusage[] = [];
  for (let i = 0; i < runs; i++) floor.push(measured(native, [process.execPath, '-e', '0']));
  rows.push({ name: '`node -e 0` (floor)', medians: new Map([['node', summarise(floor)]]), runs });
  if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
    // Node parses the file at start-up, used or not; scry's launcher starts Node without it (bin/scry.cjs)
    const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
    const bare: Rusage[] = [];
    for (let i = 0; i < runs; i++) bare.push(measured(native, [process.execPath, '-e', '0'], env));
    rows.push({ name: '`node -e 0` without NODE_EXTRA_CA_CERTS', medians: new Map([['node', summarise(bare)]]), runs });
  }
  const only = process.env.BENCH_STARTUP === undefined ? undefined : new RegExp(process.env.BENCH_STARTUP);
  for (const { name, program, afterBuild } of startupPrograms(native)) {
    if (only && !only.test(name)) continue;
    const samples = new Map<Tracer['name'], Rusage[]>();
    const built = afterBuild ? justBuilt() : undefined;
    try {
      const env = { ...tracerEnv(), PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
      const argv = (t: Tracer) => (t.name === 'scry' ? [built?.bin ?? SCRY_BIN] : t.argv);
      const run = (t: Tracer, i: number) => {
        if (built && t.name === 'scry') built.rebuild(env);
        settle();
        const text = typeof program === 'string' ? program : program(i);
        return measured(native, [...argv(t), '-q', '-e', text], env);
      };
      for (const t of tracers()) run(t, -1); // warm the page cache and scry's code cache; not counted
      for (let i = 0; i < runs; i++)
        for (const t of tracers()) {
          const s = samples.get(t.name) ?? [];
          s.push(run(t, i));
          samples.set(t.name, s);
        }
    } catch (e) {
      failed(`start-up, ${name}`, e);
      continue;
    } finally {
      built?.remove();
    }
    rows.push({
      name,
      program: typeof program === 'string' ? program : program(0).replace(/\d{7,}/, 'N'),
      medians: new Map([...samples].map(([k, v]) => [k, summarise(v)])),
      runs,
    });
  }
  return rows;
}

export function formatStartup(rows: StartupRow[]): string {
  const lines = [
    '| program | wall ms scry / bpftrace | wall ratio | CPU ms scry / bpftrace | CPU ratio | peak RSS MB scry / bpftrace | RSS ratio |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const node = r.medians.get('node');
    if (node) {
      lines.push(`| ${r.name} | ${fix(node.wallMs)} | | ${fix(node.cpuMs)} | | ${fix(node.maxRssMb)} | |`);
      continue;
    }
    const s = r.medians.get('scry')!;
    const b = r.medians.get('bpftrace');
    lines.push(
      `| ${r.name} | ${fix(s.wallMs)} / ${fix(b?.wallMs)} | ${ratio(s.wallMs, b?.wallMs)} | ${fix(s.cpuMs)} / ${fix(b?.cpuMs)} | ${ratio(s.cpuMs, b?.cpuMs)} | ${fix(s.maxRssMb)} / ${fix(b?.maxRssMb)} | ${ratio(s.maxRssMb, b?.maxRssMb)} |`,
    );
  }
  return lines.join('\n');
}
