// Ctrl-C while a uprobe floods scry with printf(ustack) events (each one symbolised in user space): the run
// stops promptly, with END. The stop includes the kernel's uprobe unregistration (tens of ms here, which
// bpftrace pays too), so the bound below is looser than the ~20 ms scry itself takes to react.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, startScry } from '../helpers/cli.ts';
import { fixtures, runTarget } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

const f = requireRoot('e2e ustack flood') ? fixtures('e2e ustack flood') : undefined;

if (f) {
  test('SIGINT during a printf(ustack) flood from a uprobe ends the run within half a second, END included', async () => {
    const target = runTarget(f.pie, ['add', '4000000000'], 60_000);
    try {
      const run = startScry(
        [
          '-q',
          '-e',
          `uprobe:${f.pie}:add /pid == ${target.pid}/ { printf("%s\\n", ustack); } END { printf("END ran\\n"); }`,
        ],
        { [NOTIFY]: '1' },
        30_000,
      );
      await run.waitForStdout(NOTIFY);
      await run.waitForStdout('add+');
      await new Promise((r) => setTimeout(r, 700));
      const sentAt = Date.now();
      run.child.kill('SIGINT');
      const r = await run.finished;
      const took = Date.now() - sentAt;
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, /END ran\n/);
      assert.ok(took < 500, `stopped ${took} ms after SIGINT`);
    } finally {
      target.kill();
    }
  });
}

test.run();
