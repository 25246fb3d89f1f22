// uprobe wildcards on one uprobe_multi link (BPF_TRACE_UPROBE_MULTI, Linux 6.6+) where the kernel has
// them, through the real CLI on the C fixtures. Pinned: bpftrace v0.26.1 (tests/runtime/probe
// uprobe_multi_wildcard, uretprobe_multi_wildcard: `bpftool link` shows one uprobe_multi link for a
// wildcard). A body that reads `func` differs per function: every function keeps its own program and perf
// event, as without uprobe_multi, and both count the same calls. `probe` comes from each offset's cookie: one
// program and link still, each count under its own function's name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasUprobeMulti } from '../../runtime/features.ts';
import { keyedMapLines, runScry } from '../helpers/cli.ts';
import { fixtures, hasTool } from '../helpers/fixtures.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

const f = requireRoot('e2e uprobe_multi') ? fixtures('e2e uprobe_multi') : undefined;
const multi = f !== undefined && hasUprobeMulti();
if (f && !multi) skipCheck('e2e uprobe_multi', 'this kernel has no uprobe_multi links (Linux 6.6+)');
if (f && multi && !hasTool('bpftool')) skipCheck('e2e uprobe_multi', 'bpftool is not installed');

if (f && multi && hasTool('bpftool')) {
  // recurse 3 → recurse runs 4 times, leaf once; str_len 2 times
  const cmd = `${f.pie} recurse 3 strlen 2`;

  for (const kind of ['uprobe', 'uretprobe'] as const)
    test(`${kind}: a wildcard is one program on one uprobe_multi link`, async () => {
      const r = await runScry([
        '--unsafe',
        '-c',
        cmd,
        '-e',
        `${kind}:${f.pie}:*e* /pid == cpid/ { if (@once == 0) { @once = 1; system("bpftool link show | grep -cE 'uprobe_multi|type 12'"); } @n = count(); }`,
      ]);
      assert.is(r.code, 0, r.stderr);
      // no other uprobe_multi link is expected while this test runs; at least ours must be there
      const links = Number(/^(\d+)$/m.exec(r.stdout)?.[1] ?? '0');
      assert.ok(links >= 1, r.stdout);
      // the same calls as one program per function counts (func makes each function's code its own)
      const perFunction = await runScry(['-c', cmd, '-e', `${kind}:${f.pie}:*e* /pid == cpid/ { @[func] = count(); }`]);
      const counted = [...perFunction.stdout.matchAll(/^@\[\w+\]: (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      assert.is(Number(/^@n: (\d+)$/m.exec(r.stdout)?.[1]), counted, `${r.stdout}\n${perFunction.stdout}`);
      assert.ok(counted >= 7, perFunction.stdout); // recurse 4 + leaf 1 + str_len 2, and start-up functions
      // @[probe]: the same program on every function, each offset's cookie its probe's index
      const byProbe = await runScry([
        '--unsafe',
        '-c',
        cmd,
        '-e',
        `${kind}:${f.pie}:*e* /pid == cpid/ { if (@once == 0) { @once = 1; system("bpftool link show | grep -cE 'uprobe_multi|type 12'"); } @[probe] = count(); }`,
      ]);
      assert.is(byProbe.code, 0, byProbe.stderr);
      assert.ok(Number(/^(\d+)$/m.exec(byProbe.stdout)?.[1] ?? '0') >= 1, byProbe.stdout);
      const counts = (text: string, re: RegExp) =>
        Object.fromEntries([...text.matchAll(re)].map((m) => [m[1]!, Number(m[2])]));
      assert.equal(
        counts(byProbe.stdout, new RegExp(`^@\\[${kind}:[^\\]]*:(\\w+)\\]: (\\d+)$`, 'gm')),
        counts(perFunction.stdout, /^@\[(\w+)\]: (\d+)$/gm),
        `${byProbe.stdout}\n${perFunction.stdout}`,
      );
    });

  test('`func` as a key also holding a longer string: the names as the table has them, the string whole', async () => {
    const long = 'a string longer than any of the functions names';
    const script = (extra: string) => `uprobe:${f.pie}:*e* /pid == cpid/ { @[func] = count(); } ${extra}`;
    const mixed = await runScry(['-c', cmd, '-e', script(`BEGIN { @["${long}"] = count(); }`)]);
    assert.is(mixed.code, 0, mixed.stderr);
    const alone = await runScry(['-c', cmd, '-e', script('')]);
    assert.equal(keyedMapLines(mixed.stdout), [...keyedMapLines(alone.stdout), `@[${long}]: 1`].sort());
  });
}

test.run();
