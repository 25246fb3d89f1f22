// Behaviour bpftrace's tools rely on, found by running them (scripts/conformance-tools-run.py): scry's own
// short scripts of the same features, through the real CLI on the real kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

if (requireTracepoint('e2e tools: join', 'syscalls/sys_enter_execve')) {
  test('join keeps 1023 bytes of each argument whatever max_strlen is (bpftrace: join_argsize 1024; execsnoop)', async () => {
    const long = 'x'.repeat(1100);
    const prog = 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args.argv); }';
    const r = await runScry(['-q', '-c', `/bin/true ${long} end`, '-e', prog]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `/bin/true ${'x'.repeat(1023)} end\n\n\n`);
    // max_strlen bounds str(), not join's arguments
    const short = await runScry(['-q', '-c', `/bin/true ${long} end`, '-e', `config = { max_strlen = 16 } ${prog}`]);
    assert.is(short.code, 0, short.stderr);
    assert.is(short.stdout, `/bin/true ${'x'.repeat(1023)} end\n\n\n`);
  });
}

test.run();
