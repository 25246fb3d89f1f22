// Linux 6.1's bpf_get_current_comm copies the name with strscpy and leaves the buffer's bytes after it as they
// were, so a comm key must be zeroed before the helper writes it (runtime/features.ts padsCurrentComm says no
// here; the host's 6.18 pads, and there the zeroing goes). A task renamed from a long name to a short one is one
// key per name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { padsCurrentComm } from '../../runtime/features.ts';
import { runScry } from '../helpers/cli.ts';
import { GUEST_TIMEOUT_MS, heldChild, inGuest, output, traceAround } from './guest.ts';

if (inGuest('vm comm padding')) {
  test('6.1 does not pad: the probe says so, the zeroing stays, and each name is one key', async () => {
    assert.not.ok(padsCurrentComm(), 'the feature probe on 6.1');
    const prog = 'tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }';
    const d = await runScry(['--dry-run', '-d', 'bytecode', '-e', prog], {}, GUEST_TIMEOUT_MS);
    assert.is(d.code, 0, output(d));
    assert.match(d.stdout, /\(r10 - (\d+)\) = 0\n.*\(r10 - \d+\) = 0\n.*r1 = r10\n.*r1 \+= -\1\n.*r2 = 16\n.*call 16 /);
    const child = heldChild([
      process.execPath,
      '-e',
      'process.title = "scrylongname12"; process.ppid; process.title = "ab"; for (let i = 0; i < 50; i++) process.ppid;',
    ]);
    const r = await traceAround(
      ['-e', `tracepoint:syscalls:sys_enter_getppid /pid == ${child.pid}/ { @[comm] = count(); }`],
      () => child.run(),
    );
    assert.is(r.code, 0, output(r));
    assert.is(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('@[ab]:'))
        .join('\n'),
      '@[ab]: 50',
      output(r),
    );
  });
}

test.run();
