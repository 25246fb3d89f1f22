// The kprobe variants of examples/tools (filelife-kp, oomkill-kp), which cannot attach on the development
// machine's kernel: each runs as a user runs it, around a workload whose pid, name and age the test knows.
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heldChild, inGuest, output, scratchDir, TOOL_TIMEOUT_MS, traceAround } from './guest.ts';

const tools = fileURLToPath(new URL('../../examples/tools/', import.meta.url));

if (inGuest('vm tools-kp')) {
  test('filelife-kp: a file created by touch and removed 300 ms later by rm: its name, age and the rm', async () => {
    const dir = scratchDir();
    const child = heldChild([
      '/bin/sh',
      '-c',
      `cd ${dir} && touch kp-short-lived && sleep 0.3 && exec rm kp-short-lived`,
    ]);
    const r = await traceAround(['-q', join(tools, 'filelife-kp.bt')], () => child.run(), {}, TOOL_TIMEOUT_MS);
    assert.is(r.code, 0, output(r));
    const lines = r.stdout.split('\n');
    assert.ok(
      lines.some((l) => /^TIME +PID +COMM +AGE\(ms\) +FILE$/.test(l)),
      output(r),
    );
    const row = lines.map((l) => l.trim().split(/\s+/)).find((c) => c[4] === 'kp-short-lived');
    assert.ok(row, output(r));
    assert.match(row![0]!, /^\d\d:\d\d:\d\d\.\d{6}$/);
    // the shell execs rm last: the unlink comes from the held child's pid
    assert.is(row![1], String(child.pid), output(r));
    assert.is(row![2], 'rm');
    assert.ok(Number(row![3]) >= 290 && Number(row![3]) < 30_000, `age ${row![3]} ms`);
    rmdirSync(dir);
  });

  test('oomkill-kp: dd with a 256 MB buffer in a 32 MB cgroup v2 group: the victim, the limit, the reason', async () => {
    const root = '/sys/fs/cgroup';
    writeFileSync(`${root}/cgroup.subtree_control`, '+memory');
    const cg = join(root, `scry-oomkill-kp-${process.pid}`);
    mkdirSync(cg);
    try {
      writeFileSync(`${cg}/memory.max`, String(32 << 20));
      if (existsSync(`${cg}/memory.swap.max`)) writeFileSync(`${cg}/memory.swap.max`, '0');
      const child = heldChild([
        '/bin/sh',
        '-c',
        `echo $$ > ${cg}/cgroup.procs && exec dd if=/dev/zero of=/dev/null bs=256M count=1`,
      ]);
      const r = await traceAround(['-q', join(tools, 'oomkill-kp.bt')], () => child.run(), {}, TOOL_TIMEOUT_MS);
      assert.is(r.code, 0, output(r));
      const re = new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d triggered by PID ${child.pid} \\("dd"\\), OOM kill of PID ${child.pid} \\("dd"\\), (\\d+) pages, reason: Memory cgroup out of memory$`,
      );
      const m = r.stdout
        .split('\n')
        .map((l) => re.exec(l))
        .find((x) => x);
      assert.ok(m, output(r));
      // the cgroup's limit, 32 MB in 4 KB pages
      assert.is(Number(m![1]), 8192, output(r));
    } finally {
      for (let i = 0; ; i++) {
        try {
          rmdirSync(cg);
          break;
        } catch (e) {
          if (i === 100) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  });

  test.run();
}
