// Attach points sharing the code generated for an earlier one (compiler/attach-groups.ts, codegen/point-reads.ts)
// on this machine's own tracepoints, uprobes and intervals: each script compiled with every point generated and with
// sharing must come out the same, and the wildcards that read nothing of their point must be generated once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource, type CompiledProgram } from '../../compiler/index.ts';
import { hostKernelInfo } from '../../runtime/index.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { programText } from '../helpers/pipeline.ts';

const root = requireRoot('attach points sharing code on this machine');
const kernel = root ? hostKernelInfo() : undefined;
function both(text: string): CompiledProgram {
  const options = { optimize: true, attachCookies: true };
  const shared = compileSource(text, kernel!, options);
  const each = compileSource(text, kernel!, { ...options, sameCodeOnce: false });
  assert.is(programText(shared.program ?? shared.diagnostics), programText(each.program ?? each.diagnostics), text);
  if (!shared.program) throw new Error(`${text}: ${shared.diagnostics.map((d) => d.message).join('\n')}`);
  return shared.program;
}

/** Programs, and how many generations they came from (programs sharing code share its bytes' array). */
const counts = (p: CompiledProgram) => [p.programs.length, new Set(p.programs.map((x) => x.bytecode)).size];

if (root) {
  test('wildcards that read nothing of their point: one generation, the same programs', () => {
    const many = (n: number) => n > 100;
    for (const text of [
      'tracepoint:syscalls:sys_enter_* { @[probe] = count(); }',
      'tracepoint:syscalls:sys_exit_* /args.ret < 0/ { @[probe, args.ret] = count(); }',
      'tracepoint:syscalls:sys_enter_* { @[probe, ustack(3), kstack(3)] = count(); printf("%s\\n", probe); }',
      // the same field at the same place in formats of different lengths
      'tracepoint:syscalls:sys_enter_* { @[probe, args.__syscall_nr] = count(); }',
    ]) {
      const [programs, generations] = counts(both(text));
      assert.ok(many(programs!), text);
      assert.is(generations, 1, text);
    }
    // tp_btf programs (each loaded naming its tracepoint), their links carrying the cookies
    const [programs, generations] = counts(both('rawtracepoint:sched_* { @[probe] = count(); }'));
    assert.ok(programs! > 10, `${programs}`);
    assert.is(generations, 1);
  });

  test("uprobes' `func` by the cookie: bash's functions one program, each name from the table by its cookie", () => {
    const text = 'uprobe:/bin/bash:read* { @[probe] = count(); @f[func] = count(); printf("%s\\n", func); }';
    const program = both(text);
    // one code, so one program listing the other functions (compiler/attach-groups.ts)
    assert.is(program.programs.length, 1);
    const [first] = program.programs;
    const points = [first!.attach, ...(first!.alsoAttach ?? [])];
    const cookies = [first!.attachCookie, ...(first!.alsoAttachCookies ?? [])];
    assert.ok(points.length > 5, text);
    assert.is(cookies.length, points.length);
    // row i: the function of probeNames[i], NUL-padded
    const table = program.maps.find((m) => m.name === 'funcnames');
    assert.ok(table?.initial);
    const row = table.initial.length / points.length;
    points.forEach((p, i) => {
      const at = Number(cookies[i]) * row;
      const name = Buffer.from(table.initial!.subarray(at, at + row))
        .toString('utf8')
        .replace(/\0+$/, '');
      assert.is(`uprobe:/bin/bash:${name}`, p.text);
    });
  });

  test('points that differ in what their code reads: the same programs as generated one by one', () => {
    for (const text of [
      'tracepoint:syscalls:sys_enter_openat* { @[probe, str(args.filename)] = count(); }',
      'tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_write, tracepoint:syscalls:sys_enter_pread64 { @[probe] = sum(args.count); }',
      'tracepoint:sched:* { @[probe] = count(); printf("%s\\n", probe); }',
      'rawtracepoint:sched_* { @[probe] = count(); printf("%s %d\\n", probe, arg0); }',
      'interval:ms:10, interval:ms:20, interval:s:1 { printf("%d\\n", nsecs); }',
      'BEGIN, END { printf("%s\\n", probe); }',
      'tracepoint:syscalls:sys_enter_* { for ($kv : @x) { print($kv); } @x[probe] = 1; }',
    ])
      both(text);
  });
}

test.run();
