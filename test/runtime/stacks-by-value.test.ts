// Stacks are values (lang/types.ts stackType, as bpftrace v0.26 takes them): a header with the frame count and
// the pid, then the frames. Printed from those bytes alone (runtime/stacks.ts), and none is lost where
// bpf_get_stackid's 4,096-bucket table lost stacks whose hashes met (bpftrace 0.17's design, and scry's before).
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatStack } from '../../runtime/stacks.ts';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

/** A stack value's bytes: count and pid, then `limit` frames (zero past the count). */
function stackBytes(frames: readonly bigint[], limit: number, pid = 0, count = frames.length): Uint8Array {
  const b = new Uint8Array(8 + 8 * limit);
  const v = new DataView(b.buffer);
  v.setUint32(0, count, true);
  v.setUint32(4, pid, true);
  frames.forEach((f, i) => v.setBigUint64(8 + 8 * i, f, true));
  return b;
}

test('a ustack prints its frames through the user formatter, with its pid, indented by place', () => {
  const user = { kind: 'stack', space: 'user', mode: 'bpftrace', limit: 4 } as const;
  const seen: [number, bigint][] = [];
  const frame = (pid: number, ip: bigint) => (seen.push([pid, ip]), [`f${ip.toString(16)}`]);
  const bytes = stackBytes([0x10n, 0x20n], 4, 4242);
  assert.is(formatStack(bytes, user, 4, frame), '\n    f10\n    f20\n');
  assert.equal(seen, [
    [4242, 0x10n],
    [4242, 0x20n],
  ]);
  assert.is(formatStack(bytes, user, 8), '\n        0x10\n        0x20\n', 'no formatter: addresses');
  assert.is(formatStack(bytes, { ...user, mode: 'raw' }, 8), '\n10\n20\n');
  assert.is(formatStack(bytes, { ...user, mode: 'perf' }, 8), '\n\t10 0x10 ([unknown])\n\t20 0x20 ([unknown])\n');
  assert.is(formatStack(stackBytes([], 4), user, 4), '\n', 'no frames: an empty stack');
  // the count, not a zero frame, ends the stack; a count past the limit is cut to it
  assert.is(formatStack(stackBytes([0n, 0x30n], 4, 1), { ...user, mode: 'raw' }, 4), '\n0\n30\n');
  assert.is(formatStack(stackBytes([1n, 2n], 2, 1, 9), { ...user, mode: 'raw', limit: 2 }, 4), '\n1\n2\n');
});

test('ustack(build_id): the build id and file offset, or the address where the kernel had no id', () => {
  const b = new Uint8Array(8 + 32 * 3);
  const v = new DataView(b.buffer);
  v.setUint32(0, 2, true);
  v.setInt32(8, 1, true); // BPF_STACK_BUILD_ID_VALID
  b.fill(0xab, 12, 32);
  v.setBigUint64(32, 0x1234n, true);
  v.setInt32(40, 2, true); // BPF_STACK_BUILD_ID_IP
  v.setBigUint64(64, 0x7fff0000n, true);
  const view = { kind: 'stack', space: 'user', mode: 'build_id', limit: 3 } as const;
  assert.is(formatStack(b, view, 8), `\n${'ab'.repeat(20)} 0x1234\n7fff0000\n`);
});

/**
 * `program` on openat for `cat`, while 400 short-lived processes run, each with its own user stacks (its own
 * libc address): ~12,000 different stacks, where a stack-id table of 4,096 buckets lost hundreds.
 */
async function runManyStacks(program: string) {
  const s = startScry(['-e', `tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { ${program} }`], {
    [NOTIFY]: '1',
  });
  await s.waitForStdout(NOTIFY);
  execFileSync('sh', ['-c', 'i=0; while [ $i -lt 400 ]; do cat /dev/null; i=$((i+1)); done']);
  s.child.kill('SIGINT');
  const r = await s.finished;
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /WARNING/);
  return r;
}

if (requireRoot('stacks by value')) {
  test('thousands of different user stacks as map keys: none empty, and their counts add up to every call', async () => {
    const r = await runManyStacks('@[ustack] = count(); @calls = count();');
    assert.not.match(r.stdout, /^@\[\n\]/m, 'an empty stack');
    const counts = [...r.stdout.matchAll(/^\]: (\d+)$/gm)].map((m) => Number(m[1]));
    const calls = Number(/^@calls: (\d+)$/m.exec(r.stdout)?.[1]);
    assert.ok(counts.length > 400, `${counts.length} stacks`);
    assert.is(
      counts.reduce((a, b) => a + b, 0),
      calls,
    );
  });

  test('len() of stacks held in a map, a variable and taken in place: their frame counts', async () => {
    const r = await runScry([
      '-e',
      'BEGIN { @s[1] = kstack(raw, 3); $x = @s[1]; print((len(@s[1]), len($x), len(kstack(2)))); clear(@s); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), '(3, 3, 2)');
  });

  test("stacks inside tuples and as a for loop's keys: copied whole, their frames printed and counted", async () => {
    const r = await runScry([
      '-e',
      'BEGIN { $t = (kstack(raw, 2), 7); @[kstack(raw, 3), 5] = count(); ' +
        'for ($kv : @) { print(($kv.0.1, len($kv.0.0), len($t.0), $t.1)); print($kv.0.0); } clear(@); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\(5, 3, 2, 7\)\n\n(?:[0-9a-f]{16}\n){3}\n/m);
  });

  test('printf of those stacks: every one has its frames', async () => {
    const r = await runManyStacks('printf("<%s>\\n", ustack);');
    const stacks = r.stdout.split('<').slice(1);
    assert.ok(stacks.length > 400, `${stacks.length} stacks`);
    assert.is(stacks.filter((s) => s.startsWith('\n>')).length, 0, 'empty stacks');
  });
}

test.run();
