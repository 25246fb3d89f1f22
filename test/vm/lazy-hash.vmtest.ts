// Per-CPU hashes allocated as keys arrive (BPF_F_NO_PREALLOC) are safe in tracing programs from Linux 6.1
// (runtime/features.ts hasLazyHashMaps): Debian's 6.1 is the first such kernel, so the probe must say yes there,
// and a script of syscall tracepoints and BEGIN/END (MapSpec.allocateOnInsert) counts into them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasLazyHashMaps } from '../../runtime/features.ts';
import { runScry } from '../helpers/cli.ts';
import { GUEST_TIMEOUT_MS, inGuest, output } from './guest.ts';

if (inGuest('vm lazily allocated per-CPU hashes')) {
  test('6.1 takes them: the probe says so, and a syscall tracepoint counts into one', async () => {
    assert.ok(hasLazyHashMaps(), 'the feature probe on 6.1');
    const r = await runScry(
      [
        '-c',
        '/bin/sleep 0.1',
        '-e',
        'tracepoint:syscalls:sys_enter_clock_nanosleep,tracepoint:syscalls:sys_enter_nanosleep /pid == cpid/ ' +
          '{ @[tid] = count(); } BEGIN { for ($i : 0..1000) { @b[$i] = sum($i); } } ' +
          'END { printf("keys %d %d\\n", len(@), len(@b)); clear(@); clear(@b); }',
      ],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('keys 1 1000\n'), output(r));
  });
}

test.run();
