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

  test('args whole is refused where the probe has no argument record', async () => {
    const none = await runScry(['--dry-run', '-e', 'interval:s:1 { print(args); }']);
    assert.is(none.code, 1, none.stderr);
    assert.match(none.stderr, 'stdin:1:22-26: ERROR: args as a whole is not available in this probe');
    assert.match(none.stderr, 'HINT: interval probes have no argument record here');
    assert.not.match(none.stderr, '    at ');
  });

  test('attach points whose arguments differ: the probe is checked per layout, as v0.26 expands it (builtin.mixed probe args)', async () => {
    // a raw tracepoint's typed arguments and a syscall tracepoint's record in one block
    const mixed = await runScry([
      '--dry-run',
      '-e',
      'rawtracepoint:sched_process_exec, tracepoint:syscalls:sys_enter_mkdir { args }',
    ]);
    assert.is(mixed.code, 0, mixed.stderr);
    // each point prints its own record; args.mode reads each point's own field
    const dir = mkdtempSync(join(tmpdir(), 'scry-args-'));
    try {
      const prog =
        'tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_openat /pid == cpid/ { print(args); @[probe, args.mode] = count(); }';
      const r = await runScry(['-e', prog, '-c', `/bin/mkdir -m 751 ${dir}/a`]);
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\{ \.__syscall_nr = 83, \.pathname = 0x[0-9a-f]+, \.mode = 489 \}$/m);
      assert.match(
        r.stdout,
        // (dfd is `int dfd; size:8; signed:0` in the format: a u64, as bpftrace reads it)
        /^\{ \.__syscall_nr = 257, \.dfd = 4294967196, \.filename = 0x[0-9a-f]+, \.flags = \d+, \.mode = \d+ \}$/m,
      );
      assert.match(r.stdout, '@[tracepoint:syscalls:sys_enter_mkdir, 489]: 1\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // a mistake in such a block is reported once, not once per layout
    const bad = await runScry([
      '--dry-run',
      '-e',
      'tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_close { print(args); @x = $nothing; }',
    ]);
    assert.is(bad.code, 1, bad.stderr);
    assert.is(bad.stderr.match(/Undefined or undeclared variable: \$nothing/g)?.length, 1, bad.stderr);
    // a field one of the points lacks is that point's error, as it would be alone
    const lacks = await runScry([
      '--dry-run',
      '-e',
      'tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_close { @ = args.mode; }',
    ]);
    assert.is(lacks.code, 1, lacks.stderr);
    assert.match(lacks.stderr, "ERROR: tracepoint syscalls:sys_enter_close has no field 'mode'");
  });
}

test.run();
