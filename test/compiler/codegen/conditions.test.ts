// A condition that is a map read (`/@start[tid]/`, `if (@seen[k])`) jumps to its false branch from the lookup's
// missing-key test as well as from the test of the value (codegen/expr.ts emitUnless), instead of going on with
// the 0 a missing key stands for to the value's test: what the optimizer's branch threading made of it, so the
// latency pattern's exit program costs it no round. The kernel gives the same answers either way.
// The other conditions are jumps too (expr.ts emitJumpWhen, operators.ts emitComparisonJump): a comparison jumps on
// its operands, against an immediate when the right side is a literal, && and || test their operands in turn and !
// turns the test around, where a 0 or 1 was computed and then tested; common predicates now come out as the
// optimizer leaves them. What they compute is checked against bpftrace 0.17 on the kernel by
// test/corpus/run/337-conditions-as-jumps.bt.
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../../compiler/asm/index.ts';
import { hostKernelInfo, Session, type TraceEvent } from '../../../runtime/index.ts';
import { requireRoot, skipCheck } from '../../helpers/kernel.ts';
import { compileText } from '../../helpers/pipeline.ts';

/** The instructions of the first program attached to `provider`, unoptimized, as text. */
function listing(text: string, provider: string): string[] {
  const p = compileText(text, undefined, { optimize: false });
  return disasm(p.programs.find((x) => x.attach.provider === provider)!.bytecode);
}

/** Where (as a line index) each `if r0 == 0 goto +N` at or after line `from` lands; N counts 8-byte slots. */
function zeroTests(code: readonly string[], from = 0): number[] {
  // a 64-bit load (ld_pseudo, `… ll`) takes two slots
  const slots: number[] = [];
  code.forEach((l, i) => slots.push((slots[i - 1] ?? 0) + (i ? width(code[i - 1]!) : 0)));
  const out: number[] = [];
  code.forEach((l, i) => {
    const m = /^if r0 == 0 goto \+(\d+)$/.exec(l);
    if (m && i >= from) out.push(slots.indexOf(slots[i]! + 1 + Number(m[1])));
  });
  return out;
}
const width = (line: string) => (line.startsWith('ld_pseudo') || line.endsWith(' ll') ? 2 : 1);

test('a predicate on a map read: the missing key and the value 0 both go to the exit', () => {
  const code = listing(
    'BEGIN { @start[1] = nsecs; } tracepoint:syscalls:sys_enter_mkdir /@start[tid]/ { @ns = hist(nsecs - @start[tid]); }',
    'tracepoint',
  );
  const lookup = code.indexOf('call 1');
  assert.match(code[lookup + 1]!, /^if r0 == 0 goto/);
  assert.is(code[lookup + 2], 'r0 = *(u64 *)(r0 + 0)');
  const [missing, zero] = zeroTests(code, lookup);
  assert.is(missing, zero, code.join('\n'));
  assert.equal(code.slice(zero!, zero! + 2), ['r0 = 0', 'exit'], code.join('\n'));
});

test('an if on a map read: both tests go to the else branch; a per-CPU count keeps its own sum', () => {
  const code = listing('BEGIN { @seen[2] = 1; if (@seen[1]) { printf("a\\n"); } else { printf("b\\n"); } }', 'BEGIN');
  const [missing, zero] = zeroTests(code, code.lastIndexOf('call 1'));
  assert.is(missing, zero, code.join('\n'));
  // a count's value is summed over the CPUs first: the general code, the sum tested once
  const summed = listing('BEGIN { @c[1] = count(); if (@c[1]) { printf("a\\n"); } }', 'BEGIN');
  assert.ok(summed.length > code.length, summed.join('\n'));
});

