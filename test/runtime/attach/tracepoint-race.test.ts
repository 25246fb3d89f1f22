// Once scry prints the notify word, nothing that happens next may be lost: not the events of a workload
// started at once (the promise test harnesses and -c rely on), and not the run itself when the harness
// stops it right after. Reported as "a second scry on a syscall tracepoint misses events for 10–50 ms
// after attaching"; measured, the kernel sees the first mkdir ~30 µs after the word in every run (the
// program array is published by rcu_assign_pointer before PERF_EVENT_IOC_SET_BPF returns), while a SIGINT
// sent within a few ms of the word killed scry outright — no END, no maps — because the CLI installed its
// signal handlers only after Session.start had printed the word.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, startScry, type Finished } from '../../helpers/cli.ts';
import { requireTracepoint } from '../../helpers/kernel.ts';

const RUNS = 10;
const MKDIRS = 5;

/** mkdir(2) `n` times in `dir` from this very thread (so `pid` is ours), right now, without yielding to the event loop. */
function mkdirs(dir: string, n: number): void {
  for (let i = 0; i < n; i++) mkdirSync(join(dir, `d${i}`));
}

/**
 * Starts a scry counting our mkdirs, makes MKDIRS of them the moment the word arrives, stops it with `signal`
 * at once, and returns what it printed (stdout `@n: MKDIRS` and exit code 0 when nothing was lost).
 */
async function countRightAfterNotify(signal: NodeJS.Signals): Promise<Finished> {
  const dir = mkdtempSync(join(tmpdir(), 'scry-race-')); // mkdtemp is a mkdir too: made before scry starts
  try {
    const s = startScry(['-q', '-e', `tracepoint:syscalls:sys_enter_mkdir /pid == ${process.pid}/ { @n = count(); }`], {
      [NOTIFY]: '1',
    });
    await s.waitForStdout(NOTIFY);
    mkdirs(dir, MKDIRS);
    s.child.kill(signal);
    return await s.finished;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function failures(results: Finished[]): string[] {
  return results.flatMap((r, i) =>
    r.code === 0 && r.stdout.includes(`\n@n: ${MKDIRS}\n`)
      ? []
      : [
          `run ${i}: code ${r.code} signal ${r.signal} stdout ${JSON.stringify(r.stdout)} stderr ${JSON.stringify(r.stderr)}`,
        ],
  );
}

if (requireTracepoint('attach race', 'syscalls/sys_enter_mkdir')) {
  test(`a second scry on a syscall tracepoint another process uses counts every mkdir made right after the word (${RUNS} runs, SIGINT at once)`, async () => {
    const first = startScry(
      ['-q', '-e', 'tracepoint:syscalls:sys_enter_mkdir { @n = count(); }'],
      { [NOTIFY]: '1' },
      120_000,
    );
    const results: Finished[] = [];
    try {
      await first.waitForStdout(NOTIFY);
      for (let i = 0; i < RUNS; i++) results.push(await countRightAfterNotify('SIGINT'));
    } finally {
      first.child.kill('SIGINT');
    }
    const f = await first.finished;
    assert.is(f.code, 0, f.stderr);
    const seen = Number(/@n: (\d+)/.exec(f.stdout)?.[1]);
    assert.ok(
      seen >= RUNS * MKDIRS,
      `the first scry saw ${seen} mkdirs, fewer than the ${RUNS * MKDIRS} made: ${f.stdout}`,
    );
    const bad = failures(results);
    assert.is(bad.length, 0, bad.join('\n'));
  });

  test(`the first scry on a syscall tracepoint counts every mkdir made right after the word (${RUNS} runs, SIGTERM at once)`, async () => {
    const results: Finished[] = [];
    for (let i = 0; i < RUNS; i++) results.push(await countRightAfterNotify('SIGTERM'));
    const bad = failures(results);
    assert.is(bad.length, 0, bad.join('\n'));
  });
}

test.run();
