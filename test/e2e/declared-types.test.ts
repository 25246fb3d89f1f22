// Typed declarations on the real kernel (issue 13 item 3): a variable declared `let $x: T` keeps T, so what is
// assigned later is converted when it is stored (bpftrace v0.26). The checker's side: test/lang/declared-types.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e declared types')) {
  test('int8 assigned (int32)1000 holds -24; uint8 255 + 1 wraps to 0; a declared string keeps its size', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { let $a: int8 = 1; $a = (int32)1000; let $b: uint8 = 255; $b += 1; let $s: string[8] = "ab"; $s = "abc";' +
        ' print(($a, $b, $s, sizeof($a), sizeof($s))); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, 'WARNING: Expression of type: int32 being cast to type: int8.');
    assert.is(r.stdout.trim(), '(-24, 0, abc, 1, 8)');
  });
}

test.run();
