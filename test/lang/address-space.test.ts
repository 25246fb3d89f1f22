// The address space of a pointer made from an integer, by probe type (bpftrace v0.26's rule): kernel in the
// kernel's probes, user in uprobes and usdt, and 'none' in probes that are in neither (begin/end, interval,
// profile, software, …), which the compiler reads with the legacy probe_read helpers (4, 45) that pick user
// or kernel memory by the address on x86-64. The e2e side is test/e2e/address-space.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../compiler/asm/index.ts';
import { check, parse, sourceFile, renderDiagnostics } from '../../lang/index.ts';
import { compileText } from '../helpers/pipeline.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

/** The address space of $p after `$p = (int32 *)8;` in the probe `head`. */
function castSpace(head: string): string | undefined {
  const parsed = parse(sourceFile('stdin', `${head} { $p = (int32 *)8; }`));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const out = check(parsed.program!, fixedKernel, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return (out.program!.varTypes.values().next().value!.get('$p') as { space?: string }).space;
}

/** The helper calls of a program's first probe, in order. */
/**
 * The helpers a program calls, less a 1 KiB string's scratch space: its lookup (map_lookup_elem) and its zeroing
 * (probe_read_kernel from address 0, r3 = 0 just before)
 */
function calls(prog: string): string[] {
  const code = disasm(compileText(prog).programs[0]!.bytecode);
  return code.filter(
    (l, i) => l.startsWith('call ') && l !== 'call 1' && !(l === 'call 113' && code[i - 1] === 'r3 = 0'),
  );
}

test('an integer cast to a pointer takes the address space of the probe type', () => {
  assert.is(castSpace('BEGIN'), 'none');
  assert.is(castSpace('end'), 'none');
  assert.is(castSpace('interval:s:1'), 'none');
  assert.is(castSpace('profile:hz:99'), 'none');
  assert.is(castSpace('software:cpu-clock:100000'), 'none');
  assert.is(castSpace('tracepoint:syscalls:sys_enter_openat'), 'kernel');
  assert.is(castSpace('kprobe:vfs_read'), 'kernel');
  // a probe of mixed types keeps scry's earlier rule: kernel unless every attach point is in a user binary
  assert.is(castSpace('BEGIN, tracepoint:syscalls:sys_enter_openat'), 'kernel');
});

test("'none' memory is read with the legacy helpers; kernel probes keep probe_read_kernel(_str)", () => {
  assert.equal(calls('BEGIN { @x = *(int32 *)8; }').slice(0, 1), ['call 4']);
  assert.equal(calls('interval:s:1 { @x = str((int8 *)8); }').slice(0, 1), ['call 45']);
  assert.equal(calls('tracepoint:syscalls:sys_enter_openat { @x = *(int32 *)8; }').slice(0, 1), ['call 113']);
  assert.equal(calls('tracepoint:syscalls:sys_enter_openat { @x = str((int8 *)8); }').slice(0, 1), ['call 115']);
  // kptr()/uptr() still say where a pointer points, in any probe
  assert.equal(calls('BEGIN { @x = *kptr((int32 *)8); }').slice(0, 1), ['call 113']);
  assert.equal(calls('BEGIN { @x = *uptr((int32 *)8); }').slice(0, 1), ['call 112']);
});

test.run();
