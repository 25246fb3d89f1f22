// Throughput: how many printf events per second scry turns into text in a file, losing none.
// A small C program makes N getppid() calls as fast as it can; scry prints one line per call to a file (-o).
// Run alone for a table: node --import tsx test/bench/throughput.ts [--events N[,N…]] [--runs R]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NOTIFY, startScry } from '../helpers/cli.ts';

export interface Throughput {
  /** lines written */
  events: number;
  /** how long the producer took to make its calls */
  seconds: number;
  /** offered rate: calls made per second */
  perSecond: number;
  /** written per second, from the first call to the last byte written: what user space sustained */
  sustained: number;
  /** what scry reported lost */
  lost: number;
  /** CPU time scry used from the first call to the end of the drain (user + system) */
  cpuSeconds: number;
  /** the 1-minute load average before the run (the machine's other work) */
  load: number;
}

export async function throughput(n: number): Promise<Throughput> {
  const dir = mkdtempSync(join(tmpdir(), 'scry-bench-'));
  try {
    const src = join(dir, 'scrybench.c');
    const exe = join(dir, 'scrybench');
    writeFileSync(
      src,
      '#include <unistd.h>\n#include <stdlib.h>\nint main(int c, char **v) { long n = atol(v[1]); for (long i = 0; i < n; i++) getppid(); return 0; }\n',
    );
    execFileSync('cc', ['-O2', '-o', exe, src]);
    const out = join(dir, 'out.txt');
    const prog = 'tracepoint:syscalls:sys_enter_getppid /comm == "scrybench"/ { printf("%d %lu\\n", tid, nsecs); }';
    const s = startScry(['-q', '-o', out, '-e', prog], { [NOTIFY]: '1' }, 600_000);
    await s.waitForStdout(NOTIFY);
    const load = loadavg()[0]!;
    const cpu0 = cpuTicks(s.child.pid!);
    const t0 = process.hrtime.bigint();
    spawnSync(exe, [String(n)]);
    const produced = Number(process.hrtime.bigint() - t0) / 1e9;
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
    s.child.kill('SIGINT');
    const r = await s.finished;
    const lines = readFileSync(out, 'latin1')
      .split('\n')
      .filter((l) => /^\d+ \d+$/.test(l)).length;
    let lost = 0; // reported as it happens, so possibly on several lines
    for (const m of r.stderr.matchAll(/Lost (\d+) events/g)) lost += Number(m[1]);
    return {
      events: lines,
      seconds: produced,
      perSecond: n / produced,
      sustained: lines / (Number(grewAt - t0) / 1e9),
      lost,
      cpuSeconds: (cpu1 - cpu0) / 100, // USER_HZ
      load,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  return Number(fields[11]) + Number(fields[12]);
}

const M = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const sizes = (arg('--events') ?? '1000000,5000000').split(',').map(Number);
  const runs = Number(arg('--runs') ?? 3);
  console.log('| events | offered | sustained | written | lost | scry CPU per event | load |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const n of sizes) {
    const all: Throughput[] = [];
    for (let i = 0; i < runs; i++) {
      const t = await throughput(n);
      all.push(t);
      console.log(
        `| ${n.toLocaleString('en')} | ${M(t.perSecond)} | ${M(t.sustained)} | ${t.events.toLocaleString('en')} | ${t.lost.toLocaleString('en')} | ${((t.cpuSeconds / t.events) * 1e9).toFixed(0)} ns | ${t.load.toFixed(1)} |`,
      );
    }
    const clean = all.filter((t) => t.lost === 0);
    console.log(
      `${n.toLocaleString('en')} events, ${runs} runs: sustained best ${M(Math.max(...all.map((t) => t.sustained)))}, median ${M(median(all.map((t) => t.sustained)))}; ` +
        `${clean.length} of ${runs} lost none (best offered with none lost: ${clean.length ? M(Math.max(...clean.map((t) => t.perSecond))) : '-'})`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
