// Where the generated code reads the program's context: from r1 until something writes r1 (a helper call, a label
// another path reaches), from r6 after that, and the entry's `r6 = r1` only when something names r6
// (codegen/emitter.ts context(), program.ts). The commonest programs come out as the optimizer would leave them,
// so it finds nothing to change (each change costs it a round of its analyses, run cold at every start); so does
// bpf_get_current_pid_tgid()'s result, kept in r9 where pid or tid is read again (builtins/context.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../../compiler/asm/index.ts';
import { hostKernelInfo, Session, type TraceEvent } from '../../../runtime/index.ts';
import { requireRoot } from '../../helpers/kernel.ts';
import { compileText } from '../../helpers/pipeline.ts';

/** The probe program's instructions as text (the first program that is not BEGIN/END). */
function listing(text: string, optimize = false): string[] {
  const p = compileText(text, undefined, { optimize });
  const prog = p.programs.find((x) => x.attach.provider !== 'BEGIN' && x.attach.provider !== 'END')!;
  return disasm(prog.bytecode);
}

test('a context read before any helper call reads r1, and no copy to r6 is made', () => {
  const code = listing('tracepoint:syscalls:sys_enter_mkdir { @ = hist(args->mode); }');
  assert.match(code[0]!, /^r0 = \*\(u64 \*\)\(r1 \+ 24\)$/); // args->mode
  assert.not.ok(
    code.some((l) => /\br6\b/.test(l)),
    code.join('\n'),
  );
});

test('a context read after a helper call reads the copy in r6, made first', () => {
  const code = listing('tracepoint:syscalls:sys_enter_mkdir { @n = count(); @b = args->mode; }');
  assert.is(code[0], 'r6 = r1');
  const read = code.findIndex((l) => /= \*\(u64 \*\)\(r6 \+ 24\)$/.test(l));
  const call = code.findIndex((l) => l.startsWith('call '));
  assert.ok(call >= 0 && read > call, code.join('\n'));
});

test('after a label (a join of paths) the context comes from r6 again', () => {
  const code = listing('tracepoint:syscalls:sys_enter_mkdir { if (args->mode > 2) { @a = 1; } @b = args->mode; }');
  assert.match(code[1]!, /\(r1 \+ \d+\)$/); // the condition, at the entry (after the copy)
  assert.ok(
    code.slice(2).some((l) => /= \*\(u64 \*\)\(r6 \+ 24\)$/.test(l)),
    code.join('\n'),
  );
});

test('the exit() flag is read into r0, leaving r1 the context', () => {
  const code = listing('tracepoint:syscalls:sys_enter_mkdir { @ = hist(args->mode); } BEGIN { exit(); }');
  assert.match(code[0]!, /^ld_pseudo r0, 2, 0/);
  assert.match(code[3]!, /^r0 = \*\(u64 \*\)\(r1 \+ 24\)$/, code.join('\n'));
});

test('with scratch space, whose lookup clobbers r1, the context is put back in r1 after it', () => {
  // 201-byte strings: in scratch space (128 bytes and more), zeroed by stores (a helper call from 256 bytes on, after
  // which the context is read from r6)
  const code = listing(
    'config = { max_strlen = 200 } tracepoint:syscalls:sys_enter_mkdir { $a = str(args->pathname); @[$a] = count(); }',
  );
  assert.is(code[0], 'r6 = r1');
  const lookup = code.indexOf('call 1');
  assert.is(code[lookup + 2], 'r7 = r0', code.join('\n')); // the scratch prologue
  assert.is(code[lookup + 3], 'r1 = r6', code.join('\n'));
});

test('count by a key, count of a scalar, and a hist keyed by comm come out as the optimizer leaves them', () => {
  for (const text of [
    'tracepoint:syscalls:sys_enter_mkdir { @[pid] = count(); } BEGIN { exit(); }',
    'tracepoint:syscalls:sys_enter_mkdir { @ = count(); }',
    'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }',
  ])
    assert.equal(listing(text, false), listing(text, true), text);
});

test('pid and tid read again: the first call on every path to the rest keeps its result in r9', () => {
  const begin = (text: string) =>
    disasm(
      compileText(text, undefined, { optimize: false }).programs.find((p) => p.attach.provider === 'BEGIN')!.bytecode,
    );
  const kept = begin('BEGIN { @a = pid; @b = tid; if (@a > 1) { @c = tid; } }');
  assert.is(kept.filter((l) => l === 'call 14').length, 1, kept.join('\n'));
  assert.is(kept[kept.indexOf('call 14') + 1], 'r9 = r0');
  assert.is(kept.filter((l) => l === 'w0 = w9').length, 2, kept.join('\n'));
  // read first in a branch, it is not there on the other path: called again after it, and not kept for no reader
  const branch = begin('BEGIN { @x[2] = 1; if (@x[1]) { @a = pid; } @b = tid; }');
  assert.is(branch.filter((l) => l === 'call 14').length, 2, branch.join('\n'));
  assert.not.ok(branch.includes('r9 = r0'), branch.join('\n'));
  // one read: nothing kept
  assert.not.ok(begin('BEGIN { @a = pid; }').includes('r9 = r0'));
  // the latency pattern's exit probe comes out of the optimizer with the same one call
  const exit = listing(
    'BEGIN { @start[1] = 1; } tracepoint:syscalls:sys_enter_mkdir /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }',
  );
  assert.is(exit.filter((l) => l === 'call 14').length, 1, exit.join('\n'));
});

if (requireRoot('pid and tid kept in a register, in the kernel'))
  test('in the kernel: pid and tid read from the kept result are those of the process', async () => {
    const events: TraceEvent[] = [];
    const prog = compileText('BEGIN { printf("%d %d %d\\n", pid, tid, pid + tid); exit(); }', hostKernelInfo(), {
      optimize: false,
      settings: {},
    });
    const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
    assert.is(await s.done, 0);
    const p = process.pid;
    assert.is(events.map((e) => (e.kind === 'printf' ? e.text : '')).join(''), `${p} ${p} ${2 * p}\n`);
  });

test.run();
