// Stacks the kernel did not record (bpf_get_stackid failed) print empty, and the session says how many and why
// (runtime/stacks.ts): silent before, while bpftrace 0.17 printed an error each and v0.26 loses none.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StackResolver, takeStackFailures } from '../../runtime/stacks.ts';
import { NOTIFY, startScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const view = { kind: 'stack', space: 'user', mode: 'bpftrace', limit: 127 } as const;
/** A ustack value as a program writes it: the pid above the (failed, negative) stack id. */
const failed = (pid: number, errno: number) => (BigInt(pid) << 32n) | BigInt((-errno >>> 0) & 0xffffffff);

test('failed stack ids print empty and are counted by errno; an empty stack (EFAULT) is not a failure', () => {
  // the map is never read for a failed id
  const r = new StackResolver(new Map([[127, -1]]));
  assert.is(r.format(failed(42, 17), view, 4), '\n');
  assert.is(r.format(failed(43, 17), view, 4), '\n');
  assert.is(r.format(failed(44, 12), view, 4), '\n');
  assert.is(r.format(failed(45, 14), view, 4), '\n');
  assert.is(r.failures.count, 3);
  assert.is(
    takeStackFailures(r.failures),
    '3 stacks were not recorded by the kernel and print empty (2 EEXIST: another stack held its slot of the stack map; 1 ENOMEM: the stack map was full)',
  );
  assert.is(takeStackFailures(r.failures), undefined, 'taken: cleared');
  r.format(failed(46, 17), view, 4);
  assert.match(takeStackFailures(r.failures)!, /^1 stack was not recorded by the kernel and prints empty \(1 EEXIST/);
});

/**
 * `program` (on openat, for `cat`) while ~400 short-lived processes run, each with its own user stacks (its own
 * libc address): in the 4,096 buckets some hashes meet (~20 expected; none at all about once in 10^9 runs).
 * Its output, and the warnings' lines with the number each reports.
 */
async function runWithCollisions(program: string) {
  const s = startScry(['-e', `tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { ${program} }`], {
    [NOTIFY]: '1',
  });
  await s.waitForStdout(NOTIFY);
  execFileSync('sh', ['-c', 'i=0; while [ $i -lt 400 ]; do cat /dev/null; i=$((i+1)); done']);
  s.child.kill('SIGINT');
  const r = await s.finished;
  assert.is(r.code, 0, r.stderr);
  const warnings = [...r.stderr.matchAll(/WARNING: (\d+) stacks? (?:was|were) not recorded by the kernel/g)];
  return { ...r, warnings, warned: warnings.reduce((n, m) => n + Number(m[1]), 0) };
}

if (requireRoot('stack failures')) {
  test('a run with stack-id collisions warns with the number of empty stacks it prints', async () => {
    const r = await runWithCollisions('@[ustack] = count();');
    const empty = [...r.stdout.matchAll(/^@\[\n\]: \d+$/gm)].length;
    assert.ok(empty > 0, `no stack printed empty: no collision in ${r.stdout.split('\n').length} lines`);
    assert.is(r.warned, empty, r.stderr);
  });

  test('printf of such stacks: warned at most once a second, and the rest at the end, adding up', async () => {
    const r = await runWithCollisions('printf("<%s>\\n", ustack);');
    const empty = r.stdout.split('<\n>').length - 1;
    assert.ok(empty > 0, 'no stack printed empty');
    assert.is(r.warned, empty, r.stderr);
    assert.ok(r.warnings.length < empty || empty === 1, `one warning an event: ${r.warnings.length} for ${empty}`);
  });
}

test.run();
