// -l as bpftrace v0.26 has it: timers by unit, software aliases, iterator targets, kernel types (-lv 'struct
// x'), several items at once, and the probes a program names (-l file.bt, -l -e '…'). Pinned: bpftrace v0.26
// (runtime tests basic.it lists *; probe.rawtracepoint_module_missing); bpftrace 0.17 lists timers and types the same way.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e listing forms')) {
  const lines = async (...args: string[]) => (await runScry(args)).stdout.split('\n').filter(Boolean);

  test('timers list by unit, software events with their aliases', async () => {
    assert.equal(await lines('-l', 'interval:*'), ['interval:hz:', 'interval:ms:', 'interval:s:', 'interval:us:']);
    assert.equal(await lines('-l', 'profile:*'), ['profile:hz:', 'profile:ms:', 'profile:s:', 'profile:us:']);
    const sw = await lines('-l', 'software:*');
    assert.ok(sw.includes('software:cpu:') && sw.includes('software:cpu-clock:'), sw.join('\n'));
  });

  test('iterator targets are listed (only those with a bpf_iter__ context)', async () => {
    const it = await lines('-l', 'iter:*');
    assert.ok(it.includes('iter:task'), it.join('\n'));
    assert.not.ok(
      it.some((l) => l.endsWith('_destroy')),
      it.join('\n'),
    );
  });

  test('-lv struct X prints its definition, several items separated by commas', async () => {
    const r = await lines('-lv', 'struct task_struct,struct file');
    assert.ok(r.includes('struct task_struct {') && r.includes('struct file {'), r.slice(0, 5).join('\n'));
    assert.equal(await lines('-l', 'struct task_struct'), ['struct task_struct']);
  });

  test('-l FILE and -l -e list the probes the program names', async () => {
    const file = join(tmpdir(), `scry-list-${process.pid}.bt`);
    writeFileSync(file, 'interval:ms:1000 {} interval:s:1 {} software:cpu:1e6 {}\n');
    assert.equal(await lines('-l', file), ['interval:ms:', 'interval:s:', 'software:cpu:']);
    assert.equal(await lines('-l', '-e', 'tracepoint:sched:sched_switch { }'), ['tracepoint:sched:sched_switch']);
    // a uprobe wildcard's functions share one program (uprobe_multi): every one is listed, as -l PATTERN lists them
    const listed = await lines('-l', 'uprobe:/bin/bash:readline*');
    assert.ok(listed.length > 1, listed.join());
    assert.equal(await lines('-l', '-e', 'uprobe:/bin/bash:readline* { }'), listed);
    // in program order, each attach point's matches sorted (bpftrace v0.26 get_probes_for_listing; scry sorted all)
    assert.equal(
      await lines(
        '-l',
        '-e',
        'tracepoint:syscalls:sys_exit_read {} interval:s:1 {} tracepoint:syscalls:sys_enter_read* {}',
      ),
      [
        'tracepoint:syscalls:sys_exit_read',
        'interval:s:',
        ...(await lines('-l', 'tracepoint:syscalls:sys_enter_read*')),
      ],
    );
  });

  test('rawtracepoint:module:event needs the module loaded (was: the module part ignored)', async () => {
    const r = await runScry(['-e', 'rawtracepoint:nonsense:sys_exit { exit(); }']);
    // bpftrace v0.26's words, scry's reason below
    assert.match(r.stderr, 'ERROR: No matches for rawtracepoint nonsense:sys_exit.\n');
    assert.match(r.stderr, "HINT: no module 'nonsense' is loaded, so it has no raw tracepoint sys_exit");
    assert.is(r.code, 1);
    const w = await runScry([
      '-e',
      'config = { missing_probes = "warn" } rawtracepoint:nonsense:sys_exit, BEGIN { exit(); }',
    ]);
    assert.match(w.stderr, 'WARNING: No matches for rawtracepoint nonsense:sys_exit. Skipping.');
    assert.is(w.code, 0);
  });
}

test.run();
