// `comm == "literal"` reads task->comm in place (lang/check/comm-literal.ts) and compares only the literal's
// bytes and its NUL. Debian 6.1 renames a task with strlcpy, which leaves the old name's tail after the NUL
// (node renamed "ab" holds "ab\0e"): the compare must still match, and the loads pass 6.1's verifier in a
// kprobe, a tracepoint and a kretprobe. (The path needs task_struct's layout: the BEGIN probe reads a kernel type,
// so the program reads the BTF anyway.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heldChild, inGuest, output, scratchDir, TOOL_TIMEOUT_MS, traceAround } from './guest.ts';

if (inGuest('vm comm == "literal"')) {
  test('a renamed task matches its new name in kprobe, kretprobe and tracepoint filters on 6.1', async () => {
    const dir = scratchDir();
    const child = heldChild([
      process.execPath,
      '-e',
      `process.title = "ab"; require("fs").mkdirSync(${JSON.stringify(`${dir}/x`)});`,
    ]);
    const prog = `
      BEGIN { $t = ((struct task_struct *)curtask)->pid; }
      kprobe:do_mkdirat /comm == "ab" && pid == ${child.pid}/ { @kprobe = count(); }
      kretprobe:do_mkdirat /"ab" == comm && pid == ${child.pid}/ { @kretprobe = count(); }
      tracepoint:syscalls:sys_enter_mkdir,tracepoint:syscalls:sys_enter_mkdirat /comm == "ab" && pid == ${child.pid}/ { @tracepoint = count(); }
      tracepoint:syscalls:sys_enter_mkdir,tracepoint:syscalls:sys_enter_mkdirat /comm != "ab" && pid == ${child.pid}/ { @other = count(); }`;
    const r = await traceAround(['-e', prog], () => child.run(), {}, TOOL_TIMEOUT_MS);
    for (const line of ['@kprobe: 1', '@kretprobe: 1', '@tracepoint: 1'])
      assert.ok(r.stdout.includes(`${line}\n`), output(r));
    assert.not.ok(r.stdout.includes('@other'), output(r));
  });
}

test.run();
