// Per-event overhead: the loop program makes N calls untraced, then traced by scry, untraced again, then traced
// by bpftrace (interleaved, `runs` times); a sample's cost is traced minus the untraced run just before it, over
// N, and the row shows the median. Times are the loop's own CPU time (CLOCK_PROCESS_CPUTIME_ID: the BPF program
// runs in the calling task, and time other work takes the CPU away is not counted); pairing each traced run with
// the untraced one next to it keeps other processes' syscall tracepoints, which come and go on a shared machine
// and slow every syscall while attached, out of the difference as far as they hold still for a second.
// The tracer is started anew for every sample and the loop starts once it says its probes are attached.
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
  /** ns per call untraced */
  untraced: number;
  runs: number;
}

async function tracedSample(t: Tracer, native: Native, s: Shape): Promise<number> {
  const r = startTracer(t, ['-q', ...(s.args ?? []), '-e', s.program]);
  try {
    await attachedWithin(r);
  } catch (e) {
    r.child.kill('SIGKILL');
    throw e;
  }
  const l = loop(native, s.mode, s.n);
  const e = await r.stop(20_000);
  if (e.code !== 0) throw new Error(`${t.name} ended ${e.code ?? e.signal} after SIGINT`);
  return l.cpuNs;
}

export async function eventsBench(native: Native, runs: number): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  console.log(`(at the start: ${otherAttachments()})`);
  for (const s of shapes(native)) {
    const untraced: number[] = [];
    const perCall = new Map<string, number[]>();
    try {
      loop(native, s.mode, s.n); // warm-up
      for (let i = 0; i < runs; i++)
        for (const t of tracers()) {
          const base = loop(native, s.mode, s.n).cpuNs;
          untraced.push(base);
          const traced = await retryOnce(`${s.name}, ${t.name}`, () => tracedSample(t, native, s));
          const xs = perCall.get(t.name) ?? [];
          xs.push((traced - base) / s.n);
          perCall.set(t.name, xs);
        }
    } catch (e) {
      failed(`per-event, ${s.name}`, e);
      continue;
    }
    const perEvent = new Map([...perCall].map(([k, v]) => [k, median(v)]));
    for (const [k, v] of perEvent)
      if (v < 2 && !s.untracedCalls)
        console.log(`  ! per-event, ${s.name}: ${k} adds ${v.toFixed(1)} ns per call: was it attached?`);
    rows.push({ shape: s, perEvent, untraced: median(untraced) / s.n, runs });
  }
  return rows;
}

export function formatEvents(rows: EventRow[]): string {
  const lines = [
    '| program | calls | untraced ns/call | scry ns/event | bpftrace ns/event | scry/bpftrace |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const s = r.perEvent.get('scry')!;
    const b = r.perEvent.get('bpftrace');
    lines.push(
      `| ${r.shape.name} | ${r.shape.mode} ×${r.shape.n.toLocaleString('en')} | ${fix(r.untraced)} | ${fix(s)} | ${fix(b)} | ${ratio(s, b)} |`,
    );
  }
  return lines.join('\n');
}
