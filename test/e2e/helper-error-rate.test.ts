// -k on a map update that fails on every event: bpftrace prints one warning per failure (thousands a
// second); scry prints the first at once and then at most one summary line a second, so neither the
// terminal nor scry's memory is flooded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

if (requireTracepoint('e2e -k rate', 'raw_syscalls/sys_enter')) {
  test('a hot failing map update under -k: the first warning, then one summary a second with the count', async () => {
    const r = await runScry([
      '-k',
      '-q',
      '-e',
      // a new key per event: the map is full from the third syscall on, however few threads the machine runs
      // (keyed by tid it never filled on an idle machine, where two threads made every syscall)
      'config = { max_map_keys = 2 } tracepoint:raw_syscalls:sys_enter { @m[nsecs] = 1; } interval:ms:1500 { exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.includes("WARNING: Map full; can't update element."));
    assert.ok(warnings.length >= 2 && warnings.length <= 4, warnings.join('\n'));
    assert.is(
      warnings[0],
      "stdin:1:67-80: WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`",
    );
    assert.ok(r.stderr.includes('\nAdditional Info - helper: map_update_elem, retcode: -7\n'), r.stderr);
    const counted = warnings.slice(1).map((w) => Number(/: (\d+) more times? in [\d.]+ s$/.exec(w)?.[1]));
    assert.ok(
      counted.every((n) => n > 0),
      warnings.join('\n'),
    );
  });
}

test.run();
