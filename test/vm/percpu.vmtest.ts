// Reads of per-CPU aggregations in a probe (bpf_loop with bpf_map_lookup_percpu_elem, nested inside a
// bpf_for_each_map_elem callback) pass Debian 6.1's verifier, the oldest kernel scry is tested on; the machine
// scry is developed on runs a 6.18 verifier (test/e2e/for-map-percpu.test.ts checks the numbers there).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { GUEST_TIMEOUT_MS, inGuest } from './guest.ts';

if (inGuest('vm per-CPU reads')) {
  test('for loops and @m[key] read count/min/avg over all CPUs on 6.1', async () => {
    const prog = `BEGIN { @c[1] = count(); @c[1] = count(); @mn[1] = min(-3); @a[2] = avg(5); @a[2] = avg(-8);
      for ($kv : @c) { for ($j : @a) { printf("loop %d %d %d\\n", $kv.1, $j.1, @mn[1]); } }
      printf("read %d %d\\n", @c[1] + 1, @a[2]); exit(); }`;
    const r = await runScry(['-q', '-e', prog], {}, GUEST_TIMEOUT_MS);
    assert.is(r.code, 0, r.stderr);
    assert.is(
      r.stdout
        .split('\n')
        .filter((l) => /^(loop|read) /.test(l))
        .join('\n'),
      'loop 2 -1 -3\nread 3 -1',
    );
  });
}

test.run();
