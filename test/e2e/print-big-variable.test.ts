// print() of a variable kept in scratch space (a tuple of two 10 KB strings) sends it to the ring buffer from
// where it is, so a probe holding it need not hold a second copy: before, the copy took the probe past scry's
// 32 KiB of scratch space (bpftrace v0.26.1 runtime test call.str_big_for, BPFTRACE_MAX_STRLEN=9999).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e print of a big variable')) {
  test('a for-loop entry of two 9999-byte strings prints', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'config = { max_strlen = 9999 } BEGIN { $s = "abc"; $p = &$s; @m[str($p)] = str($p); for ($kv : @m) { print($kv); } $t = (str($p), 7); print($t); exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    assert.is(r.stdout.replace(/\n+/g, '\n'), '(abc, abc)\n(abc, 7)\n@m[abc]: abc\n');
  });
}

test.run();
