// The attach points of one probe that generate the same code share it (compiler/codegen/program.ts optimizes it
// once); `probe` as a map key comes from each attachment's cookie where the kernel has them (Linux 5.15), so
// `tracepoint:syscalls:sys_enter_* { @[probe] = count(); }` is one code for ~350 tracepoints. On the kernel:
// the counts land under the right probe names, printf("%s", probe) prints each its own name (its index in the
// record, from the cookie too), and the same printf format in two probes (one event schema) prints each its own
// values. The one code is loaded once: one program on every perf event.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasAttachCookies } from '../../runtime/index.ts';
import { compileScript, ScriptRun } from '../../repl/script-run.ts';
import { cookieReads, runScry } from '../helpers/cli.ts';
import { heldProgramIds } from '../helpers/kernel-objects.ts';
import { requireTracepoint, skipCheck } from '../helpers/kernel.ts';

const suite = 'e2e wildcard programs';

if (requireTracepoint(suite, 'syscalls/sys_enter_getppid')) {
  test('@[probe] over several tracepoints: one code, each attachment its cookie, counts under the right names', async () => {
    if (!hasAttachCookies())
      skipCheck(suite, 'this kernel has no perf link cookies (Linux 5.15): each probe keeps its constant');
    const r = compileScript(
      `tracepoint:syscalls:sys_enter_mkdir*, tracepoint:syscalls:sys_enter_getppid /pid == ${process.pid}/ { @[probe] = count(); }`,
      { name: 'wild.bt' },
    );
    assert.ok(r.program, r.diagnostics.map((d) => d.message).join('\n'));
    const programs = r.program!.programs.filter((p) => p.attach.provider === 'tracepoint');
    assert.ok(programs.length >= 2, programs.map((p) => p.attach.text).join(' '));
    if (hasAttachCookies()) {
      const code = new Set(programs.map((p) => Buffer.from(p.bytecode).toString('hex')));
      assert.is(code.size, 1);
      assert.equal(
        programs.map((p) => p.attachCookie),
        programs.map((_, i) => BigInt(i)),
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'scry-wild-'));
    const before = heldProgramIds(process.pid);
    const run = ScriptRun.start(r.program!, { sink: { event: () => {}, end: () => {} }, keepMaps: true });
    try {
      // the same code is loaded once (runtime/loader.ts sameCodeKey) and goes on every tracepoint
      const held = [...heldProgramIds(process.pid)].filter((id) => !before.has(id));
      assert.is(held.length, hasAttachCookies() ? 1 : programs.length, `programs held: ${held.join(' ')}`);
      for (let i = 0; i < 3; i++) void process.ppid; // getppid(2) each time
      mkdirSync(join(dir, 'a'));
      mkdirSync(join(dir, 'b'));
      const counts = Object.fromEntries(
        (run.snapshot('@')?.entries ?? []).map((e) => [String(e.keys[0]), Number(e.value)]),
      );
      assert.is(counts['tracepoint:syscalls:sys_enter_getppid'], 3, JSON.stringify(counts));
      // mkdir(2) on x86-64, mkdirat(2) where there is no mkdir
      const made =
        (counts['tracepoint:syscalls:sys_enter_mkdir'] ?? 0) + (counts['tracepoint:syscalls:sys_enter_mkdirat'] ?? 0);
      assert.is(made, 2, JSON.stringify(counts));
    } finally {
      await run.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

if (requireTracepoint(suite, 'syscalls/sys_enter_getppid')) {
  // the kernel takes one program once per event (bpf_prog_array_copy: EEXIST); two blocks of the same code on one
  // tracepoint each run, as in bpftrace, so the second goes on as a copy of its own (scry refused it with EEXIST)
  test('two blocks of the same code on one tracepoint both run; each block is a probe in the count', async () => {
    const prog = 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @ = count(); }';
    const r = await runScry(['-c', 'perl -e getppid()', '-e', `${prog} ${prog} BEGIN { } BEGIN { }`]);
    assert.is(r.code, 0, r.stderr);
    // bpftrace v0.26 counts each block's attach points, two BEGIN blocks as two
    assert.is(r.stderr, 'Attached 4 probes\n');
    assert.is(r.stdout, '\n\n@: 2\n');
  });
}

if (requireTracepoint(suite, 'syscalls/sys_enter_rmdir')) {
  test('printf("%s", probe) over several tracepoints: one code, each line naming its own probe, padded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-wild-'));
    try {
      const script = join(dir, 'dirs.py');
      writeFileSync(script, `import os\nos.mkdir('${dir}/a')\nos.rmdir('${dir}/a')\nos.mkdir('${dir}/b')\n`);
      const r = await runScry([
        '-q',
        '-c',
        `python3 ${script}`,
        '-e',
        'tracepoint:syscalls:sys_enter_mkdir*, tracepoint:syscalls:sys_enter_rmdir /pid == cpid/ { printf("[%-38s] %.10s|\\n", probe, probe); }',
      ]);
      assert.is(r.code, 0, r.stderr);
      const made = /sys_enter_mkdir\b/.test(r.stdout) ? 'mkdir' : 'mkdirat'; // mkdirat(2) where there is no mkdir
      const line = (p: string) => `[${`tracepoint:syscalls:sys_enter_${p}`.padEnd(38)}] tracepoint|`;
      assert.equal(r.stdout.split('\n').filter(Boolean), [made, 'rmdir', made].map(line));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

if (requireTracepoint(suite, 'sched/sched_process_fork')) {
  test('@[probe] over several raw tracepoints: one code, each link its cookie (6.10), counts under the right names', async () => {
    const cookies = hasAttachCookies('raw-tracepoint');
    if (!cookies)
      skipCheck(suite, 'this kernel has no raw tracepoint cookies (Linux 6.10): each probe keeps its constant');
    const r = compileScript(
      'rawtracepoint:sched_process_fork, rawtracepoint:sched_process_exec, rawtracepoint:sched_process_exit /comm == "scrywild"/ { @[probe] = count(); }',
      { name: 'wild.bt' },
    );
    assert.ok(r.program, r.diagnostics.map((d) => d.message).join('\n'));
    const programs = r.program!.programs;
    assert.is(programs.length, 3);
    if (cookies) {
      // generated once (tp_btf programs are still loaded one by one: each names its tracepoint when loaded)
      assert.is(new Set(programs.map((p) => p.bytecode)).size, 1);
      assert.equal(
        programs.map((p) => p.attachCookie),
        [0n, 1n, 2n],
      );
    }
    const dir = mkdtempSync(join(tmpdir(), 'scry-wild-'));
    const run = ScriptRun.start(r.program!, { sink: { event: () => {}, end: () => {} }, keepMaps: true });
    try {
      // a shell named scrywild forks twice (its children exec true, a comm of their own) and exits once
      const shell = join(dir, 'scrywild');
      copyFileSync('/bin/sh', shell);
      const ran = spawnSync(shell, ['-c', '/bin/true; /bin/true; :']);
      assert.is(ran.status, 0, String(ran.stderr));
      const counts = Object.fromEntries(
        (run.snapshot('@')?.entries ?? []).map((e) => [String(e.keys[0]), Number(e.value)]),
      );
      assert.equal(
        counts,
        {
          'rawtracepoint:vmlinux:sched_process_fork': 2,
          'rawtracepoint:vmlinux:sched_process_exec': 1,
          'rawtracepoint:vmlinux:sched_process_exit': 1,
        },
        JSON.stringify(counts),
      );
    } finally {
      await run.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('@[probe] over two intervals: one code on both perf events, each its cookie, counts under the right names', async () => {
  if (!hasAttachCookies()) skipCheck(suite, 'this kernel has no perf link cookies (Linux 5.15)');
  const r = await runScry([
    '-q',
    '-d',
    'bytecode',
    '-e',
    'interval:ms:10, interval:ms:25 { @[probe] = count(); } interval:ms:500 { exit(); }',
  ]);
  assert.is(r.code, 0, r.stderr);
  if (hasAttachCookies()) assert.is(cookieReads(r.stdout), 2, r.stdout);
  const count = (p: string) => Number(new RegExp(`^@\\[${p}\\]: (\\d+)$`, 'm').exec(r.stdout)?.[1] ?? 0);
  // ~50 and ~20 in half a second: the faster one's count is its own (swapped cookies would invert them)
  assert.ok(count('interval:ms:25') > 0, r.stdout);
  assert.ok(count('interval:ms:10') > count('interval:ms:25'), r.stdout);
});

test('the same printf format in two probes: one event schema, each printing its own values', async () => {
  const r = await runScry([
    '-q',
    '-e',
    'BEGIN { printf("v %d\\n", 1); } END { printf("v %d\\n", 2); } BEGIN { exit(); }',
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), 'v 1\nv 2');
});

test.run();
