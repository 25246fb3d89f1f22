// The scheduler and profiling tools of examples/tools (runqlat, runqlen, cpuwalk, offcputime, profile and
// stackcollapse.mjs), each run as a user runs it next to a workload with a known answer: busy loops pinned
// to one CPU, a process that sleeps 5 x 100 ms, a C busy loop with frame pointers. The cases run at the same
// time (each tool filters by its workload's pid or CPU); runqlat, runqlen and cpuwalk watch the same three loops.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry, type Finished } from '../helpers/cli.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';
import { buildWorkload, histogram, sleep, startWorkload, toolsDir, total } from '../helpers/tool-run.ts';
import { gated } from '../helpers/tool-trace.ts';
import { overlapped, watchTool } from '../helpers/tool-watch.ts';

// the last CPU: the pinned loops crowd one CPU and leave the others to the rest of the machine
const CPU = availableParallelism() - 1;

/** Folds a map of stacks through examples/tools/stackcollapse.mjs: "frames count" lines. */
function fold(stdout: string): { frames: string[]; count: number }[] {
  const r = spawnSync(process.execPath, [join(toolsDir, 'stackcollapse.mjs')], { input: stdout, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const m = /^(.*) (\d+)$/.exec(l);
      assert.ok(m, `not a folded line: ${l}`);
      return { frames: m![1]!.split(';'), count: Number(m![2]) };
    });
}

