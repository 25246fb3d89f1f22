// `npm run bench`: scry against bpftrace (when /usr/bin/bpftrace is installed), run side by side and
// interleaved (scry, bpftrace, scry, bpftrace…) in one run, medians with the scry/bpftrace ratio next to them:
// the machine is shared, so ratios from one run are what counts. Needs root. Runs the built CLI (bin/scry.cjs
// over dist/): `npm run build` first.
//   BENCH_BPFTRACE=PATH             another bpftrace (default /usr/bin/bpftrace; missing: scry alone)
//   BENCH_SCRY=PATH                 another scry's bin/scry.cjs (an older build against the same bpftrace)
//   BENCH_RUNS=N                    samples per row (default: start-up 10, per-event 5, the rest 3)
//   BENCH_ONLY=startup,events,size,throughput,exit,maps[,btf]   which sections (default: all but btf)
//   BENCH_EVENTS=REGEX              per-event rows whose name matches
//   BENCH_STARTUP=REGEX             start-up rows whose name matches (the node floor is always measured)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { dirname } from 'node:path';
import { btfBench, formatBtfBench } from './btf.ts';
import { eventsBench, formatEvents } from './events.ts';
import { exitLatencyBench, formatExitLatency } from './exit-latency.ts';
import { formatMapPrint, mapPrintBench } from './maps.ts';
import { buildNative } from './native.ts';
import { BPFTRACE, SCRY_BIN, failed, scry } from './proc.ts';
import { formatSizeTable, sizeBench } from './size.ts';
import { formatStartup, startupBench } from './startup.ts';
import { formatThroughput, throughputBench } from './throughput.ts';

const SECTIONS = ['startup', 'events', 'size', 'throughput', 'exit', 'maps', 'btf'] as const;
const only = new Set(
  (process.env.BENCH_ONLY ?? SECTIONS.filter((s) => s !== 'btf').join(',')).split(',').map((s) => s.trim()),
);
for (const s of only)
  if (!(SECTIONS as readonly string[]).includes(s)) {
    process.stderr.write(`BENCH_ONLY: unknown section ${s} (known: ${SECTIONS.join(', ')})\n`);
    process.exit(2);
  }
const runsEnv = process.env.BENCH_RUNS === undefined ? undefined : Number(process.env.BENCH_RUNS);
if (runsEnv !== undefined && !(Number.isInteger(runsEnv) && runsEnv > 0)) {
  process.stderr.write(`BENCH_RUNS: not a positive integer: ${process.env.BENCH_RUNS}\n`);
  process.exit(2);
}
const runs = (dflt: number) => runsEnv ?? dflt;

function header(): string {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  const bt = existsSync(BPFTRACE)
    ? spawnSync(BPFTRACE, ['--version'], { encoding: 'utf8' }).stdout.trim() || 'bpftrace (no --version output)'
    : 'bpftrace: not installed (apt-get install bpftrace): scry figures only, no ratios';
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      cwd: dirname(SCRY_BIN), // the scry measured (BENCH_SCRY: another checkout's)
    }).trim();
  } catch {}
  return [
    `date ${new Date().toISOString()}; kernel ${release()}; ${cpus().length} × ${model}`,
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${bt}; scry ${commit}; node ${process.version}`,
  ].join('\n');
}

const section = (title: string) => console.log(`\n## ${title}\n`);
const started = Date.now();
console.log(header());
if (!existsSync(scry.argv[1]!)) throw new Error(`${scry.argv[1]} missing`);
const native = buildNative();
try {
  if (only.has('startup')) {
    section(`Start-up: whole process, medians of ${runs(10)} interleaved runs (rusage from wait4)`);
    console.log(formatStartup(startupBench(native, runs(10))));
  }
  if (only.has('events')) {
    section(
      `Per-event cost: the loop thread's CPU time per call (median batch per CPU), traced minus the untraced runs around it, medians of ${runs(5)} interleaved runs`,
    );
    console.log(formatEvents(await eventsBench(native, runs(5))));
  }
  if (only.has('size')) {
    section('Program size: xlated / jited bytes of the probe program (size.ts corpus)');
    try {
      console.log(formatSizeTable(await sizeBench({ scry: scry.argv, bpftrace: BPFTRACE })));
    } catch (e) {
      failed('program size', e);
    }
  }
  if (only.has('throughput')) {
    section(`printf to a file (-o), lossless: medians of ${runs(3)} interleaved runs`);
    const sizes = [
      { events: 500_000, perCall: 1 },
      { events: 5_000_000, perCall: 1 },
      { events: 400_000, perCall: 8 },
      { events: 4_000_000, perCall: 8 },
    ];
    console.log(formatThroughput(await throughputBench(native, sizes, runs(3), 500_000)));
    console.log(
      '\n(above 500,000 events: scry alone; bpftrace 0.17 wakes its reader per event and slows the producer to 0.06–0.12 M calls/s, so 5M would take over 40 s a run)',
    );
  }
  if (only.has('exit')) {
    section(`Exit latency under that printf flood: medians of ${runs(3)} interleaved runs`);
    console.log(formatExitLatency(await exitLatencyBench(native, runs(3))));
  }
  if (only.has('maps')) {
    section(`Reading a 100k-key map: medians of ${runs(3)} interleaved runs`);
    const r = await mapPrintBench(native, runs(3));
    if (r) console.log(formatMapPrint(r));
  }
  if (only.has('btf') && existsSync('/sys/kernel/btf/vmlinux')) {
    section('scry alone: reading /sys/kernel/btf/vmlinux');
    console.log(formatBtfBench(btfBench(Math.min(runs(15), 15))));
  }
} finally {
  native.dispose();
}
console.log(
  `\n(bench took ${((Date.now() - started) / 1000).toFixed(0)} s; load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
