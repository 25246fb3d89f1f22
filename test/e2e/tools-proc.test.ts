// examples/tools, process lifecycle, syscalls and the seeds' programs: each tool runs as a user runs it,
// around a workload whose pid, name, count or errno the test knows, and what it prints is checked for
// shape and for that value.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostKernelInfo } from '../../runtime/index.ts';
import { runScry } from '../helpers/cli.ts';
import { diagnose } from '../helpers/pipeline.ts';
import { requireRoot } from '../helpers/kernel.ts';
import {
  gated,
  mapValue,
  python,
  rowsWhere,
  run,
  scratchDir,
  sleep,
  toolsDir,
  uniqueProgram,
} from '../helpers/tool-trace.ts';
import { overlapped, watchTool } from '../helpers/tool-watch.ts';

const TIME = /^\d\d:\d\d:\d\d\.\d{6}$/;

// this group's tools (the scheduler, block, network, user-space and profiling tools have their own tests); the
// -kp variants compile here (BTF, argument casts) and run in test/vm/tools-kp.vmtest.ts
const GROUP = [
  'execsnoop',
  'exitsnoop',
  'killsnoop',
  'pidpersec',
  'opensnoop',
  'statsnoop',
  'syncsnoop',
  'writeback',
  'filelife',
  'filelife-kp',
  'oomkill',
  'oomkill-kp',
  'swapin',
  'syscount',
  'errnos',
  'opencount',
  'hello-execve',
  'execmsg',
  'execflag',
];

for (const name of GROUP) {
  test(`${name}.bt: shebang, executable, a header with the question, an example and the overhead; compiles`, async () => {
    // each check compiles a script here, in this process: the tools started for the tests below (they start
    // with the first test) are attended to in between
    await new Promise((resolve) => setImmediate(resolve));
    const file = `${toolsDir}${name}.bt`;
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('#!/usr/bin/env scry\n/*\n'), 'shebang, then the header comment');
    assert.ok((statSync(file).mode & 0o111) === 0o111, 'executable');
    const git = spawnSync('git', ['ls-files', '-s', '--', `examples/tools/${name}.bt`], {
      cwd: join(toolsDir, '..', '..'),
      encoding: 'utf8',
    });
    // outside a git checkout (an npm pack tarball) there is no recorded mode
    if (git.status === 0 && git.stdout) assert.is(git.stdout.split(' ')[0], '100755', 'committed as executable');
    const header = text.slice(0, text.indexOf('*/'));
    assert.match(header, new RegExp(`^ \\* ${name}\\.bt - .+\\?`, 'm'));
    assert.match(header, /^ \* USAGE: /m);
    // what was run (on one line or more), then what it printed
    assert.match(header, /^ \* Example \([^)]*(?:\([^)]*\)[^)]*)*\):\n \*   \S/m);
    assert.match(header, /^ \* Overhead: /m);
    assert.is(diagnose(text, hostKernelInfo()), '');
  });
}

