// Benchmark: reading the whole /sys/kernel/btf/vmlinux (file read included) and answering the first
// lookup by name (which builds the name index). Each sample is a fresh Node process, so the code is as
// cold as in a CLI run; warm figures (same process, cache reset) are shown too.
//   node --import tsx test/bench/btf.ts            BTF_BENCH_RUNS=N to change the number of processes
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resetBtfCache, vmlinuxBtf } from '../../runtime/kernel/btf/index.ts';

export interface BtfSample {
  /** ms to read and index the file */
  load: number;
  /** ms for the first find() (builds the name index) */
  first: number;
  /** ms for a later find() */
  next: number;
  types: number;
}

export interface BtfBench {
  runs: number;
  cold: { load: Stats; first: Stats; total: Stats };
  warm: { load: Stats; first: Stats; total: Stats };
  next: Stats;
  types: number;
}

interface Stats {
  best: number;
  median: number;
}

/** One sample in this process (resets the cache first). */
export function sampleBtf(): BtfSample {
  resetBtfCache();
  const t0 = performance.now();
  const btf = vmlinuxBtf();
  const t1 = performance.now();
  if (btf === undefined) throw new Error('no /sys/kernel/btf/vmlinux');
  const id = btf.find('task_struct', 'struct');
  const t2 = performance.now();
  btf.funcProto('vfs_read');
  const t3 = performance.now();
  if (id === undefined) throw new Error('struct task_struct not found');
  return { load: t1 - t0, first: t2 - t1, next: t3 - t2, types: btf.typeCount };
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
}

function summarise(samples: BtfSample[]): { load: Stats; first: Stats; total: Stats } {
  return {
    load: stats(samples.map((s) => s.load)),
    first: stats(samples.map((s) => s.first)),
    total: stats(samples.map((s) => s.load + s.first)),
  };
}

const self = fileURLToPath(import.meta.url);

/** `runs` fresh processes (cold) and `runs` in-process repeats (warm). */
export function btfBench(runs = 15): BtfBench {
  const cold: BtfSample[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--sample'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`btf bench child: ${r.stderr}`);
    cold.push(JSON.parse(r.stdout) as BtfSample);
  }
  const warm: BtfSample[] = [];
  for (let i = 0; i < runs; i++) warm.push(sampleBtf());
  resetBtfCache();
  return {
    runs,
    cold: summarise(cold),
    warm: summarise(warm),
    next: stats(cold.map((s) => s.next)),
    types: cold[0]?.types ?? 0,
  };
}

export function formatBtfBench(b: BtfBench): string {
  const f = (s: Stats) => `${s.best.toFixed(1)} | ${s.median.toFixed(1)}`;
  return [
    `BTF: /sys/kernel/btf/vmlinux, ${b.types} types, ${b.runs} runs each`,
    '| BTF vmlinux | best ms | median ms |',
    '| --- | --- | --- |',
    `| load (fresh process) | ${f(b.cold.load)} |`,
    `| first lookup (fresh process) | ${f(b.cold.first)} |`,
    `| load + first lookup (fresh process) | ${f(b.cold.total)} |`,
    `| later lookup (fresh process) | ${f(b.next)} |`,
    `| load + first lookup (warm, cache reset) | ${f(b.warm.total)} |`,
  ].join('\n');
}

if (process.argv[1] === self) {
  if (process.argv[2] === '--sample') {
    process.stdout.write(JSON.stringify(sampleBtf()));
  } else if (!existsSync('/sys/kernel/btf/vmlinux')) {
    process.stderr.write('no /sys/kernel/btf/vmlinux: nothing to measure\n');
  } else {
    console.log(formatBtfBench(btfBench(Number(process.env.BTF_BENCH_RUNS ?? 15))));
  }
}