if (requireRoot('e2e tools-sched')) {
  // at most two cases at once (one of them runs three tools around the same loops); the loops last, so
  // they take a CPU from nothing but themselves and the usage checks
  const later = overlapped(test, 2);

  // offcputime and profile print their maps at Ctrl-C: the workload's stacks are in them once it is done
  const offcputime = later(async () => {
    const w = startWorkload('python3', [
      '-c',
      [
        'import os, sys, time',
        "open('/proc/self/comm', 'w').write('scry-sleeper')",
        "print('ready', os.getpid(), flush=True)",
        'sys.stdin.readline()',
        'for _ in range(5): time.sleep(0.1)',
        "print('done', flush=True)",
        'sys.stdin.read()',
      ].join('\n'),
    ]);
    try {
      const pid = (await w.waitFor(/ready (\d+)/))[1]!;
      return await watchTool(
        'offcputime.bt',
        ['--', `--pid=${pid}`],
        async () => {
          w.send('go');
          await w.waitFor(/done/);
        },
        { strict: true },
      );
    } finally {
      await w.end();
    }
  });
  test('offcputime --pid: 5 sleeps of 100 ms are 0.5 s off-CPU under the nanosleep stack', async () => {
    const r = await offcputime();
    assert.is(r.code, 0, r.stderr);
    const stacks = fold(r.stdout);
    assert.ok(stacks.length > 0, r.stdout);
    // every stack is this process's (one thread, one name), and the sleeps are where nanosleep blocks
    for (const s of stacks) assert.is(s.frames[0], 'scry-sleeper', s.frames.join(';'));
    const sleeps = stacks.filter((s) => s.frames.includes('do_nanosleep'));
    const us = sleeps.reduce((n, s) => n + s.count, 0);
    assert.ok(us >= 490_000 && us < 1_500_000, `${us} us in do_nanosleep:\n${r.stdout}`);
    assert.ok(
      sleeps.every((s) => s.frames.includes('clock_nanosleep')),
      'the user stack names clock_nanosleep',
    );
  });

  const built = buildWorkload();
  if (typeof built === 'string') {
    test('profile', () => skipCheck('e2e tools-sched profile', built));
  } else {
    const profile = later(async () => {
      const w = startWorkload(built.workload, ['spin', '1500']);
      try {
        // samples in user mode have no kernel stack: no frames, and no warning (strict: none at all)
        return await watchTool(
          'profile.bt',
          ['-p', String(w.child.pid)],
          async () => {
            w.send('go');
            await w.waitFor(/done/);
          },
          { strict: true },
        );
      } finally {
        await w.end();
      }
    });
    test('profile -p | stackcollapse.mjs: the samples of a busy C loop fold to main;scry_spin_outer;scry_spin_leaf', async () => {
      const r = await profile();
      assert.is(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith('Sampling stacks at 49 Hertz... Hit Ctrl-C to end.\n'));
      const stacks = fold(r.stdout);
      for (const s of stacks) assert.is(s.frames[0], 'tools-workload', s.frames.join(';'));
      const all = stacks.reduce((n, s) => n + s.count, 0);
      const spin = stacks
        .filter((s) => s.frames.join(';').includes(';main;scry_spin_outer;scry_spin_leaf'))
        .reduce((n, s) => n + s.count, 0);
      // 1.5 s of spinning at 49 Hz is at most ~75 samples, fewer when the machine is busy
      assert.ok(spin >= 5, `${spin} samples in scry_spin_leaf:\n${r.stdout}`);
      assert.ok(spin * 2 >= all, `${spin} of ${all} samples in scry_spin_leaf`);
    });
  }

  // three busy loops pinned to one CPU, sampled for 1.5 s by runqlat, runqlen and cpuwalk together. Each
  // loop waits for a line on stdin first: the tools that follow one by pid attach before the loops spin
  // (which keeps the spinning short: scry starts slowly on a machine whose other CPU is busy), and runqlen,
  // which samples the CPU from the moment it attaches, attaches once they all spin.
  const pinned = later(async () => {
    const loops = [0, 1, 2].map(() => gated('taskset', ['-c', String(CPU), 'sh', '-c', 'read x; while :; do :; done']));
    let endWindow!: () => void;
    const window = new Promise<void>((resolve) => (endWindow = resolve));
    const runs: Promise<Finished>[] = [];
    /** Starts `tool`; resolves once it is attached (rejects if it fails first); it stops when the window ends. */
    const attach = (tool: string, args: string[]) =>
      new Promise<void>((attached, failed) => {
        const run = watchTool(tool, args, () => (attached(), window), { strict: true });
        run.catch(failed);
        runs.push(run);
      });
    try {
      await Promise.all([
        attach('runqlat.bt', ['--', `--pid=${loops[0]!.pid}`]),
        attach('cpuwalk.bt', ['-p', String(loops[1]!.pid)]),
      ]);
      for (const l of loops) void l.go();
      await sleep(200); // all three on the run queue before runqlen samples it
      await attach('runqlen.bt', []);
      await sleep(1500);
      endWindow();
      const [runqlat, cpuwalk, runqlen] = await Promise.all(runs);
      return { runqlat: runqlat!, runqlen: runqlen!, cpuwalk: cpuwalk! };
    } finally {
      endWindow(); // after a failure, the other tools stop too
      await Promise.allSettled(runs);
      for (const l of loops) l.child.kill('SIGKILL');
    }
  });

  test('runqlat --pid: a busy loop sharing its CPU with two others waits out the others’ time slices', async () => {
    const r = (await pinned()).runqlat;
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('Tracing CPU scheduler run-queue latency... Hit Ctrl-C to end.\n'));
    const h = histogram(r.stdout, '@usecs:');
    // preempted every few ms for 1.5 s: dozens of waits, most of them a slice long (>= 512 us); a
    // histogram of every thread on the machine would be dominated by short wakeup latencies instead
    const n = total(h);
    assert.ok(n >= 20, `only ${n} waits:\n${r.stdout}`);
    const long = total(h.filter((x) => x.lo >= 512));
    assert.ok(long * 2 >= n, `${long} of ${n} waits >= 512 us:\n${r.stdout}`);
  });

  test('runqlen: three busy loops pinned to one CPU keep at least two threads waiting there', async () => {
    const r = (await pinned()).runqlen;
    assert.is(r.code, 0, r.stderr);
    const h = histogram(r.stdout, `@runqlen[${CPU}]:`);
    const n = total(h);
    assert.ok(n >= 30, `only ${n} samples of CPU ${CPU} in 1.5 s at 99 Hz:\n${r.stdout}`);
    // the loops never sleep: whichever runs, the other two (at least) wait
    const two = total(h.filter((x) => x.lo >= 2));
    assert.ok(two >= n * 0.9, `${two} of ${n} samples with >= 2 waiting:\n${r.stdout}`);
  });

  test('cpuwalk -p: a busy loop pinned with taskset is only ever sampled on its CPU', async () => {
    const r = (await pinned()).cpuwalk;
    assert.is(r.code, 0, r.stderr);
    const h = histogram(r.stdout, '@cpu:');
    assert.equal(
      h.filter((x) => x.count > 0).map((x) => x.lo),
      [CPU],
      r.stdout,
    );
    assert.ok(total(h) >= 10, r.stdout);
  });

  const options = [
    ['runqlat.bt', '--pid: only threads of this process (0: every thread)'],
    ['offcputime.bt', '--min_us: leave out blocks shorter than this many microseconds'],
  ] as const;
  // a word that is not an option (-h after --, a pid without -p)
  const words = [
    ['runqlat.bt', ['--', '-h'], 'USAGE: runqlat.bt [-- --pid=PID]\n'],
    ['mallocsize.bt', ['1234'], 'USAGE: mallocsize.bt -p PID\n'],
  ] as const;
  const usage = later(() =>
    Promise.all([
      Promise.all(options.map(([tool]) => runScry([join(toolsDir, tool), '--', '--help']))),
      Promise.all(options.map(([tool]) => runScry([join(toolsDir, tool), '--', '--bogus=1']))),
      Promise.all(words.map(([tool, args]) => runScry(['-q', join(toolsDir, tool), ...args]))),
    ]),
  );
  test('usage: -- --help lists the named options with their descriptions; a wrong one is refused; -h prints usage', async () => {
    const [helps, wrongs, usages] = await usage();
    options.forEach(([, option], i) => {
      const help = helps[i]!;
      assert.is(help.code, 1);
      assert.ok(help.stderr.split('\n').includes(option), help.stderr);
      const wrong = wrongs[i]!;
      assert.is(wrong.code, 1);
      assert.match(wrong.stderr, /^ERROR: unexpected program command line options: --bogus\n/);
    });
    // the usage on stdout, exit 1, nothing else
    words.forEach(([, , text], i) => {
      const r = usages[i]!;
      assert.is(r.code, 1, r.stderr);
      assert.ok(r.stdout.startsWith(text), r.stdout);
      assert.not.match(r.stdout, /Tracing|@/);
    });
  });
}

test.run();
