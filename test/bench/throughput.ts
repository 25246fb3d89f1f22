// Throughput: how many printf events per second a tracer turns into text in a file (-o), and how many it loses.
// The loop program makes N getppid() calls as fast as it can; the tracer prints one line per call, or K lines
// (K printf statements in the probe) where one call's line is not enough to outrun the reader: an untraced
// getppid() costs ~1 µs on this machine's kernel, so one line per call cannot offer much above 1 M/s. Lost is
// counted twice: what the tracer said ("Lost N events", scry on stderr, bpftrace 0.17 in the output file) and
// the calls that have no line (the figure that counts).
// Run alone for a table: node --import tsx test/bench/throughput.ts [--events N[,N…]] [--runs R] [--scry-only]
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildNative, type Native } from './native.ts';
import {
  attachedWithin,
  failed,
  loop,
  median,
  ratio,
  retryOnce,
  scry,
  startTracer,
  tracers,
  type Tracer,
} from './proc.ts';

export interface Throughput {
  tracer: Tracer['name'];
  /** calls made */
  n: number;
  /** printf records (lines) per call */
  perCall: number;
  /** lines written */
  events: number;
  /** how long the producer took to make its calls */
  seconds: number;
  /** offered rate: records made per second (a tracer that wakes its reader per event slows the producer down) */
  perSecond: number;
  /** written per second, from the first call to the last byte written: what user space sustained */
  sustained: number;
  /** records with no line */
  missing: number;
  /** what the tracer reported lost */
  reportedLost: number;
  /** CPU time the tracer used from the first call to the end of the drain (user + system) */
  cpuSeconds: number;
  /** the 1-minute load average before the run (the machine's other work) */
  load: number;
}

/** The flood: `perCall` printf records (lines "TID NSECS") for each getppid() of the loop program. */
export function flood(perCall = 1): string {
  const line = 'printf("%d %lu\\n", tid, nsecs);';
  return `tracepoint:syscalls:sys_enter_getppid /comm == "scrybench"/ { ${Array(perCall).fill(line).join(' ')} }`;
}

export const FLOOD = flood(1);

export async function throughput(t: Tracer, native: Native, n: number, perCall = 1): Promise<Throughput> {
  const out = join(native.dir, `out-${t.name}.txt`);
  rmSync(out, { force: true });
  const s = startTracer(t, ['-q', '-o', out, '-e', flood(perCall)]);
  await attachedWithin(s);
  const load = loadavg()[0]!;
  const cpu0 = cpuTicks(s.child.pid!);
  const t0 = process.hrtime.bigint();
  const produced = loop(native, 'getppid', n).wallNs / 1e9;
  // The drain is over when the file stops growing; its last growth is when the last line was written.
  let size = fileSize(out);
  let grewAt = process.hrtime.bigint();
  for (;;) {
    await new Promise((r) => setTimeout(r, 10));
    const now = fileSize(out);
    if (now !== size) {
      size = now;
      grewAt = process.hrtime.bigint();
    } else if (process.hrtime.bigint() - grewAt > 300_000_000n) break;
  }
  const cpu1 = cpuTicks(s.child.pid!);
  const r = await s.stop();
  if (r.code !== 0) throw new Error(`${t.name} ended ${r.code ?? r.signal} after SIGINT`);
  const file = countLines(out);
  let reportedLost = file.lost; // reported as it happens, so possibly on several lines
  for (const m of r.stderr.matchAll(/Lost (\d+) events/g)) reportedLost += Number(m[1]);
  rmSync(out, { force: true });
  if (file.lines === 0) throw new Error(`${t.name} wrote no event line to ${out}`);
  return {
    tracer: t.name,
    n,
    perCall,
    events: file.lines,
    seconds: produced,
    perSecond: (n * perCall) / produced,
    sustained: file.lines / (Number(grewAt - t0) / 1e9),
    missing: n * perCall - file.lines,
    reportedLost,
    cpuSeconds: (cpu1 - cpu0) / 100, // USER_HZ
    load,
  };
}

