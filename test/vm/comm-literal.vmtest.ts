// `comm == "literal"` reads task->comm in place (lang/check/comm-literal.ts) and compares only the literal's
// bytes and its NUL. Debian 6.1 renames a task with strlcpy, which leaves the old name's tail after the NUL
// (node renamed "ab" holds "ab\0e"): the compare must still match, and the loads pass 6.1's verifier in a
// kprobe, a tracepoint and a kretprobe; comm's offset is the kernel's own relocation (5.17+), tried in a program that
// reads the BTF anyway (the BEGIN probe reads a kernel type) and in one that does not.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { heldChild, inGuest, output, scratchDir, TOOL_TIMEOUT_MS, traceAround } from './guest.ts';

if (inGuest('vm comm == "literal"')) {
  for (const [how, typed] of [
    ['with a kernel type read', 'BEGIN { $t = ((struct task_struct *)curtask)->pid; }'],
    ['without', ''],
  ] as const)
    test(`a renamed task matches its new name in kprobe, kretprobe and tracepoint filters on 6.1 (${how})`, async () => {
      const dir = scratchDir();
      const child = heldChild([
        process.execPath,
        '-e',
        `process.title = "ab"; require("fs").mkdirSync(${JSON.stringify(`${dir}/x`)});`,
      ]);
      const prog = `
      ${typed}
      kprobe:do_mkdirat /comm == "ab" && pid == ${child.pid}/ { @kprobe = count(); }
      kretprobe:do_mkdirat /"ab" == comm && pid == ${child.pid}/ { @kretprobe = count(); }
      tracepoint:syscalls:sys_enter_mkdir,tracepoint:syscalls:sys_enter_mkdirat /comm == "ab" && pid == ${child.pid}/ { @tracepoint = count(); }
      tracepoint:syscalls:sys_enter_mkdir,tracepoint:syscalls:sys_enter_mkdirat /comm != "ab" && pid == ${child.pid}/ { @other = count(); }`;
      const r = await traceAround(['-e', prog], () => child.run(), {}, TOOL_TIMEOUT_MS);
      for (const line of ['@kprobe: 1', '@kretprobe: 1', '@tracepoint: 1'])
        assert.ok(r.stdout.includes(`${line}\n`), output(r));
      assert.not.ok(r.stdout.includes('@other'), output(r));
    });

  test('without a kernel type read, 6.1 relocates the offset and the compare reads task->comm in place', () => {
    const r = spawnSync(
      process.execPath,
      [scryBin, '--dry-run', '-d', 'bytecode', '-e', 'kprobe:do_mkdirat /comm == "ab"/ { @ = count(); }'],
      { encoding: 'utf8' },
    );
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /call 158 +; bpf_get_current_task_btf[^]*\n +\d+: r1 = \*\(u\d+ \*\)\(r0 \+ \d+\)/);
    assert.not.match(r.stdout, /call 16 +;/);
  });
}

test.run();
