// Per-CPU hashes allocated as keys arrive (BPF_F_NO_PREALLOC) are safe in tracing programs from Linux 6.1
// (runtime/features.ts hasLazyHashMaps): Debian's 6.1 is the first such kernel, so the probe must say yes there,
// and a perf_event program (which an older verifier refused with such a map) and a kprobe count into one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasLazyHashMaps } from '../../runtime/features.ts';
import { runScry } from '../helpers/cli.ts';
import { GUEST_TIMEOUT_MS, inGuest, output } from './guest.ts';

if (inGuest('vm lazily allocated per-CPU hashes')) {
  test('6.1 takes them, in a perf_event program and a kprobe', async () => {
    assert.ok(hasLazyHashMaps(), 'the feature probe on 6.1');
    const r = await runScry(
      [
        '-e',
        'profile:hz:99 { @p[cpu] = count(); } kprobe:do_nanosleep { @k[tid] = count(); } ' +
          'interval:ms:500 { printf("ok %d\\n", len(@p) > 0); clear(@p); clear(@k); exit(); }',
      ],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('ok 1\n'), output(r));
  });
}

test.run();
