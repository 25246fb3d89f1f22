// Benchmarks (not tests): start-up of a one-liner against bpftrace, measured wall-clock over many runs.
// Run with `npm run bench`; prints a table of medians. Needs root, like scry itself.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { scryBin } from '../helpers/cli.ts';
import { throughput } from './throughput.ts';
import { btfBench, formatBtfBench } from './btf.ts';

interface Result {
  name: string;
  median: number;
  p90: number;
  runs: number;
}

function time(name: string, cmd: string, args: string[], runs: number): Result | undefined {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const t1 = process.hrtime.bigint();
    if (r.status !== 0) {
      process.stderr.write(`${name}: exited ${r.status}: ${r.stderr}\n`);
      return undefined;
    }
    samples.push(Number(t1 - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { name, median: samples[Math.floor(runs / 2)]!, p90: samples[Math.floor(runs * 0.9)]!, runs };
}

const runs = Number(process.env.BENCH_RUNS ?? 20);
const results: (Result | undefined)[] = [];
const oneLiner = 'BEGIN { exit(); }';
results.push(time(`scry -e '${oneLiner}'`, process.execPath, [scryBin, '-q', '-e', oneLiner], runs));
results.push(time('node -e 0 (floor)', process.execPath, ['-e', '0'], runs));
if (existsSync('/usr/bin/bpftrace'))
  results.push(time(`bpftrace -e '${oneLiner}'`, '/usr/bin/bpftrace', ['-e', oneLiner], Math.min(runs, 10)));
else process.stderr.write('bpftrace not installed (apt-get install bpftrace): no peer figure\n');

console.log('| command | median ms | p90 ms | runs |');
console.log('| --- | --- | --- | --- |');
for (const r of results) if (r) console.log(`| ${r.name} | ${r.median.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.runs} |`);

// the whole vmlinux BTF, read and indexed in a fresh process, and the first lookup by name (issue budget: 150 ms)
if (existsSync('/sys/kernel/btf/vmlinux')) console.log(`\n${formatBtfBench(btfBench(Math.min(runs, 15)))}`);

// printf throughput to a file: a burst of 1M events, and a sustained run of 5M
for (const n of [1_000_000, 5_000_000]) {
  const t = await throughput(n);
  console.log(
    `printf to a file, ${n} events: ${t.events} written, ${t.lost} lost; offered ${(n / t.seconds / 1e6).toFixed(2)} M/s, ` +
      `sustained ${(t.sustained / 1e6).toFixed(2)} M/s (load ${t.load.toFixed(1)})`,
  );
}
