// Tracepoints count exactly what a child process did; kprobes are refused plainly on a kernel without them.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';
import { scriptFile } from '../helpers/script-file.ts';

/** A child that makes `n` directories with mkdir(2); returns its pid. */
function mkdirChild(n: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'scry-mkdir-'));
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); for (let i = 0; i < ${n}; i++) fs.mkdirSync('${dir}/d' + i); process.stdout.write(String(process.pid))`,
    ],
    {
      encoding: 'utf8',
    },
  );
  rmSync(dir, { recursive: true, force: true });
  const pid = Number(r.stdout.trim());
  if (!pid) throw new Error(`mkdir child failed: ${r.stderr} ${r.error}`);
  return pid;
}

if (requireRoot('e2e tracepoint')) {
  test('the compact form counts exactly the mkdir calls a child made, printed at SIGINT', async () => {
    const s = startScry(['-e', 'tracepoint:syscalls:sys_enter_mkdir < count[pid]++ >'], { [NOTIFY]: '1' });
    await s.waitForStdout(NOTIFY);
    const pid = mkdirChild(7);
    s.child.kill('SIGINT');
    const r = await s.finished;
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`\n@count[${pid}]: 7\n`), `pid ${pid}: ${r.stdout}`);
  });

  test('pid, tid, uid and cpu read several times in one probe, across helper calls and branches, stay exact', async () => {
    // the optimizer calls each of these helpers once per run and keeps the result (compiler/opt/helper-cse.ts)
    const s = startScry(
      [
        '-e',
        'tracepoint:syscalls:sys_enter_mkdir { @p[pid] = count(); $t = nsecs; if (pid != tid) { @odd[pid, tid] = count(); } ' +
          '@k[pid, tid, uid, uid] = count(); @c[cpu == cpu, pid == pid] = count(); }',
      ],
      { [NOTIFY]: '1' },
    );
    await s.waitForStdout(NOTIFY);
    const pid = mkdirChild(5);
    s.child.kill('SIGINT');
    const r = await s.finished;
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`@p[${pid}]: 5\n`), r.stdout);
    // node's mkdirSync runs on the main thread: tid == pid
    assert.ok(r.stdout.includes(`@k[${pid}, ${pid}, 0, 0]: 5\n`), r.stdout);
    assert.not.ok(r.stdout.includes(`@odd[${pid},`), r.stdout);
    assert.not.ok(/@c\[(0, [01]|1, 0)\]/.test(r.stdout), r.stdout);
    const dump = await runScry([
      '-d',
      'bytecode',
      '--dry-run',
      '-e',
      'tracepoint:syscalls:sys_enter_mkdir { @[pid, tid] = count(); }',
    ]);
    assert.is((dump.stdout.match(/call 14/g) ?? []).length, 1, dump.stdout);
  });

  test('SIGTERM stops cleanly too, END runs and maps print', async () => {
    const s = startScry(
      ['-e', 'tracepoint:syscalls:sys_enter_mkdir /pid > 0/ { @[pid] = count(); } END { printf("end\\n"); }'],
      { [NOTIFY]: '1' },
    );
    await s.waitForStdout(NOTIFY);
    const pid = mkdirChild(3);
    s.child.kill('SIGTERM');
    const r = await s.finished;
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`end\n\n\n`), r.stdout);
    assert.ok(r.stdout.includes(`@[${pid}]: 3\n`), r.stdout);
  });

  // an integer field is as wide and as signed as its format line says (`int dfd; size:8; signed:0`: a u64), as
  // bpftrace 0.17 and v0.26 read it: AT_FDCWD is 4294967196 with %ld, -100 through %d's low 32 bits
  test('tracepoint args: integers as their format lines say, user strings and __data_loc strings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-args-'));
    const exe = join(dir, 'scryargs');
    copyFileSync('/bin/cat', exe);
    const target = join(dir, 'target-file');
    writeFileSync(target, 'x');
    const prog = `tracepoint:syscalls:sys_enter_openat /comm == "scryargs"/ { printf("open %s dfd=%d %ld %d\\n", str(args->filename), args->dfd, args->dfd, sizeof(args->dfd)); }
                  tracepoint:sched:sched_process_exec /comm == "scryargs"/ { printf("exec %s\\n", str(args.filename)); }`;
    const s = startScry(['-q', '-e', prog], { [NOTIFY]: '1' });
    await s.waitForStdout(NOTIFY);
    spawnSync(exe, [target]);
    await new Promise((r) => setTimeout(r, 100));
    s.child.kill('SIGINT');
    const r = await s.finished;
    rmSync(dir, { recursive: true, force: true });
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`exec ${exe}\n`), r.stdout);
    assert.ok(r.stdout.includes(`open ${target} dfd=-100 4294967196 8\n`), r.stdout);
  });

  test('-c starts the command held, counts exactly what it did (cpid), and stops when it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-c-'));
    const r = await runScry([
      '-q',
      '-c',
      `/bin/mkdir ${dir}/a ${dir}/b ${dir}/c`,
      '-e',
      'tracepoint:syscalls:sys_enter_mkdir,tracepoint:syscalls:sys_enter_mkdirat /pid == cpid/ { @[comm] = count(); printf("%s\\n", str(args->pathname)); }',
    ]);
    rmSync(dir, { recursive: true, force: true });
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `${dir}/a\n${dir}/b\n${dir}/c\n\n\n@[mkdir]: 3\n`);
  });

  test('the context read from r1 before any helper call, and again after the scratch space lookup', async () => {
    // a 1024-byte string lives in scratch space, whose lookup (put first in the program) clobbers r1: the
    // context goes back into r1 after it (codegen/program.ts); args->mode is read from r1 at the entry, args->pathname
    // after calls, from r6
    const dir = mkdtempSync(join(tmpdir(), 'scry-ctx-'));
    const r = await runScry([
      '-q',
      '-c',
      `/bin/mkdir -m 0751 ${dir}/a`,
      '-e',
      'config = { max_strlen = 1024 } tracepoint:syscalls:sys_enter_mkdir,tracepoint:syscalls:sys_enter_mkdirat /pid == cpid/ { $m = args->mode; $a = str(args->pathname); printf("%s %o\\n", $a, $m); }',
    ]);
    rmSync(dir, { recursive: true, force: true });
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `${dir}/a 751\n\n\n`, r.stderr);
  });

  test('kstack as a map key and in printf prints symbolised frames the way bpftrace does', async () => {
    const r = await runScry([
      '-q',
      '-c',
      scriptFile('echo $PPID'),
      '-e',
      'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[kstack] = count(); printf("%s", kstack); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    // printf: "\n" then frames indented 8; the map key too, between "@[" and "]: N" (bpftrace v0.26
    // types_format.cpp formats every stack with 8; 0.17 indented a key's 4)
    assert.match(r.stdout, /^\d+\n\n( {8}[\w.]+\+\d+\n)+/);
    assert.match(r.stdout, /\n@\[\n( {8}[\w.]+\+\d+\n)*( {8}do_syscall_64\+\d+\n)( {8}[\w.]+\+\d+\n)*\]: 1\n$/);
  });

  // bpftrace v0.26's cpid macro: 0, with a warning (its warnf at run time; said once here, when compiling)
  test('cpid without -c is 0, with a warning', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { printf("%d\\n", cpid); exit(); }']);
    assert.is(r.code, 0);
    assert.is(r.stdout, '0\n\n\n');
    assert.match(r.stderr, 'stdin:1:24-28: WARNING: No child command (`-c`); cpid is zero');
  });

  test('-l lists tracepoints matching a wildcard, one per line', async () => {
    const r = await runScry(['-l', 'tracepoint:syscalls:sys_enter_mkd*']);
    assert.is(r.code, 0);
    assert.is(r.stdout, 'tracepoint:syscalls:sys_enter_mkdir\ntracepoint:syscalls:sys_enter_mkdirat\n');
  });

  test('interval probes fire and exit() ends the run', async () => {
    const r = await runScry(['-q', '-e', 'interval:ms:10 { @ticks++; if (@ticks == 3) { exit(); } }']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\n\n@ticks: [3-9]\n$/);
  });

  test('kprobes on a kernel without them: exit 1, a plain sentence and a working alternative', async () => {
    if (existsSync('/sys/bus/event_source/devices/kprobe')) {
      return skipCheck('kprobe refusal', 'this kernel has kprobes');
    }
    const r = await runScry(['-e', 'kprobe:vfs_mkdir < count[pid]++ >']);
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.is(
      r.stderr,
      'stdin:1:1-17: ERROR: kprobes are not available on this kernel (it was built without CONFIG_KPROBES), so kprobe:vfs_mkdir cannot be attached\n' +
        'kprobe:vfs_mkdir < count[pid]++ >\n' +
        '~~~~~~~~~~~~~~~~\n' +
        'HINT: use tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_mkdirat instead: they see mkdir(2) and mkdirat(2)\n' +
        'HINT: your probe on them: tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_mkdirat < count[pid]++ >\n',
    );
  });
}

test.run();
