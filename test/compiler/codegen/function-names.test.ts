// Each program's main function is named in its BTF as bpftrace v0.26 names it (interval_us_100000_1): what
// `fentry:bpf:NAME` attaches to, from bpftrace or scry, and the kernel's symbol for the JIT image.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { functionName } from '../../../compiler/codegen/program.ts';
import type { ProgramSpec } from '../../../compiler/program.ts';
import { parseBtf } from '../../../runtime/kernel/btf/index.ts';
import { compileText } from '../../helpers/pipeline.ts';

const mainName = (p: ProgramSpec) => parseBtf(p.btf!).funcById(p.funcInfo![0]!.typeId).name;

test('programs are numbered from 1 in script order, named by their attach point with non-identifier characters as _', () => {
  const c = compileText(
    'interval:100ms { @a = 1; } interval:100ms { @a = 2; } tracepoint:syscalls:sys_enter_openat { @b = 1; } END { @c = 1; }',
  );
  assert.equal(c.programs.map(mainName), [
    'interval_us_100000_1',
    'interval_us_100000_2',
    'tracepoint_syscalls_sys_enter_openat_3',
    'END_4',
  ]);
});

test('a name longer than a kernel symbol keeps its start and ends in a hash of the whole', () => {
  assert.is(functionName('uprobe:/usr/bin/bash:readline', 7), 'uprobe__usr_bin_bash_readline_7');
  const long = functionName(`uprobe:/${'d/'.repeat(80)}bin:f`, 1);
  assert.is(long.length, 127);
  assert.match(long, /^uprobe__d_d_d_.*_[0-9a-f]{16}$/);
  assert.is.not(long, functionName(`uprobe:/${'d/'.repeat(80)}bin:g`, 1));
});

test.run();
