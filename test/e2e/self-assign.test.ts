// A string, tuple or record variable assigned a value that reads the variable itself: `$s = c ? $s : "b"`,
// `$t = ($t.1, $t.0)`, `$s = @m[$s]`. Written straight into its slot, the variable was zeroed (or half
// overwritten) before the value read it: scry printed `[]`, `(, 2)` and the map's empty-key entry where bpftrace
// 0.17 prints what this test wants (each line checked against bpftrace 0.17 by hand, 2026-12-07; the condition
// is nsecs, not pid: an interval probe may run in the idle task, pid 0). In BEGIN (not
// optimized) and in an interval probe (optimized).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const BODY = `
  $s = "a"; $s = nsecs > 0 ? $s : "b"; printf("ternary [%s]\\n", $s);
  $t = ("ab", "cd"); $t = ($t.1, $t.0); printf("swap %s %s\\n", $t.0, $t.1);
  @m["a"] = "found"; @m[""] = "EMPTY"; $k = "a"; $k = @m[$k]; printf("map read [%s]\\n", $k);
  $w = str(0); $w = "abc"; $w = nsecs > 0 ? $w : "b"; printf("1 KiB ternary [%s]\\n", $w);
  let $l = "x"; $l = nsecs > 0 ? $l : "y"; printf("let [%s]\\n", $l);
  clear(@m); exit();`;

const WANT = ['ternary [a]', 'swap cd ab', 'map read [found]', '1 KiB ternary [abc]', 'let [x]'];

if (requireRoot('e2e self-assign')) {
  for (const probe of ['BEGIN', 'interval:ms:1'])
    test(`${probe}: a variable assigned a value that reads it keeps what the value read`, async () => {
      const r = await runScry(['-q', '-e', `${probe} {${BODY} }`]);
      assert.is(r.code, 0, r.stderr);
      assert.equal(
        r.stdout.split('\n').filter((l) => l !== ''),
        WANT,
      );
    });
}

test.run();
