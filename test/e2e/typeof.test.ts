// typeof() where a type is written, on the real kernel (issue 13 item 3; bpftrace v0.26): `(typeof($x))v` converts
// to $x's own type (uint8: 300 → 44), `let $y: typeof($x)` keeps it (255 + 1 wraps to 0), sizeof(typeof(…)) is the
// type's size, and typeof(@m) of a map with keys is its key type (int16: 70000 → 4464). The checker's side:
// test/lang/typeof.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e typeof')) {
  test('typeof casts, declarations and sizeof convert to and measure the type typeof names', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $x = (uint8)1; $a = (typeof($x))300; let $y: typeof($x) = 255; $y += 1; @m[(int16)1] = 2;' +
        ' $k = (typeof(@m))70000; print(($a, $y, sizeof(typeof(uint16)), sizeof(typeof($x)), $k)); clear(@m); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), '(44, 0, 2, 1, 4464)');
  });
}

test.run();
