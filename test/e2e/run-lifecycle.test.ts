// How a run starts and ends, through the real CLI on the real kernel: BEGIN before any other probe, exit()
// and signals honoured under any event rate, SIGUSR1, the -c command and -p process, inherited stdio, and the
// CLI's edges. Each test names the bpftrace behaviour it pins (0.17 installed here; v0.26 from its source).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, scryBin, startScry } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const scry = `${process.execPath} ${scryBin}`;

/** Sockets listening on TCP port `port` (v4 and v6), from /proc/net: the inspector would be one of them. */
function listeners(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(hex) && cols[3] === '0A') n++;
    }
  }
  return n;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

if (requireTracepoint('e2e run lifecycle', 'raw_syscalls/sys_enter')) {
  test('BEGIN runs before any other probe is attached (bpftrace: @early never counts)', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { @ready = 1; } tracepoint:raw_syscalls:sys_enter { if (@ready == 0) { @early = count(); } } interval:ms:300 { exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /@ready: 1\n/);
    assert.not.match(r.stdout, /@early: [1-9]/);
  });

  test('END runs after every probe is detached (bpftrace: no probe fires once END has begun)', async () => {
    // dd makes a syscall a microsecond; END copies @n first and then loops for a while: a probe still attached
    // while END runs counts on after the copy. Stopped by SIGINT (exit() also stops the probes by a flag).
    const dd = spawn('/bin/dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=1000000000'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 2; i++) {
        const run = startScry(
          [
            '-q',
            '-e',
            `tracepoint:raw_syscalls:sys_enter /pid == ${dd.pid}/ { @n = @n + 1; } END { @e = @n; $i = 0; while ($i < 100000) { $i++; } }`,
          ],
          { [NOTIFY]: '1' },
        );
        await run.waitForStdout(NOTIFY);
        await new Promise((r) => setTimeout(r, 200));
        run.child.kill('SIGINT');
        const r = await run.finished;
        assert.is(r.code, 0, r.stderr);
        const n = /@n: (\d+)\n/.exec(r.stdout)?.[1];
        assert.ok(Number(n) > 0, r.stdout);
        assert.is(/@e: (\d+)\n/.exec(r.stdout)?.[1], n, r.stdout);
      }
    } finally {
      dd.kill('SIGKILL');
    }
  });

  test("BEGIN's output follows the banner and the attach notification, as in bpftrace v0.26", async () => {
    const r = await runScry(['-e', 'BEGIN { printf("begin\\n"); exit(); } tracepoint:raw_syscalls:sys_enter { }'], {
      [NOTIFY]: '1',
    });
    assert.is(r.stderr, 'Attached 2 probes\n');
    assert.is(r.stdout, `${NOTIFY}\nbegin\n\n\n`);
  });

  test('after exit() nothing more prints, even with a probe flooding the ring buffer (bpftrace prints one line)', async () => {
    const t0 = Date.now();
    const r = await runScry(['-q', '-e', 'tracepoint:raw_syscalls:sys_enter { printf("x\\n"); exit(); }'], {}, 15_000);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'x\n\n\n');
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });

  test('exit() in BEGIN stops the run without running the -c command', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("b\\n"); exit(); } END { printf("e\\n"); }',
      '-c',
      '/bin/echo SHOULD-NOT-RUN',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'b\ne\n\n\n');
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    test(`${sig} stops a run flooded with events promptly, with END and the maps (bpftrace stops at once)`, async () => {
      // dd with 1-byte blocks makes millions of syscalls a second: more printf records than can be printed
      const dd = spawn('/bin/dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=1000000000'], { stdio: 'ignore' });
      try {
        const run = startScry(
          [
            '-q',
            '-e',
            `tracepoint:raw_syscalls:sys_enter /pid == ${dd.pid}/ { printf("%s %d\\n", comm, pid); @n = count(); } END { printf("END ran\\n"); }`,
          ],
          { [NOTIFY]: '1' },
          20_000,
        );
        await run.waitForStdout(NOTIFY);
        await new Promise((r) => setTimeout(r, 700));
        const sentAt = Date.now();
        run.child.kill(sig);
        // END prints once every probe is detached: the run has stopped (1-10 ms here at load 10)
        const stopped = run.waitForStdout('END ran\n').then(() => Date.now() - sentAt);
        const r = await run.finished;
        const took = Date.now() - sentAt;
        assert.is(r.code, 0, r.stderr);
        assert.match(r.stdout, /END ran\n\n\n@n: \d+\n$/);
        // the 100 ms budget is measured by npm run bench (exit latency); a test only catches a signal left waiting
        // (seconds before the fix), with room for a loaded CI host: this check failed once in ~10 runs at load 9-10
        assert.ok((await stopped) < 400, `END ran ${await stopped} ms after ${sig}`);
        // the process's exit (closing programs and maps, Node's own exit): 25-100 ms here at load 10
        assert.ok(took < 1500, `exited ${took} ms after ${sig}`);
      } finally {
        dd.kill('SIGKILL');
      }
    });
  }

  test('stdout that nobody reads: memory stays flat, events are counted as lost, SIGINT still ends the run (bpftrace: 90 MB flat)', async () => {
    const dd = spawn('/bin/dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=1000000000'], { stdio: 'ignore' });
    // stdout is a pipe this test never reads: once it is full, scry must stop reading events
    const child = spawn(
      process.execPath,
      [
        scryBin,
        '-q',
        '-e',
        `tracepoint:raw_syscalls:sys_enter /pid == ${dd.pid}/ { printf("%s %d %d\\n", comm, pid, nsecs); }`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const rss = () => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024;
    try {
      // the baseline after start-up (which alone takes 1-2 s on a loaded 2-core machine) and the pipe filling
      await new Promise((r) => setTimeout(r, 3000));
      const early = rss();
      await new Promise((r) => setTimeout(r, 2000));
      const late = rss();
      assert.ok(late - early < 20, `RSS grew from ${early.toFixed(0)} to ${late.toFixed(0)} MB in 2 s`);
      const sentAt = Date.now();
      child.kill('SIGINT');
      assert.is(await exited, 0, stderr);
      // the run stops at once; what stdout still holds is given up on after a second with no reader
      assert.ok(Date.now() - sentAt < 3000, `exited ${Date.now() - sentAt} ms after SIGINT`);
      assert.match(stderr, /^Lost \d+ events\n/m);
    } finally {
      dd.kill('SIGKILL');
      child.kill('SIGKILL');
    }
  });

  test('SIGTERM stops a run that is busy running system() commands', async () => {
    const run = startScry(['-q', '--unsafe', '-e', 'interval:ms:1 { system("echo x"); }'], { [NOTIFY]: '1' }, 20_000);
    await run.waitForStdout(NOTIFY);
    await new Promise((r) => setTimeout(r, 800));
    const sentAt = Date.now();
    run.child.kill('SIGTERM');
    const r = await run.finished;
    assert.is(r.code, 0, r.stderr);
    assert.ok(Date.now() - sentAt < 1500, `stopped ${Date.now() - sentAt} ms after SIGTERM`);
  });

  test('cat() of a FIFO nobody writes does not stop scry (bpftrace would wait for a writer)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-fifo-'));
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const r = await runScry(['-q', '-e', `BEGIN { cat("${fifo}"); printf("after\\n"); exit(); }`], {}, 10_000);
    assert.is(r.signal, null, 'scry hung on the FIFO and was killed');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /after\n/);
  });

  test('SIGUSR1 runs the self:signal probes only (bpftrace v0.26; 0.17 printed every map) and opens no inspector', async () => {
    const before = listeners(9229);
    const run = startScry(
      ['-q', '-e', 'BEGIN { @a = 1; @b[7] = 2; } self:signal:SIGUSR1 { printf("usr1\\n"); } interval:s:10 { }'],
      { [NOTIFY]: '1' },
    );
    await run.waitForStdout(NOTIFY);
    run.child.kill('SIGUSR1');
    await run.waitForStdout('usr1\n');
    await new Promise((r) => setTimeout(r, 300));
    assert.is(listeners(9229), before, 'something listens on the inspector port after SIGUSR1');
    run.child.kill('SIGINT');
    const r = await run.finished;
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `${NOTIFY}\nusr1\n\n\n@a: 1\n@b[7]: 2\n`);
  });

  test('exit(N) in END sets the exit code, after exit() or a signal (bpftrace v0.26: the last exit() read wins)', async () => {
    const a = await runScry(['-q', '-e', 'BEGIN { exit(3); } END { exit(5); }']);
    assert.is(a.code, 5, a.stderr);
    const b = await runScry(['-q', '-e', 'BEGIN { exit(3); } END { printf("e\\n"); }']);
    assert.is(b.code, 3, b.stderr);
    const run = startScry(['-q', '-e', 'interval:s:10 { } END { exit(7); }'], { [NOTIFY]: '1' });
    await run.waitForStdout(NOTIFY);
    run.child.kill('SIGINT');
    const r = await run.finished;
    assert.is(r.code, 7, r.stderr);
  });

  test('SIGUSR1 at the REPL opens no inspector either', async () => {
    const before = listeners(9229);
    const child = spawn(process.execPath, [scryBin], { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGUSR1');
    await new Promise((r) => setTimeout(r, 400));
    const now = listeners(9229);
    child.kill('SIGKILL');
    assert.is(now, before);
  });

  test('SIGUSR1 while Node starts opens no inspector either (the scry command, bin/scry.cjs executed)', async () => {
    // Node's own SIGUSR1 handler (the inspector) is there from its start until the launcher replaces it. The
    // signal goes out as soon as /proc shows SIGUSR1 caught, which is Node's handler first. Was: the inspector
    // listened on 127.0.0.1:9229 in 3 of 5 runs.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const before = listeners(9229);
    let inWindow = 0;
    for (let i = 0; i < 4; i++) {
      const child = spawn(scryBin, ['-q', '-e', 'interval:ms:600 { exit(); }'], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
      const deadline = Date.now() + 10_000;
      for (;;) {
        let status = '';
        try {
          status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        } catch {}
        const caught = /^SigCgt:\s+([0-9a-f]+)/m.exec(status)?.[1];
        if ((caught && (BigInt(`0x${caught}`) >> 9n) & 1n) || Date.now() > deadline) break; // bit 9: SIGUSR1
      }
      child.kill('SIGUSR1');
      await new Promise((r) => setTimeout(r, 400));
      const now = listeners(9229);
      if (now !== before) child.kill('SIGKILL');
      const code = await exited;
      assert.is(now, before, `the inspector listens after SIGUSR1 (run ${i}): ${stderr}`);
      assert.is(code, 0, stderr);
      if (/Starting inspector/.test(stderr)) inWindow++;
    }
    // at least one signal met Node's handler, not the launcher's: the window this test is about was tested
    assert.ok(inWindow > 0, "no SIGUSR1 arrived before the launcher replaced Node's handler");
  });

  test("-c: the command has exactly the descriptors scry was given, and no reads of scry's (bpftrace's child makes none)", async () => {
    const direct = spawnSync('/bin/ls', ['/proc/self/fd'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).stdout;
    const r = await runScry([
      '-q',
      '-e',
      'tracepoint:syscalls:sys_exit_read /pid == cpid/ { @reads[args->ret] = count(); }',
      '-c',
      '/bin/ls /proc/self/fd',
    ]);
    assert.is(r.code, 0, r.stderr);
    const listed = r.stdout.slice(0, r.stdout.indexOf('\n\n') + 1);
    assert.is(listed, direct, `scry's child listed:\n${r.stdout}\nls alone lists:\n${direct}`);
    assert.match(r.stdout, /@reads\[832\]/); // ld.so reading libc's ELF header: the probe saw the command
    assert.not.match(r.stdout, /@reads\[1\]/);
  });

  test("-c: descriptors beyond stdio that scry was given reach the command too, scry's own (-o FILE) do not", () => {
    const sh = (cmd: string) =>
      spawnSync('/bin/bash', ['-c', `exec 5</dev/null 9</dev/null 25</dev/null; ${cmd}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const direct = sh('/bin/ls /proc/self/fd').stdout;
    const out = join(mkdtempSync(join(tmpdir(), 'scry-fds-')), 'out.txt');
    // (the run ends when ls exits)
    const r = sh(`${scry} -q -o ${out} -e 'interval:s:10 { }' -c '/bin/ls /proc/self/fd'`);
    assert.is(r.status, 0, r.stderr);
    assert.ok(direct.includes('25\n'), direct);
    assert.is(r.stdout, direct);
  });

  test("-c: a trace line reaches stdout before the command's later output", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-order-'));
    const script = join(dir, 'open-then-echo.sh');
    writeFileSync(script, '#!/bin/sh\nexec 3</etc/hostname\n/bin/sleep 0.3\necho MARK\n', { mode: 0o755 });
    const r = await runScry([
      '-q',
      '-e',
      'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { if (strcontains(str(args->filename), "hostname")) { printf("opened hostname\\n"); } }',
      '-c',
      script,
    ]);
    rmSync(dir, { recursive: true });
    assert.is(r.code, 0, r.stderr);
    const opened = r.stdout.indexOf('opened hostname'),
      mark = r.stdout.indexOf('MARK');
    assert.ok(opened >= 0 && mark > opened, r.stdout);
  });

  test('at a low event rate a record reaches stdout within a few milliseconds (bpftrace: 0.3-6 ms here)', async () => {
    // this process opens a path of its own ten times, 50 ms apart; each open's line is waited for
    const marker = `/nonexistent/scry-latency-${process.pid}`;
    const run = startScry(
      ['-q', '-e', `tracepoint:syscalls:sys_enter_openat /str(args->filename) == "${marker}"/ { printf("hit\\n"); }`],
      { [NOTIFY]: '1' },
    );
    await run.waitForStdout(NOTIFY);
    const took: number[] = [];
    try {
      for (let i = 1; i <= 10; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const seen = run.waitForStdout('hit\n'.repeat(i));
        const t0 = performance.now();
        try {
          openSync(marker, 'r');
        } catch {}
        await seen;
        took.push(performance.now() - t0);
      }
    } finally {
      run.child.kill('SIGINT');
      await run.finished;
    }
    took.sort((a, b) => a - b);
    // scry here: 0.4-5 ms each (measured at load ~8); a timer-driven reader would show its period
    assert.ok(took[5]! < 20, `median ${took[5]!.toFixed(1)} ms: ${took.map((t) => t.toFixed(1)).join(' ')}`);
  });

  test("-c: the command is split at spaces, quotes passed as written (bpftrace: -c \"/bin/echo 'A'\" prints 'A')", async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { }', '-c', `/bin/echo 'A'  "b c"`]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), `'A' "b c"`);
  });

  test('-c with a BEGIN/END-only program: the run waits for the command and prints all it wrote (bpftrace 0.17 waits; scry pins that, not v0.26 ending after 100 ms idle)', async () => {
    // was: the run ended right after BEGIN and SIGTERMed the command, so its output was lost (17 of 20 runs of
    // -c "/bin/echo A"; this command, 300 ms late, lost it every time)
    const dir = mkdtempSync(join(tmpdir(), 'scry-late-'));
    const script = join(dir, 'late.sh');
    writeFileSync(script, '#!/bin/sh\n/bin/sleep 0.3\necho LATE\n', { mode: 0o755 });
    try {
      const t0 = Date.now();
      const r = await runScry(['-q', '-e', 'BEGIN { printf("begin\\n"); } END { printf("end\\n"); }', '-c', script]);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout.trim().split('\n').join(' '), 'begin LATE end', r.stdout);
      assert.ok(Date.now() - t0 >= 300, `ended after ${Date.now() - t0} ms, before the command did`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("-c: exit() ends the run at once and the command gets SIGTERM (bpftrace: 0.4 s, not the command's 10 s)", async () => {
    const t0 = Date.now();
    const r = await runScry(['-q', '-e', 'interval:ms:100 { printf("%d\\n", cpid); exit(); }', '-c', '/bin/sleep 10']);
    assert.is(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 < 4000, `took ${Date.now() - t0} ms`);
    const cpid = Number(r.stdout.trim().split('\n')[0]);
    assert.ok(cpid > 0, r.stdout);
    await new Promise((res) => setTimeout(res, 200));
    assert.not.ok(alive(cpid), 'the -c command is still running');
  });

  test('-c: scry killed outright (SIGKILL) does not leave the command running (bpftrace: PR_SET_PDEATHSIG)', async () => {
    const run = startScry(
      ['-q', '-e', 'interval:ms:50 { printf("cpid %d\\n", cpid); }', '-c', '/bin/sleep 30'],
      {},
      20_000,
    );
    await run.waitForStdout('cpid ');
    run.child.kill('SIGKILL');
    const r = await run.finished;
    const pid = Number(/cpid (\d+)/.exec(r.stdout)?.[1]);
    assert.ok(pid > 0, r.stdout);
    await new Promise((res) => setTimeout(res, 300));
    assert.not.ok(alive(pid), 'the -c command outlived scry');
  });

  test('-c with a command that does not exist: one sentence, exit 1', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { }', '-c', '/nonexistent/cmd']);
    assert.is(r.code, 1);
    assert.is(r.stderr, "ERROR: cannot run '/nonexistent/cmd': /nonexistent/cmd does not exist or is not executable\n");
  });

  test('-p PID: the run ends when that process exits (as bpftrace does); interval probes are not filtered by pid', async () => {
    // the process ends only once a tick has fired (a fixed-length sleep could end before a loaded machine attaches)
    const sleeper = spawn('/bin/sleep', ['60']);
    const run = startScry([
      '-q',
      '-p',
      String(sleeper.pid),
      '-e',
      'interval:ms:100 { @ticks = count(); printf("tick\\n"); }',
    ]);
    await run.waitForStdout('tick');
    const t0 = Date.now();
    sleeper.kill('SIGTERM');
    const r = await run.finished;
    assert.is(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms after the process exited`);
    assert.match(r.stdout, /@ticks: \d+\n/);
  });

  test('inherited pipes keep their flags: another writer on the same pipe is not made non-blocking (grep got EAGAIN)', () => {
    // the shell's `cat /proc/self/fdinfo/1` sees the same open file description scry wrote to
    const r = spawnSync(
      '/bin/sh',
      [
        '-c',
        `${scry} -q -e 'BEGIN { printf("hello\\n"); exit(); }' 2>&1; grep flags /proc/self/fdinfo/1 /proc/self/fdinfo/2`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.match(r.stdout, /^hello\n/);
    const flags = [...r.stdout.matchAll(/flags:\s+([0-7]+)/g)].map((m) => parseInt(m[1]!, 8));
    assert.is(flags.length, 2, r.stdout);
    for (const f of flags) assert.is(f & 0o4000, 0, `O_NONBLOCK left set: ${r.stdout}`);
  });

  test('a slow reader after `scry -l | grep` gets every line (bpftrace: all of them)', () => {
    const all = spawnSync('/bin/sh', ['-c', `${scry} -l 'tracepoint:*' 2>/dev/null | grep -c tracepoint`], {
      encoding: 'utf8',
    }).stdout.trim();
    const slow = spawnSync(
      '/bin/sh',
      ['-c', `(${scry} -l 'tracepoint:*' | grep tracepoint) 2>&1 | (sleep 1; grep -c tracepoint)`],
      { encoding: 'utf8' },
    ).stdout.trim();
    assert.ok(Number(all) > 100, all);
    assert.is(slow, all);
  });
}

test('`scry -` reads the program from stdin, as bpftrace does', () => {
  const r = spawnSync(process.execPath, [scryBin, '-q', '-'], {
    input: 'BEGIN { printf("from stdin\\n"); exit(); }',
    encoding: 'utf8',
  });
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'from stdin\n\n\n');
  assert.is(r.status, 0);
});

test('-d with a stage scry does not have is refused in one line', async () => {
  const r = await runScry(['-d', 'llvm', '-e', 'BEGIN { exit(); }']);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, "ERROR: unknown debug stage 'llvm': scry prints -d ast or -d bytecode\n");
});

test('an unknown option: one line, then the short usage (bpftrace v0.26 prints USAGE too), exit 1', async () => {
  const r = await runScry(['--frob']);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(
    r.stderr,
    "ERROR: unknown option --frob\nUSAGE:\n    scry [options] filename\n    scry [options] -e 'program'\n    (scry -h lists the options)\n",
  );
});

test('warnings print on success, with --dry-run too', async () => {
  const r = await runScry(['--dry-run', '-e', 'config = { log_size = 5 } BEGIN { exit(); }']);
  assert.is(r.code, 0);
  assert.match(
    r.stderr,
    /^stdin:1:12-\d+: WARNING: .*log_size.*\nconfig = \{ log_size = 5 \} BEGIN \{ exit\(\); \}\n {11}~+\n/,
  );
});

test.run();
