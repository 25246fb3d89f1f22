// Behaviour bpftrace's tools rely on, found by running them (scripts/conformance-tools-run.py): scry's own
// short scripts of the same features, through the real CLI on the real kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint } from '../helpers/kernel.ts';

if (requireTracepoint('e2e tools: join', 'syscalls/sys_enter_execve')) {
  test('join keeps 1023 bytes of each argument whatever max_strlen is (bpftrace: join_argsize 1024; execsnoop)', async () => {
    const long = 'x'.repeat(1100);
    const prog = 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args.argv); }';
    // the two runs at the same time: each traces its own -c command
    const [r, short] = await Promise.all([
      runScry(['-q', '-c', `/bin/true ${long} end`, '-e', prog]),
      runScry(['-q', '-c', `/bin/true ${long} end`, '-e', `config = { max_strlen = 16 } ${prog}`]),
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `/bin/true ${'x'.repeat(1023)} end\n\n\n`);
    // max_strlen bounds str(), not join's arguments
    assert.is(short.code, 0, short.stderr);
    assert.is(short.stdout, `/bin/true ${'x'.repeat(1023)} end\n\n\n`);
  });
}

if (requireRoot('e2e tools: dereferencing an integer')) {
  test('*int reads a uint64 at that address and + is in bytes (bpftrace v0.26 and 0.17; loads.bt: *kaddr("avenrun"))', async () => {
    // __start_BTF is one of the few data symbols every kallsyms lists: the BTF header, magic 0xeb9f, hdr_len 24
    const [r, t] = await Promise.all([
      runScry([
        '-q',
        '-e',
        'BEGIN { $p = kaddr("__start_BTF"); printf("%x %d\\n", *$p & 0xffff, *($p + 4) & 0xffffffff); exit(); }',
      ]),
      // an integer that is no pointer reads the probe's memory (kernel here): the same 8 bytes a typed read gets
      runScry(['-q', '-e', 'BEGIN { $a = (uint64)curtask + 8; printf("%d\\n", *$a == *(uint64 *)$a); exit(); }']),
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, 'eb9f 24\n\n\n');
    assert.is(t.stdout, '1\n\n\n', t.stderr);
  });
}

test.run();