if (requireRoot('conditions on map reads in the kernel'))
  test('in the kernel: a key with a value is true, a missing key and a 0 are false', async () => {
    const events: TraceEvent[] = [];
    const text = `BEGIN {
      @a[1] = 5; @z[1] = 0; @c[1] = count();
      if (@a[1]) { printf("set "); }
      if (@a[2]) { printf("missing? "); } else { printf("missing "); }
      if (@z[1]) { printf("zero? "); } else { printf("zero "); }
      if (@c[1]) { printf("count "); }
      if (@c[2]) { printf("count missing?"); }
      exit();
    }`;
    const prog = compileText(text, hostKernelInfo(), { optimize: false, settings: {} });
    const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
    assert.is(await s.done, 0);
    assert.is(events.map((e) => (e.kind === 'printf' ? e.text : '')).join(''), 'set missing zero count ');
  });

/** The probe program's instructions as text (the first program that is not BEGIN/END). */
function probeListing(text: string, optimize = false): string[] {
  const p = compileText(text, undefined, { optimize });
  const prog = p.programs.find((x) => x.attach.provider !== 'BEGIN' && x.attach.provider !== 'END')!;
  return disasm(prog.bytecode);
}

const mkdir = 'tracepoint:syscalls:sys_enter_mkdir';

test('a comparison with a literal is one conditional jump on an immediate, no 0 or 1 made', () => {
  const code = probeListing(`${mkdir} /pid != 123456/ { @[pid] = count(); }`);
  assert.equal(
    code.slice(0, 5),
    ['call 14', 'r9 = r0', 'r0 >>= 32', 'if r0 == 123456 goto +35', 'r0 = r9'],
    code.join('\n'),
  );
  // a literal beyond 32 bits is compared from a register
  const wide = probeListing(`${mkdir} /cgroup == 0x100000000/ { @ = count(); }`);
  assert.ok(
    wide.some((l) => /^if r0 != r1 goto/.test(l) || /^if r1 != r0 goto/.test(l)),
    wide.join('\n'),
  );
});

test('common predicates and conditions come out as the optimizer leaves them', () => {
  for (const text of [
    `${mkdir} /args->mode < 5/ { @ = count(); }`,
    `${mkdir} /pid == 1234/ { @ = count(); }`,
    `${mkdir} /!(args->mode == 0) || pid < 10/ { @ = count(); }`,
    `${mkdir} { if (args->mode > 2 && args->pathname != 0) { @a = count(); } }`,
  ])
    assert.equal(probeListing(text, false), probeListing(text, true), text);
});

if (existsSync('/sys/kernel/btf/vmlinux'))
  test("comm against a literal, read in place (this kernel's task_struct), comes out as the optimizer leaves it", () => {
    const host = (text: string, optimize: boolean) => {
      const prog = compileText(text, hostKernelInfo(), { optimize }).programs.find(
        (x) => x.attach.provider !== 'BEGIN' && x.attach.provider !== 'END',
      )!;
      return disasm(prog.bytecode);
    };
    for (const text of [
      `${mkdir} /comm == "bash"/ { @ = count(); }`,
      `${mkdir} /comm != "bash" && pid > 1/ { @ = count(); }`,
    ]) {
      const code = host(text, false);
      assert.ok(code[0] === 'call 158', code.join('\n')); // bpf_get_current_task_btf: comm read in place
      assert.equal(code, host(text, true), text);
    }
  });
else skipCheck('comm read in place', 'no /sys/kernel/btf/vmlinux here');

test('&& and || jump out at the first operand that decides, ! turns the sense', () => {
  // (a && b) as a predicate: each operand jumps to the exit when false
  const and = probeListing(`${mkdir} /args->mode > 1 && args->mode < 9/ { @ = count(); }`);
  assert.equal(
    and.filter((l) => l.startsWith('if ')),
    ['if r0 <= 1 goto +12', 'if r0 >= 9 goto +10', 'if r0 == 0 goto +3'],
    and.join('\n'),
  );
  // (a || b): the first jumps into the body when true, the second to the exit when false; !(a) inverts a
  const or = probeListing(`${mkdir} /!(args->mode == 1) || args->mode == 9/ { @ = count(); }`);
  assert.equal(
    or.filter((l) => l.startsWith('if ')).slice(0, 2),
    ['if r0 != 1 goto +2', 'if r0 != 9 goto +10'],
    or.join('\n'),
  );
});

test.run();
