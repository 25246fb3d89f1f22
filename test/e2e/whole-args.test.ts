// `args` whole (bpftrace v0.26): a record of the probe's arguments that prints as `{ .name = value, … }`, stores
// into maps and variables and keys a map. Tracepoints (their common fields left out) and typed raw tracepoints
// here; fentry/fexit in the test VM (test/vm/fentry.vmtest.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e whole args')) {
  test('tracepoint args whole: printed, in a variable, as a map value and key; the common fields left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-args-'));
    try {
      const prog =
        'tracepoint:syscalls:sys_enter_mkdir /pid == cpid/ { print(args); $a = args; @v[$a.mode] = $a; @k[args] = count(); }';
      const r = await runScry(['-e', prog, '-c', `/bin/mkdir -m 751 ${dir}/a ${dir}/b`]);
      assert.is(r.code, 0, r.stderr);
      // mkdir(2) is syscall 83 on x86-64; 0751 is 489
      const record = '\\{ \\.__syscall_nr = 83, \\.pathname = 0x[0-9a-f]+, \\.mode = 489 \\}';
      assert.is(r.stdout.match(new RegExp(`^${record}$`, 'gm'))?.length, 2, r.stdout);
      assert.match(r.stdout, new RegExp(`^@v\\[489\\]: ${record}$`, 'm'));
      // two paths, two distinct pointers: two keys
      assert.is(r.stdout.match(new RegExp(`^@k\\[${record}\\]: 1$`, 'gm'))?.length, 2, r.stdout);
      assert.not.match(r.stdout, 'common_');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a typed raw tracepoint: args whole holds its BTF arguments (sched_process_exec: p, old_pid, bprm)', async () => {
    const r = await runScry([
      '-e',
      'rawtracepoint:sched_process_exec /args.old_pid == cpid/ { print(args); @[comm] = args; }',
      '-c',
      '/bin/true',
    ]);
    assert.is(r.code, 0, r.stderr);
    const pid = '(\\d+)';
    const line = r.stdout.match(
      new RegExp(`^\\{ \\.p = 0x[0-9a-f]+, \\.old_pid = ${pid}, \\.bprm = 0x[0-9a-f]+ \\}$`, 'm'),
    );
    assert.ok(line, r.stdout);
    assert.match(r.stdout, new RegExp(`^@\\[true\\]: \\{ \\.p = 0x[0-9a-f]+, \\.old_pid = ${line![1]}, `, 'm'));
  });

  test('args whole is refused where it has no record, or where attach points disagree on it', async () => {
    const none = await runScry(['--dry-run', '-e', 'interval:s:1 { print(args); }']);
    assert.is(none.code, 1, none.stderr);
    assert.match(none.stderr, 'stdin:1:22-26: ERROR: args as a whole is not available in this probe');
    assert.match(none.stderr, 'HINT: interval probes have no argument record here');
    const two = await runScry([
      '--dry-run',
      '-e',
      'tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_close { @ = args; }',
    ]);
    assert.is(two.code, 1, two.stderr);
    assert.match(two.stderr, "stdin:1:80-84: ERROR: args differs between this probe's attach points");
    assert.not.match(none.stderr + two.stderr, '    at ');
  });
}

test.run();