/** Lines of the form "TID NSECS" and the "Lost N events" lines, read a chunk at a time (the file is big). */
function countLines(path: string): { lines: number; lost: number } {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  let rest = '';
  let lines = 0;
  let lost = 0;
  const line = (l: string) => {
    if (/^\d+ \d+$/.test(l)) lines++;
    else {
      const m = /^Lost (\d+) events$/.exec(l);
      if (m) lost += Number(m[1]);
    }
  };
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const parts = (rest + buf.toString('latin1', 0, got)).split('\n');
      rest = parts.pop()!;
      for (const l of parts) line(l);
    }
    if (rest) line(rest);
  } finally {
    closeSync(fd);
  }
  return { lines, lost };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may hold spaces
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`/proc/${pid}/stat: no utime/stime in ${JSON.stringify(stat)}`);
  return ticks;
}

const M = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;

export interface ThroughputRow {
  /** records: calls × perCall */
  n: number;
  perCall: number;
  runs: Map<string, Throughput[]>;
}

/** One bench row: `events` records in all, `perCall` of them for each call of the loop program. */
export interface ThroughputSize {
  events: number;
  perCall: number;
}

/** Interleaved runs per size; `scryOnlyAbove`: sizes above it run scry alone (bpftrace 0.17 needs ~17 s a million). */
export async function throughputBench(
  native: Native,
  sizes: readonly ThroughputSize[],
  runs: number,
  scryOnlyAbove = Infinity,
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const { events: n, perCall } of sizes) {
    const row: ThroughputRow = { n, perCall, runs: new Map() };
    const who = n > scryOnlyAbove ? [scry] : tracers();
    const calls = Math.ceil(n / perCall);
    try {
      for (let i = 0; i < runs; i++)
        for (const t of who) {
          const xs = row.runs.get(t.name) ?? [];
          xs.push(
            await retryOnce(`printf throughput, ${n} (${perCall} per call), ${t.name}`, () =>
              throughput(t, native, calls, perCall),
            ),
          );
          row.runs.set(t.name, xs);
        }
    } catch (e) {
      failed(`printf throughput, ${n} events`, e);
      continue;
    }
    rows.push(row);
  }
  return rows;
}

export function formatThroughput(rows: ThroughputRow[]): string {
  const lines = [
    '| events | lines per call | tracer | offered (median) | sustained (median) | sustained scry/bpftrace (higher: scry faster) | lost per run (missing lines) | CPU per event (median) | load |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const sustained = (name: string) => {
      const xs = r.runs.get(name);
      return xs ? median(xs.map((t) => t.sustained)) : undefined;
    };
    for (const [name, xs] of r.runs) {
      const lost = xs.map(
        (t) => t.missing.toLocaleString('en') + (t.reportedLost !== t.missing ? ` (said ${t.reportedLost})` : ''),
      );
      lines.push(
        `| ${r.n.toLocaleString('en')} | ${r.perCall} | ${name} | ${M(median(xs.map((t) => t.perSecond)))} | ${M(sustained(name)!)} | ` +
          `${name === 'scry' ? ratio(sustained('scry')!, sustained('bpftrace')) : ''} | ${lost.join(', ')} | ` +
          `${median(xs.map((t) => (t.cpuSeconds / Math.max(1, t.events)) * 1e9)).toFixed(0)} ns | ${median(xs.map((t) => t.load)).toFixed(1)} |`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  // N or N/K: N records, K per call
  const sizes = (arg('--events') ?? '1000000,5000000,4000000/8').split(',').map((x) => {
    const [events, perCall] = x.split('/').map(Number);
    return { events: events!, perCall: perCall ?? 1 };
  });
  const runs = Number(arg('--runs') ?? 3);
  const native = buildNative();
  try {
    const rows = await throughputBench(native, sizes, runs, process.argv.includes('--scry-only') ? 0 : 1_000_000);
    console.log(formatThroughput(rows));
  } finally {
    native.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
