// self:signal:SIGUSR1 probes run in scry's own process each time it receives the signal, in program order.
// Pinned: bpftrace v0.26 (runtime tests probe.signal_order, signals.custom signal handling probe); bpftrace
// 0.17 has no self probes (its SIGUSR1 printed the maps).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, startScry } from '../helpers/cli.ts';
import { diagnose } from '../helpers/pipeline.ts';
import { requireRoot } from '../helpers/kernel.ts';

test('self:signal takes SIGUSR1 only, and the signal: form', () => {
  assert.match(diagnose('self:signal:SIGUSR2 { }'), 'ERROR: self:signal cannot take SIGUSR2');
  assert.match(diagnose('self:SIGUSR1 { }'), 'ERROR: self needs signal:SIGNAL');
  assert.is(diagnose('self:signal:SIGUSR1 { }'), '');
});

if (requireRoot('e2e self signal')) {
  test('SIGUSR1 runs every self:signal probe, in program order', async () => {
    const scry = startScry(
      ['-e', 'self:signal:SIGUSR1 { printf("first"); } self:signal:SIGUSR1 { printf(" second\\n"); exit(); }'],
      { [NOTIFY]: '1' },
      10_000,
    );
    await scry.waitForStdout(NOTIFY);
    scry.child.kill('SIGUSR1');
    const r = await scry.finished;
    assert.match(r.stdout, 'first second\n');
    assert.is(r.code, 0);
  });
}

test.run();
