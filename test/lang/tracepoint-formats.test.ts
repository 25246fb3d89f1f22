// A tracepoint wildcard's matches read their format files only when something asks for the format (`args`, the
// raw stand-in of raw_syscalls:sys_enter): reading one takes the kernel's event_mutex, which it holds across a
// grace period per perf event it releases, and a probe that reads no args has no use for them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, probeContext, sourceFile, type KernelInfo } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

function checked(text: string) {
  const asked: string[] = [];
  const kernel: KernelInfo = {
    ...fixedKernel,
    tracepointFormat: (g, e) => (asked.push(`${g}:${e}`), fixedKernel.tracepointFormat(g, e)),
  };
  const out = check(parse(sourceFile('t.bt', text)).program!, kernel, { params: [] });
  return { out, asked };
}

test('a wildcard that reads no args reads no format', () => {
  const { out, asked } = checked('tracepoint:syscalls:sys_enter_* { @[probe] = count(); printf("%d\\n", pid); }');
  assert.ok(out.program, out.diagnostics.map((d) => d.message).join());
  assert.is(out.program!.probes[0]!.attach.length, 3);
  assert.equal(asked, []);
});

test("args reads each match's format once, and its fields are the format's", () => {
  const { out, asked } = checked('tracepoint:syscalls:sys_enter_mkdir* { @[str(args.pathname)] = count(); }');
  // mkdirat's format (in the fixed kernel) has no pathname
  assert.is(out.program, undefined);
  assert.match(out.diagnostics[0]!.message, /sys_enter_mkdirat has no field 'pathname'/);
  assert.equal(asked.sort(), ['syscalls:sys_enter_mkdir', 'syscalls:sys_enter_mkdirat']);
  const one = checked('tracepoint:syscalls:sys_enter_mkdir { @[str(args.pathname)] = count(); }');
  assert.ok(one.out.program);
  const [point] = one.out.program!.probes[0]!.attach;
  const context = probeContext(point!);
  assert.is(context.tracepoint?.format?.fields.find((f) => f.name === 'pathname')?.offset, 16);
  const wild = checked('tracepoint:syscalls:sys_enter_mkdi? { @[str(args.pathname)] = count(); }');
  assert.ok(wild.out.program);
  assert.equal(wild.asked, ['syscalls:sys_enter_mkdir']); // read once, kept
});

test.run();
