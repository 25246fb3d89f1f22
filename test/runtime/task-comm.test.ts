// `comm == "literal"` reads task->comm in place; where the program reads no kernel type, comm's offset comes from
// the kernel's own CO-RE relocation (runtime/features.ts relocatedTaskCommOffset) rather than from reading the
// whole vmlinux BTF. The two must agree, and the checker must take the relocated one without reading the BTF.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasmListing } from '../../compiler/index.ts';
import { hostKernelInfo, relocatedTaskCommOffset } from '../../runtime/index.ts';
import { resetBtfCache, vmlinuxBtf, vmlinuxBtfRead } from '../../runtime/kernel/btf/index.ts';
import { requireRoot, requireTracepoint, skipCheck } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

const suite = 'runtime task comm offset';

/** task_struct's comm offset as the vmlinux BTF has it (read in user space). */
function btfCommOffset(): number | undefined {
  const btf = vmlinuxBtf();
  const task = btf?.find('task_struct', 'struct');
  return task === undefined ? undefined : btf!.findMember(task, 'comm')?.offset;
}

if (requireRoot(suite) && requireTracepoint(suite, 'syscalls/sys_enter_getppid')) {
  test('the kernel relocates task_struct.comm to the offset its BTF gives', () => {
    const relocated = relocatedTaskCommOffset();
    const fromBtf = btfCommOffset();
    if (fromBtf === undefined) return skipCheck(suite, 'no vmlinux BTF with task_struct.comm');
    assert.type(relocated, 'number');
    assert.is(relocated, fromBtf);
  });

  test('a program that reads no kernel type compares comm in place at that offset without reading the BTF', () => {
    const expected = btfCommOffset();
    if (expected === undefined) return skipCheck(suite, 'no vmlinux BTF with task_struct.comm');
    resetBtfCache();
    const listing = (text: string) =>
      compileText(text, hostKernelInfo(), { optimize: true })
        .programs.map((p) => disasmListing(p.bytecode))
        .join('');
    const code = listing('tracepoint:syscalls:sys_enter_getppid /comm == "scrybench"/ { @ = count(); }');
    assert.is(vmlinuxBtfRead(), false, 'the vmlinux BTF was read');
    assert.match(code, /call 158/);
    assert.ok(code.includes(`(r0 + ${expected})`), code);
    assert.ok(code.includes(`(r0 + ${expected + 8})`), code);
    assert.not.match(code, /call 16\b/);
  });
}

test.run();
