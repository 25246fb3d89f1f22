// buf(s, n) with a literal n past the string's end prints n bytes, the rest as \x00 (bpftrace 0.17's
// call.buf_hist_map_key and call.buf_map_multikey: @[ok_key\x00\x00]); the padding is zeros, never stack junk,
// so equal strings are equal keys. Through the real CLI on the real kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e buf length')) {
  test('a literal length past a string pads it with NULs, in map keys, multi-keys and values', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { @h[buf("ok_key", 8)] = hist(1); @m[buf("ok_key", 8), 1] = count(); @m[buf("ok_key", 8), 1] = count(); @v = buf("ab", 4); printf("%rx\\n", buf("ab", 3)); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('\\x61\\x62\\x00\n'), r.stdout);
    assert.ok(r.stdout.includes('@h[ok_key\\x00\\x00]:\n'), r.stdout);
    assert.ok(r.stdout.includes('@m[ok_key\\x00\\x00, 1]: 2\n'), r.stdout);
    assert.ok(r.stdout.includes('@v: ab\\x00\\x00\n'), r.stdout);
  });
}

test.run();
