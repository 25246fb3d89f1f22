// A kernel stack sampled while the CPU runs user code is empty: bpf_get_stackid answers -EFAULT there, which
// scry used to report as a helper failure, 100+ warnings a second on `profile:hz:99 { @[kstack] = count(); }`.
// bpftrace v0.26 takes stacks with bpf_get_stack, which returns no frames, silently; the entry prints as `@[\n]`.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e empty stacks')) {
  for (const flags of [[], ['-k']]) {
    test(`kernel stacks sampled in user mode print empty, with no warning (${flags.join(' ') || 'default'})`, async () => {
      // user-mode work on every CPU while sampling
      const spinners = [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
      try {
        const r = await runScry([
          ...flags,
          '-e',
          'profile:hz:199 { @[kstack] = count(); } interval:ms:700 { exit(); }',
        ]);
        assert.is(r.code, 0, r.stderr);
        assert.not.match(r.stdout + r.stderr, /WARNING|get_stack/);
        const empty = /^@\[\n\]: (\d+)$/m.exec(r.stdout);
        assert.ok(empty && Number(empty[1]) > 10, `an empty-stack entry with the user-mode samples:\n${r.stdout}`);
      } finally {
        for (const s of spinners) s.kill('SIGKILL');
      }
    });
  }
}

test.run();
