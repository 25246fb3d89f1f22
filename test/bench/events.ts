// Per-event overhead: the loop program makes N calls untraced, then traced by scry, untraced again, then traced
// by bpftrace, untraced again (interleaved, `runs` times); a sample's cost is the traced cost per call minus the
// mean of the untraced runs just before and just after it, and the row shows the median. A run's cost per call is
// the median, over batches of 1000 calls, of the loop thread's CPU time (CLOCK_THREAD_CPUTIME_ID: the BPF program
// runs in the calling task, and time other work takes the CPU away is not counted), taken on each CPU in turn and
// averaged over them (native.ts says why). The machine is shared and an
// untraced getppid() here drifts by 10-50% from one second to the next: the batch median keeps short bursts out,
// and the untraced runs on both sides of each traced one keep the drift out as far as it is steady over a few
// seconds. The tracer is started anew for every sample and the loop starts once it says its probes are attached.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import type { Native } from './native.ts';
import {
  attachedWithin,
  failed,
  fix,
  loop,
  median,
  otherAttachments,
  ratio,
  retryOnce,
  startTracer,
  tracers,
  type Tracer,
} from './proc.ts';
import { probePrograms } from './size.ts';

export interface Shape {
  name: string;
  /** the loop program's mode and how many calls */
  mode: string;
  n: number;
  /** bpftrace 0.17 syntax, which scry accepts too */
  program: string;
  /** extra tracer arguments */
  args?: string[];
  /** the loop's calls are not the traced event: a cost near 0 is a finding, not a failed attach */
  untracedCalls?: boolean;
}

const GETPPID = arch() === 'arm64' ? 173 : 110; // raw_syscalls' id of getppid

export function shapes(native: Native): Shape[] {
  const getppid = 'tracepoint:syscalls:sys_enter_getppid';
  const only = '/comm == "scrybench"/';
  return [
    { name: 'count by comm', mode: 'getppid', n: 500_000, program: `${getppid} { @[comm] = count(); }` },
    {
      name: 'hist of nsecs & 0xffff',
      mode: 'getppid',
      n: 500_000,
      program: `${getppid} { @ = hist(nsecs & 0xffff); }`,
    },
    {
      name: 'predicate, two maps',
      mode: 'getppid',
      n: 500_000,
      program: `${getppid} ${only} { @n[tid] = count(); @last[pid] = nsecs; }`,
    },
    {
      name: 'raw_syscalls, filtered by id',
      mode: 'getppid',
      n: 500_000,
      program: `tracepoint:raw_syscalls:sys_enter /args->id == ${GETPPID}/ { @ = count(); }`,
    },
    {
      name: 'printf to /dev/null',
      mode: 'getppid',
      n: 500_000,
      program: `${getppid} ${only} { printf("%d %lu\\n", tid, nsecs); }`,
      args: ['-o', '/dev/null'],
    },
    {
      name: 'str(filename) key (openat)',
      mode: 'open',
      n: 200_000,
      program: `tracepoint:syscalls:sys_enter_openat ${only} { @[str(args->filename)] = count(); }`,
    },
    {
      // a stack by value as the key (the frames taken and hashed a call; bpftrace 0.17 keys by a stack id)
      name: 'kstack key',
      mode: 'getppid',
      n: 200_000,
      program: `${getppid} { @[kstack] = count(); }`,
    },
    {
      name: 'ustack key',
      mode: 'getppid',
      n: 200_000,
      program: `${getppid} { @[ustack] = count(); }`,
    },
    {
      // the floor under the syscall rows: the perf tracepoint's own work (the record, the program's call) with a
      // program that does nothing, the same for both tracers
      name: 'syscall tracepoint, empty program',
      mode: 'getppid',
      n: 500_000,
      program: `${getppid} { }`,
    },
    {
      name: 'uprobe count',
      mode: 'fn',
      n: 100_000,
      program: `uprobe:${native.scrybench}:scrybench_fn { @ = count(); }`,
    },
    {
      // the floor under the row above: the uprobe's trap and the kernel's handling with a program that does
      // nothing, the same for both tracers (whatever a tracer saves inside its program is what is left above it)
      name: 'uprobe, empty program (the trap alone)',
      mode: 'fn',
      n: 100_000,
      program: `uprobe:${native.scrybench}:scrybench_fn { }`,
    },
    {
      // the price every other syscall pays while a syscall tracepoint is attached (the slow syscall path)
      name: 'getpid while sys_enter_getppid is traced',
      mode: 'getpid',
      n: 500_000,
      program: `${getppid} { @ = count(); }`,
      untracedCalls: true,
    },
  ];
}

export interface EventRow {
  shape: Shape;
  /** ns per event by tracer name */
  perEvent: Map<string, number>;
  /** ns per run of the probe program itself (kernel.bpf_stats_enabled), by tracer name, when it could be read */
  inProgram: Map<string, number>;
  /** ns per call untraced */
  untraced: number;
  runs: number;
}

