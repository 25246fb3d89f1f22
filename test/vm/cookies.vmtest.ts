// `probe` as a map key in a probe of several perf tracepoints comes from each attachment's cookie, the perf
// event attached through a BPF link that carries it (Linux 5.15; runtime/attach/tracepoint.ts): Debian 6.1,
// the oldest kernel scry is tested on, has both, and the counts land under the right names there too
// (test/e2e/wildcard-programs.test.ts checks the same on the development kernel); kprobes' perf events too.
// Raw tracepoint links take cookies only from 6.10: there each program keeps its constant. fentry/fexit
// trampolines' links take them from 5.19.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasAttachCookies } from '../../runtime/index.ts';
import { cookieReads, keyedMapLines, runScry } from '../helpers/cli.ts';
import { GUEST_TIMEOUT_MS, inGuest, scratchDir } from './guest.ts';

if (inGuest('vm attach cookies')) {
  test('@[probe] over two tracepoints reads cookies on 6.1: each count under its own name', async () => {
    assert.ok(hasAttachCookies(), 'a tracepoint program calling bpf_get_attach_cookie should load on 6.1');
    // dash reads its parent's and its own pid as it starts: one getppid(2) and one getpid(2)
    const r = await runScry(
      [
        '-q',
        '-e',
        'tracepoint:syscalls:sys_enter_getppid, tracepoint:syscalls:sys_enter_getpid /pid == cpid/ { @[probe] = count(); }',
        '-c',
        '/bin/sh -c true',
      ],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^@\[tracepoint:syscalls:sys_enter_getppid\]: [1-9]\d*$/m);
    assert.match(r.stdout, /^@\[tracepoint:syscalls:sys_enter_getpid\]: [1-9]\d*$/m);
  });

  test('@[probe] over two kprobes: one program, each kprobe its cookie, each count under its own name', async () => {
    const dir = scratchDir();
    const r = await runScry(
      [
        '-q',
        '-d',
        'bytecode',
        '-e',
        'kprobe:vfs_mkdir, kprobe:do_mkdirat /pid == cpid/ { @[probe] = count(); }',
        '-c',
        `mkdir ${dir}/a ${dir}/b`,
      ],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, r.stderr);
    // both programs read the index from the cookie (the same code, loaded once)
    assert.is(cookieReads(r.stdout), 2, r.stdout);
    assert.match(r.stdout, /^@\[kprobe:vfs_mkdir\]: 2$/m);
    assert.match(r.stdout, /^@\[kprobe:do_mkdirat\]: 2$/m);
  });

  test('@[probe] over a uprobe wildcard without uprobe_multi (6.6+): one program, a cookie on each perf event', async () => {
    const run = (body: string) =>
      runScry(['-e', `uprobe:libc:getp*id /pid == cpid/ { ${body} }`, '-c', '/bin/sh -c true'], {}, GUEST_TIMEOUT_MS);
    const counts = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => `${m[1]} ${m[2]}`).sort();
    // one code for every function (the probe's index from the cookie), so one program on each perf event
    const r = await run('@[probe] = count();');
    assert.is(r.code, 0, r.stderr);
    const byProbe = counts(r.stdout, /^@\[uprobe:[^\]]*:(\w+)\]: (\d+)$/gm);
    assert.ok(byProbe.length >= 2, r.stdout);
    // func is each function's own constant: a program each; the counts are the same calls
    const f = await run('@[func] = count();');
    assert.is(f.code, 0, f.stderr);
    assert.equal(byProbe, counts(f.stdout, /^@\[(\w+)\]: (\d+)$/gm), `${r.stdout}\n${f.stdout}`);
  });

  test('@[probe] over fentry and fexit: one code, each trampoline link its cookie (5.19), counts under their names', async () => {
    assert.ok(hasAttachCookies('tracing-link'), 'an fentry program calling bpf_get_attach_cookie should load on 6.1');
    const dir = scratchDir();
    const r = await runScry(
      [
        '-q',
        '-d',
        'bytecode',
        '-e',
        'fentry:vfs_mkdir, fentry:do_mkdirat, fexit:do_mkdirat /pid == cpid/ { @[probe] = count(); }',
        '-c',
        `mkdir ${dir}/a ${dir}/b`,
      ],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(cookieReads(r.stdout), 3, r.stdout);
    const counts = keyedMapLines(r.stdout);
    assert.equal(
      counts,
      ['@[fentry:vmlinux:do_mkdirat]: 2', '@[fentry:vmlinux:vfs_mkdir]: 2', '@[fexit:vmlinux:do_mkdirat]: 2'],
      r.stdout,
    );
  });

  test('@[probe] over raw tracepoints on 6.1 (raw tracepoint links take cookies from 6.10): each its constant', async () => {
    assert.not.ok(hasAttachCookies('raw-tracepoint'), 'a raw tracepoint program calling bpf_get_attach_cookie loads');
    // the shell forks twice (its children exec true, a pid of their own) and exits once
    const script = join(scratchDir(), 'twice.sh');
    writeFileSync(script, '/bin/true\n/bin/true\n:\n');
    const r = await runScry(
      [
        '-q',
        '-d',
        'bytecode',
        '-e',
        'rawtracepoint:sched_process_fork, rawtracepoint:sched_process_exec, rawtracepoint:sched_process_exit /pid == cpid/ { @[probe] = count(); }',
        '-c',
        `/bin/sh ${script}`,
      ],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stdout, 'bpf_get_attach_cookie');
    const counts = keyedMapLines(r.stdout);
    assert.equal(
      counts,
      [
        '@[rawtracepoint:vmlinux:sched_process_exec]: 1',
        '@[rawtracepoint:vmlinux:sched_process_exit]: 1',
        '@[rawtracepoint:vmlinux:sched_process_fork]: 2',
      ],
      r.stdout,
    );
  });
}

test.run();
