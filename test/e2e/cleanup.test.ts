// Nothing is left in the kernel after any kind of ending: exit(), SIGINT, SIGTERM, SIGKILL, the -c command
// exiting, the -p process exiting, a closed stdout, an attach that fails after others succeeded, and a -c
// command that cannot be run. Checked from the kernel's side: the maps of the program (named uniquely, so
// that other tracers running meanwhile do not count) are gone once scry has ended. A program, link or
// event left attached would hold them: a map that outlives the run means something leaked.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, scryBin, startScry } from '../helpers/cli.ts';
import { objectIds as ids, objectName as nameOf } from '../helpers/kernel-objects.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

/** the script maps every program here uses: kernel map names m<N>_scryleakNN */
const MARK = `scryleak${process.pid % 100}`;

/** This test's maps created since `since` that still exist (waiting up to 3 s for the kernel to free them). */
async function leftSince(since: { prog: number; map: number }): Promise<string[]> {
  let left: string[] = [];
  for (let tries = 0; tries < 30; tries++) {
    left = [];
    for (const id of ids('map')) {
      if (id <= since.map) continue;
      const name = nameOf('map', id);
      if (name !== undefined && new RegExp(`^m\\d+_${MARK}`).test(name)) left.push(`map ${id} ${name}`);
    }
    if (!left.length) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
  return left;
}

function mark(): { prog: number; map: number } {
  return { prog: Math.max(0, ...ids('prog')), map: Math.max(0, ...ids('map')) };
}

const PROGRAM = `tracepoint:syscalls:sys_enter_openat { @${MARK}a[comm] = count(); } tracepoint:raw_syscalls:sys_enter { @${MARK}b = count(); } interval:ms:50 { @${MARK}c = count(); }`;

async function endsBy(kill: NodeJS.Signals) {
  const since = mark();
  const run = startScry(['-q', '-e', PROGRAM], { [NOTIFY]: '1' });
  await run.waitForStdout(NOTIFY);
  run.child.kill(kill);
  await run.finished;
  assert.equal(await leftSince(since), []);
}

if (requireTracepoint('e2e cleanup', 'syscalls/sys_enter_openat')) {
  test('exit(): nothing left', async () => {
    const since = mark();
    const r = await runScry(['-q', '-e', `${PROGRAM} interval:ms:200 { exit(); }`]);
    assert.is(r.code, 0, r.stderr);
    assert.equal(await leftSince(since), []);
  });

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) test(`${sig}: nothing left`, () => endsBy(sig));

  test('the -c command exits: nothing left', async () => {
    const since = mark();
    const r = await runScry(['-q', '-e', PROGRAM, '-c', '/bin/sleep 0.2']);
    assert.is(r.code, 0, r.stderr);
    assert.equal(await leftSince(since), []);
  });

  test('the -p process exits: nothing left', async () => {
    const since = mark();
    // the process ends once scry is attached (a fixed sleep could end first on a loaded machine: "no process")
    const sleeper = spawn('/bin/sleep', ['60']);
    const run = startScry(['-q', '-p', String(sleeper.pid), '-e', PROGRAM], { [NOTIFY]: '1' });
    await run.waitForStdout(NOTIFY);
    sleeper.kill('SIGTERM');
    const r = await run.finished;
    assert.is(r.code, 0, r.stderr);
    assert.equal(await leftSince(since), []);
  });

  test('stdout closed by its reader (EPIPE): nothing left', async () => {
    const since = mark();
    const child = spawn(
      process.execPath,
      [scryBin, '-q', '-e', `tracepoint:raw_syscalls:sys_enter { printf("%d\\n", pid); @${MARK}[pid] = count(); }`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise<void>((res) => child.stdout!.once('data', () => res()));
    child.stdout!.destroy();
    await new Promise((res) => child.on('exit', res));
    assert.equal(await leftSince(since), []);
  });

  if (existsSync('/sys/bus/event_source/devices/cpu'))
    process.stderr.write(
      'SKIP e2e cleanup after a failed attach: this machine has a PMU, so a hardware counter attaches\n',
    );
  else
    test('an attach that fails after others succeeded (a hardware counter without a PMU): exit 1, nothing left', async () => {
      const since = mark();
      const r = await runScry(['-q', '-e', `${PROGRAM} hardware:cycles:100000 { @w = count(); }`]);
      assert.is(r.code, 1, r.stdout);
      assert.match(r.stderr, 'no hardware performance counters');
      assert.equal(await leftSince(since), []);
    });

  test('a -c command that execve refuses (not a program): one sentence, exit 1, nothing left', async () => {
    const since = mark();
    const dir = mkdtempSync(join(tmpdir(), 'scry-noexec-'));
    const notProgram = join(dir, 'data');
    writeFileSync(notProgram, 'just text\n', { mode: 0o755 });
    const r = await runScry(['-q', '-e', PROGRAM, '-c', notProgram]);
    rmSync(dir, { recursive: true, force: true });
    assert.is(r.code, 1);
    assert.is(r.stderr, `ERROR: cannot run '${notProgram}': it is not a program this system can run (ENOEXEC)\n`);
    assert.equal(await leftSince(since), []);
  });
}

test.run();
