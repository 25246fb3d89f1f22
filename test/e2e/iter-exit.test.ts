// exit() in an iterator: the walk runs whole and prints whole, then the run ends with exit()'s code, as bpftrace
// v0.26 has it (its iterator output is the seq file exit() does not cut; its runtime tests call.iter:task,
// task_file and task_vma expect the tracer's own task among the lines of `printf(...); exit();`). scry printed
// the first task only: exit() discarded the rest and every later run of the program returned at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e iter exit')) {
  test('iter:task { printf(…); exit(3); } prints every task, its own among them, and exits 3', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'iter:task { printf("comm: %s\\n", ctx->task->comm); @n = count(); exit(3); }',
    ]);
    assert.is(r.code, 3, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('comm: '));
    assert.ok(lines.length > 10, `${lines.length} tasks printed`);
    assert.ok(lines.includes('comm: scry'), r.stdout);
    // the maps printed at the end hold every run's count
    assert.match(r.stdout, new RegExp(`@n: ${lines.length}\\n`));
  });

  // bpftrace v0.26 attachpoint_passes.cpp: "iter probe only supports one attach point" (scry walked both)
  test('one iter attach point per probe; two iterators in two probes are fine', async () => {
    const r = await runScry(['--dry-run', '-e', 'iter:task,iter:task_file { @n = count(); }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, 'ERROR: iter probe only supports one attach point\n');
    const ok = await runScry(['--dry-run', '-e', 'iter:task { @n = count(); } iter:task_file { @m = count(); }']);
    assert.is(ok.code, 0, ok.stderr);
  });
}

test.run();
