// Pointers made from integers in probes that are neither kernel nor user probes (bpftrace v0.26's address
// space 'none'), on the real kernel: read with the legacy probe_read helpers, which read a user address from
// the current process and a kernel address from the kernel. The compiled side is test/lang/address-space.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e address space none')) {
  test('in BEGIN, a user address made from an integer reads the process memory (scry argv[0]: node)', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { printf("[%s]\\n", str((int8 *)curtask->mm->arg_start)); exit(); }']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[\S*node\]$/m);
  });

  test('in an interval probe, a kernel address made from an integer reads kernel memory as kptr() does', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'interval:ms:10 { $a = (uint64)kaddr("vfs_read"); printf("%x %x\\n", *(uint32 *)$a, *kptr((uint32 *)$a)); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    const [a, b] = r.stdout.trim().split(' ');
    assert.ok(a !== undefined && a !== '0', r.stdout);
    assert.is(a, b);
  });

  test('-k reports a failed read of a none address as bpftrace v0.26 does: probe_read, -14', async () => {
    const r = await runScry([
      '-k',
      '-q',
      '-f',
      'json',
      '-e',
      'struct foo {int a;}; begin { $tmp = ((struct foo*) 0).a;  }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(
      r.stdout.trim(),
      '{"type": "helper_error", "msg": "Bad address", "helper": "probe_read", "retcode": -14, "filename": "stdin", "line": 1, "col": 38}',
    );
  });
}

test.run();