if (requireRoot('tools-proc e2e')) {
  const dir = scratchDir('scry-tools-proc-');
  // the cases run at the same time and each test checks its own: every tool here traces the whole machine
  // and each test picks its workload's lines by pid, path or a uniquely named program
  const later = overlapped(test);
  const hasRow = (s: string, col: number, value: string | number) => rowsWhere(s, col, value).length > 0;

  // first, as it takes longest (two lines a second apart)
  const pidpersec = later(() =>
    watchTool('pidpersec.bt', [], async (t) => {
      const counts = (s: string) =>
        (s.match(/^\d\d:\d\d:\d\d PIDs\/sec: \d+\n/gm) ?? []).map((l) => Number(l.slice(19)));
      await run('/bin/sh', ['-c', 'for i in $(seq 50); do /bin/true; done']);
      // a line a second: two lines, and every fork of the burst counted, or (if they are not) the lines of
      // two more seconds, which cover the burst whatever the interval's phase
      const after = counts(t.stdout()).length + 2;
      await t.until((s) => {
        const c = counts(s);
        return (c.length >= 2 && c.reduce((a, b) => a + b, 0) >= 50) || c.length >= after;
      }, 10_000);
    }),
  );
  test('pidpersec: a line a second, and a burst of 50 forks counted', async () => {
    const r = await pidpersec();
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.is(lines[0], 'Tracing new processes... Hit Ctrl-C to end.');
    const counts = lines.slice(1).map((l) => {
      const m = /^\d\d:\d\d:\d\d PIDs\/sec: (\d+)$/.exec(l);
      assert.ok(m, `line ${JSON.stringify(l)}`);
      return Number(m![1]);
    });
    assert.ok(counts.length >= 2, r.stdout);
    const sum = counts.reduce((a, b) => a + b, 0);
    assert.ok(sum >= 50, `${sum} forks counted, the workload made 50:\n${r.stdout}`);
  });

  const execsnoop = later(async () => {
    const prog = uniqueProgram(dir, 'scry-execsnoop');
    let child = 0;
    const r = await watchTool('execsnoop.bt', [], async (t) => {
      // The arguments are an event of their own (join), after the printf of time and pids: an exec on the other
      // CPU in between splits the line, in bpftrace's execsnoop as here (the suite runs other execs meanwhile).
      // The exec is repeated until one line holds all of it.
      const argsLines = (s: string) => s.split('\n').filter((l) => l.endsWith(`${prog} alpha beta gamma`));
      for (let attempt = 1; attempt <= 5 && child === 0; attempt++) {
        const pid = (await run(prog, ['alpha', 'beta gamma'])).pid;
        await t.until((s) => argsLines(s).length >= attempt);
        if (argsLines(t.stdout()).some((l) => l.includes(` ${pid} `) && l.endsWith(` ${prog} alpha beta gamma`)))
          child = pid;
      }
    });
    return { r, prog, child };
  });
  test('execsnoop: the exec of a uniquely named program, its pid, parent and arguments', async () => {
    const { r, prog, child } = await execsnoop();
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^TIME +PID +PPID +ARGS$/);
    const line = lines.find((l) => l.endsWith(` ${prog} alpha beta gamma`) && l.includes(` ${child} `));
    assert.ok(line, r.stdout);
    const [time, pid, ppid] = line!.split(/\s+/);
    assert.match(time!, TIME);
    assert.is(Number(pid), child);
    assert.is(Number(ppid), process.pid);
  });

  const exitsnoop = later(async () => {
    let exited = 0;
    let killed = 0;
    const r = await watchTool('exitsnoop.bt', [], async (t) => {
      exited = (await run('/bin/sh', ['-c', 'exit 3'])).pid;
      const sleeper = gated('/bin/sleep', ['5']);
      killed = sleeper.pid;
      await sleep(200);
      process.kill(killed, 'SIGTERM');
      assert.is((await sleeper.go()).signal, 'SIGTERM');
      await t.until((s) => hasRow(s, 1, exited) && hasRow(s, 1, killed));
    });
    return { r, exited, killed };
  });
  test('exitsnoop: an exit code of 3 and a death by SIGTERM, with pid, parent and age', async () => {
    const { r, exited, killed } = await exitsnoop();
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^TIME +PID +PPID +COMM +CODE +SIG +AGE\(ms\)$/);
    const [code3] = rowsWhere(r.stdout, 1, exited);
    assert.ok(code3, r.stdout);
    assert.match(code3![0]!, TIME);
    assert.equal(code3!.slice(2), [String(process.pid), 'sh', '3', '0', code3![6]!]);
    const [term] = rowsWhere(r.stdout, 1, killed);
    assert.ok(term, r.stdout);
    assert.equal(term!.slice(2, 6), [String(process.pid), 'sleep', '0', '15']);
    assert.ok(Number(term![6]) >= 150 && Number(term![6]) < 5000, `age ${term![6]} ms for a 200 ms sleeper`);
  });

  const killsnoop = later(async () => {
    const gone = (await run('/bin/true', [])).pid;
    const target = gated('/bin/sleep', ['5']);
    // node signals other processes too (the other cases' scry and workloads): a kill to our two pids
    const ours = (s: string) =>
      rowsWhere(s, 1, process.pid).filter((c) => c[5] === String(target.pid) || c[5] === String(gone));
    const r = await watchTool('killsnoop.bt', [], async (t) => {
      process.kill(target.pid, 'SIGUSR1');
      try {
        process.kill(gone, 'SIGTERM');
      } catch (e) {
        assert.is((e as NodeJS.ErrnoException).code, 'ESRCH');
      }
      await t.until((s) => ours(s).length >= 2);
    });
    await target.go();
    return { r, gone, target: target.pid };
  });
  test('killsnoop: SIGUSR1 to a child (result 0) and SIGTERM to a pid that is gone (-3, ESRCH)', async () => {
    const { r, gone, target } = await killsnoop();
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^TIME +PID +COMM +CALL +SIG +TPID +RESULT$/);
    const mine = rowsWhere(r.stdout, 1, process.pid);
    const usr1 = mine.find((c) => c[5] === String(target));
    assert.ok(usr1, r.stdout);
    assert.match(usr1![0]!, TIME);
    assert.equal(usr1!.slice(3), ['kill', '10', String(target), '0']);
    const term = mine.find((c) => c[5] === String(gone));
    assert.ok(term, r.stdout);
    assert.equal(term!.slice(3), ['kill', '15', String(gone), '-3']);
  });

  // the map-only tools below print at Ctrl-C what their maps hold; the probes have counted the workload's
  // calls by the time it has exited, so they stop then

  const syscount = later(async () => {
    const w = gated(python, [
      '-c',
      'import os,sys\nsys.stdin.readline()\nfor _ in range(500): os.getppid()\nos._exit(0)',
    ]);
    const r = await watchTool('syscount.bt', ['--', `--pid=${w.pid}`], async () => {
      assert.is((await w.go()).code, 0);
    });
    return { r, pid: w.pid };
  });
  test('syscount --pid: exactly the 500 getppid() calls the process made, and the process', async () => {
    const { r, pid } = await syscount();
    assert.is(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Counting syscalls\.\.\. Hit Ctrl-C to end\.\n\nTop 10 syscalls:\n(@syscalls\[\w+\]: \d+\n)+/,
    );
    assert.is(mapValue(r.stdout, '@syscalls', 'getppid'), 500, r.stdout);
    const procs = r.stdout.split('\n').filter((l) => l.startsWith('@processes['));
    assert.is(procs.length, 1, r.stdout);
    assert.match(procs[0]!, new RegExp(`^@processes\\[${pid}, python3\\]: (5\\d\\d)$`));
  });

  const errnos = later(async () => {
    const code =
      'import os,sys\nsys.stdin.readline()\nfor _ in range(7):\n  try: os.open("/nonexistent/scry-errnos", os.O_RDONLY)\n  except OSError: pass\nos._exit(0)';
    const w = gated(python, ['-c', code]);
    const r = await watchTool('errnos.bt', ['--', `--pid=${w.pid}`], async () => {
      assert.is((await w.go()).code, 0);
    });
    return { r, pid: w.pid };
  });
  test('errnos --pid: 7 failed opens counted as openat, 2, No such file or directory', async () => {
    const { r, pid } = await errnos();
    assert.is(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Counting failed syscalls\.\.\. Hit Ctrl-C to end\.\n\nFailed syscalls \(call, errno, error\):\n/,
    );
    assert.is(mapValue(r.stdout, '@errors', 'openat, 2, No such file or directory'), 7, r.stdout);
    assert.is(mapValue(r.stdout, '@processes', `${pid}, python3`), 7, r.stdout);
  });

  const errnosUsage = later(() => runScry(['-q', `${toolsDir}errnos.bt`, '--', '-h']));
  test('errnos -- -h: the usage, exit 1, and no END report', async () => {
    const r = await errnosUsage();
    assert.is(r.code, 1, r.stderr);
    assert.is(
      r.stdout.trimEnd(),
      'USAGE: errnos.bt [-- --pid=PID]\n  --pid=PID   only this process (0, the default: every process)',
    );
  });

  const errnosOptions = later(() =>
    Promise.all([
      runScry([`${toolsDir}errnos.bt`, '--', '--help']),
      runScry([`${toolsDir}errnos.bt`, '--', '--pid=me']),
    ]),
  );
  test('errnos -- --help lists the option; a wrong option is refused', async () => {
    const [help, bad] = await errnosOptions();
    assert.is(help.code, 1);
    assert.is(help.stderr, 'HINT: expected program options:\n--pid: only this process (0: every process)\n');
    assert.is(bad.code, 1);
    assert.is(bad.stderr, 'ERROR: program command line option --pid invalid integer (value: me)\n');
  });

  // ---- the seeds' programs ----

  const opencount = later(async () => {
    const code =
      'import os,sys\nsys.stdin.readline()\nfor _ in range(7): os.close(os.open("/etc/hostname", os.O_RDONLY))\nos._exit(0)';
    const w = gated(python, ['-c', code]);
    const r = await watchTool('opencount.bt', [], async () => {
      assert.is((await w.go()).code, 0);
    });
    return { r, pid: w.pid };
  });
  test('opencount (seed: open_count per pid): exactly the 7 openat() calls of one process', async () => {
    const { r, pid } = await opencount();
    assert.is(r.code, 0, r.stderr);
    assert.is(mapValue(r.stdout, '@opens', String(pid)), 7, r.stdout);
    for (const l of r.stdout.split('\n').filter((x) => x !== '')) assert.match(l, /^@opens\[\d+\]: \d+$/);
  });

  const hello = later(async () => {
    const prog = uniqueProgram(dir, 'scry-hello');
    let child = 0;
    const r = await watchTool('hello-execve.bt', [], async (t) => {
      child = (await run(prog, [])).pid;
      await t.until((s) => s.includes(` runs ${prog}\n`));
    });
    return { r, prog, child };
  });
  test('hello-execve (seed: hello on execve): the greeting, with the pid and the program', async () => {
    const { r, prog, child } = await hello();
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`Hello, BPF World! pid ${child} (node) runs ${prog}\n`), r.stdout);
  });

  const execmsg = later(async () => {
    const prog = uniqueProgram(dir, 'scry-execmsg');
    let asRoot = 0;
    let asNobody = 0;
    const r = await watchTool('execmsg.bt', ['--', '--uid=65534', '--message=Hi nobody!'], async (t) => {
      asRoot = (await run(prog, [])).pid;
      asNobody = (await run(prog, [], { uid: 65534, gid: 65534 })).pid;
      await t.until((s) => hasRow(s, 0, asRoot) && hasRow(s, 0, asNobody));
    });
    return { r, prog, asRoot, asNobody };
  });
  test('execmsg (seed: per-uid message map): root gets its message, uid 65534 the one given', async () => {
    const { r, prog, asRoot, asNobody } = await execmsg();
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^PID +UID +COMM +MESSAGE +PATH$/);
    const root = rowsWhere(r.stdout, 0, asRoot).find((c) => c.at(-1) === prog);
    assert.equal(root, [String(asRoot), '0', 'node', 'Hey', 'root!', prog]);
    const nobody = rowsWhere(r.stdout, 0, asNobody).find((c) => c.at(-1) === prog);
    assert.equal(nobody, [String(asNobody), '65534', 'node', 'Hi', 'nobody!', prog]);
  });

  const execflag = later(() =>
    watchTool('execflag.bt', [], async () => {
      await run(uniqueProgram(dir, 'scry-execflag'), []);
    }),
  );
  test('execflag (seed: map update on execve): @my_map[0] is 1 after an exec', async () => {
    const r = await execflag();
    assert.is(r.code, 0, r.stderr);
    assert.is(mapValue(r.stdout, '@my_map', '0'), 1, r.stdout);
    assert.ok((mapValue(r.stdout, '@last_exec', '0') ?? 0) > 0, r.stdout);
  });
}

test.run();