const BPF_STATS = '/proc/sys/kernel/bpf_stats_enabled';
const STATS_CALLS = 50_000;

/** Whether the program-time column can be measured: bpf_stats can be switched on and bpftool reads it. */
function canReadProgramTime(): boolean {
  // bpftool as size.ts and proc.ts run it: the one on PATH
  return existsSync(BPF_STATS) && spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Time inside the tracer's probe programs per run, from the kernel's own accounting: switched on only for a short
 * second loop after the measured one (it costs two clock reads per run, which would land in the figure above).
 */
function programTime(pid: number, native: Native, s: Shape): number | undefined {
  const was = readFileSync(BPF_STATS, 'utf8').trim();
  const sum = () =>
    probePrograms(pid).reduce((a, p) => ({ ns: a.ns + (p.run_time_ns ?? 0), n: a.n + (p.run_cnt ?? 0) }), {
      ns: 0,
      n: 0,
    });
  writeFileSync(BPF_STATS, '1');
  try {
    const before = sum();
    loop(native, s.mode, Math.min(s.n, STATS_CALLS));
    const after = sum();
    const runs = after.n - before.n;
    return runs > 0 ? (after.ns - before.ns) / runs : undefined;
  } finally {
    writeFileSync(BPF_STATS, was);
  }
}

async function tracedSample(
  t: Tracer,
  native: Native,
  s: Shape,
): Promise<{ perCall: number; inProgram: number | undefined }> {
  const r = startTracer(t, ['-q', ...(s.args ?? []), '-e', s.program]);
  try {
    await attachedWithin(r);
  } catch (e) {
    r.child.kill('SIGKILL');
    throw e;
  }
  const l = loop(native, s.mode, s.n);
  const inProgram = canReadProgramTime() && !s.untracedCalls ? programTime(r.child.pid!, native, s) : undefined;
  const e = await r.stop(20_000);
  if (e.code !== 0) throw new Error(`${t.name} ended ${e.code ?? e.signal} after SIGINT`);
  return { perCall: l.batchMedianNs, inProgram };
}

export async function eventsBench(native: Native, runs: number): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  console.log(`(at the start: ${otherAttachments()})`);
  const only = process.env.BENCH_EVENTS === undefined ? undefined : new RegExp(process.env.BENCH_EVENTS);
  for (const s of shapes(native).filter((x) => !only || only.test(x.name))) {
    const untraced: number[] = [];
    const perCall = new Map<string, number[]>();
    const inProgram = new Map<string, number[]>();
    try {
      loop(native, s.mode, s.n); // warm-up
      let before = loop(native, s.mode, s.n).batchMedianNs;
      for (let i = 0; i < runs; i++)
        for (const t of tracers()) {
          const traced = await retryOnce(`${s.name}, ${t.name}`, () => tracedSample(t, native, s));
          const after = loop(native, s.mode, s.n).batchMedianNs;
          untraced.push(before);
          const xs = perCall.get(t.name) ?? [];
          xs.push(traced.perCall - (before + after) / 2);
          perCall.set(t.name, xs);
          if (traced.inProgram !== undefined)
            inProgram.set(t.name, [...(inProgram.get(t.name) ?? []), traced.inProgram]);
          before = after;
        }
    } catch (e) {
      failed(`per-event, ${s.name}`, e);
      continue;
    }
    const perEvent = new Map([...perCall].map(([k, v]) => [k, median(v)]));
    for (const [k, v] of perEvent)
      if (v < 2 && !s.untracedCalls)
        console.log(`  ! per-event, ${s.name}: ${k} adds ${v.toFixed(1)} ns per call: was it attached?`);
    rows.push({
      shape: s,
      perEvent,
      inProgram: new Map([...inProgram].map(([k, v]) => [k, median(v)])),
      untraced: median(untraced),
      runs,
    });
  }
  return rows;
}

export function formatEvents(rows: EventRow[]): string {
  const lines = [
    '| program | calls | untraced ns/call | scry ns/event | bpftrace ns/event | scry/bpftrace | in the program: scry / bpftrace ns | ratio |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const s = r.perEvent.get('scry')!;
    const b = r.perEvent.get('bpftrace');
    const ps = r.inProgram.get('scry');
    const pb = r.inProgram.get('bpftrace');
    const inProgram = ps === undefined ? '' : `${fix(ps)} / ${pb === undefined ? '-' : fix(pb)}`;
    lines.push(
      `| ${r.shape.name} | ${r.shape.mode} ×${r.shape.n.toLocaleString('en')} | ${fix(r.untraced)} | ${fix(s)} | ${fix(b)} | ${ratio(s, b)} | ${inProgram} | ${ps === undefined ? '' : ratio(ps, pb)} |`,
    );
  }
  return lines.join('\n');
}
