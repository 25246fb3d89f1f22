// Attach race reproducer: with one scry already on tracepoint:syscalls:sys_enter_mkdir, start a second one
// and, the moment it prints __BPFTRACE_NOTIFY_PROBES_ATTACHED, make mkdir calls from this thread for a few ms.
// Reports (1) how long after the word the first mkdir was seen and how many were missed, and (2) how often a
// SIGINT sent right after the word still gets END and the maps (it used to kill scry outright).
// Run: node --import tsx test/bench/attach-race.ts [--trials N] [--alone]   (root)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTIFY, startScry } from '../helpers/cli.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const trials = Number(arg('--trials') ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'scry-attach-race-'));
const target = join(dir, 'd');
mkdirSync(target); // every later mkdir fails with EEXIST, after entering the syscall

const first = process.argv.includes('--alone')
  ? undefined
  : startScry(['-q', '-e', 'tracepoint:syscalls:sys_enter_mkdir { @n = count(); }'], { [NOTIFY]: '1' }, 600_000);
await first?.waitForStdout(NOTIFY);

// (1) first event after the word; the second scry is stopped only after a grace period
const delays: number[] = [];
let missedRuns = 0;
for (let t = 0; t < trials; t++) {
  const s = startScry(
    ['-q', '-e', `tracepoint:syscalls:sys_enter_mkdir /pid == ${process.pid}/ { @first = min(nsecs); @n = count(); }`],
    { [NOTIFY]: '1' },
  );
  await s.waitForStdout(NOTIFY);
  const t0 = process.hrtime.bigint(); // CLOCK_MONOTONIC, as nsecs
  let calls = 0;
  while (process.hrtime.bigint() - t0 < 5_000_000n) {
    calls++;
    try {
      mkdirSync(target);
    } catch {}
  }
  await new Promise((r) => setTimeout(r, 100));
  s.child.kill('SIGINT');
  const r = await s.finished;
  const seen = Number(/@n: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const firstNs = BigInt(/@first: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  if (seen !== calls) missedRuns++;
  if (firstNs) delays.push(Number(firstNs - t0) / 1e3);
}
delays.sort((a, b) => a - b);
const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * p))]?.toFixed(1);
console.log(
  `first mkdir seen after the word: median ${pct(0.5)} µs, p90 ${pct(0.9)} µs, max ${pct(1)} µs; runs that missed any: ${missedRuns}/${trials}`,
);

// (2) SIGINT right after the word
let killed = 0;
for (let t = 0; t < trials; t++) {
  const s = startScry(['-q', '-e', 'tracepoint:syscalls:sys_enter_mkdir { @n = count(); } END { printf("end\\n"); }'], {
    [NOTIFY]: '1',
  });
  await s.waitForStdout(NOTIFY);
  s.child.kill('SIGINT');
  const r = await s.finished;
  if (r.code !== 0 || !r.stdout.includes('end\n')) killed++;
}
console.log(`SIGINT at the word: ${killed}/${trials} runs ended without END and maps`);

first?.child.kill('SIGINT');
await first?.finished;
rmSync(dir, { recursive: true, force: true });
