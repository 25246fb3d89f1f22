// The library's compile() (repl/api.ts) without root: programs and diagnostics as plain data, compiled for a
// kernel described by facts (a tracepoint's format text, function names, BTF bytes) rather than this one.
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile, trace, ScryCompileError, type KernelFacts } from '../../repl/api.ts';
import { skipCheck } from '../helpers/kernel.ts';

// A tracefs format file as the kernel writes it (6.x, x86_64); the ID is made up, so nothing comes from this machine.
const OPENAT_FORMAT = `name: sys_enter_openat
ID: 9001
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

print fmt: "dfd: 0x%08lx"
`;

const facts: KernelFacts = {
  arch: 'x86_64',
  tracepoints: { 'syscalls:sys_enter_openat': OPENAT_FORMAT },
  functions: ['vfs_read', 'dummy:dummy_xmit'],
  symbols: { jiffies: 0xffffffff82a05000n },
};

const OPENERS = 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); @flags = hist(args.flags); }';

test('a tracepoint script compiles for the facts given: probe, attach point, bytecode, maps', () => {
  const r = compile(OPENERS, { kernel: facts });
  assert.equal(r.diagnostics, []);
  const p = r.program!;
  assert.is(p.license, 'GPL');
  assert.is(p.probes.length, 1);
  const probe = p.probes[0]!;
  assert.is(probe.attach, 'tracepoint:syscalls:sys_enter_openat');
  assert.is(probe.provider, 'tracepoint');
  assert.is(probe.programType, 'tracepoint');
  assert.equal(probe.alsoAttach, []);
  assert.ok(probe.bytecode instanceof Uint8Array);
  assert.is(probe.bytecode.length, probe.instructions.length * 8);
  // the last instruction is `exit` (BPF_JMP | BPF_EXIT = 0x95)
  assert.is(probe.instructions.at(-1)!.code, 0x95);
  // args.flags is read at the format's offset 32 from the context (r1 at entry, somewhere in the code)
  assert.ok(
    probe.instructions.some((i) => (i.code & 0x07) === 0x01 && i.off === 32),
    'a load from offset 32 (args.flags)',
  );
  // each relocation is a 64-bit load (ld_imm64: 0x18) of a map the program lists
  assert.ok(probe.relocations.length > 0);
  for (const r of probe.relocations) {
    assert.is(probe.instructions[r.instruction]!.code, 0x18);
    assert.ok(
      p.maps.some((m) => m.name === r.map),
      `relocation to a listed map (${r.map})`,
    );
  }
  assert.match(probe.disassembly, /exit/);
  assert.match(probe.disassembly, /; tracepoint:syscalls:sys_enter_openat/);
  const byScriptName = Object.fromEntries(p.maps.filter((m) => m.scriptName).map((m) => [m.scriptName, m]));
  assert.equal(Object.keys(byScriptName).sort(), ['@', '@flags']);
  assert.is(byScriptName['@']!.value, 'count()');
  assert.is(byScriptName['@flags']!.value, 'hist()');
  assert.is(byScriptName['@']!.keySize, 16); // comm: 16 bytes
  assert.is(byScriptName['@']!.valueSize, 8);
  assert.ok(byScriptName['@']!.type.endsWith('hash'));
  assert.ok(byScriptName['@']!.maxEntries > 0);
  assert.ok(p.maps.some((m) => m.type === 'ringbuf'));
});

test('the same source and facts give the same bytes', () => {
  const a = compile(OPENERS, { kernel: facts }).program!;
  const b = compile(OPENERS, { kernel: facts }).program!;
  assert.equal(
    a.probes.map((p) => [...p.bytecode]),
    b.probes.map((p) => [...p.bytecode]),
  );
});

test('only the facts are consulted: a tracepoint not given is missing, whatever this machine has', () => {
  const r = compile('tracepoint:sched:sched_switch { @ = count(); }', { kernel: facts });
  assert.is(r.program, undefined);
  const d = r.diagnostics.find((x) => x.severity === 'error');
  assert.ok(d, 'an error');
  assert.match(d!.message, /sched_switch/);
  assert.is(compile('BEGIN { @ = count(); }', { kernel: {} }).program?.probes[0]?.attach, 'BEGIN');
});

test('kprobes take the function list, kaddr() the symbols', () => {
  const r = compile('kprobe:vfs_read { @[kaddr("jiffies")] = count(); }', { kernel: facts });
  assert.equal(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.is(r.program!.probes[0]!.attach, 'kprobe:vfs_read');
  assert.is(r.program!.probes[0]!.programType, 'kprobe');
  // kaddr's value is an immediate of the bytecode: 0xffffffff82a05000, a 32-bit immediate sign-extended
  const insns = r.program!.probes[0]!.instructions;
  assert.ok(
    insns.some((i) => i.imm === 0x82a05000 - 2 ** 32),
    'the address in the code',
  );
  assert.ok(
    !compile('kprobe:vfs_read { @[kaddr("jiffies")] = count(); }', { kernel: { ...facts, symbols: {} } }).program,
  );
  assert.ok(compile('kprobe:not_a_function { }', { kernel: facts }).diagnostics.some((d) => d.severity === 'error'));
});

test('diagnostics are data: severity, message, location with end, hints, and the text the CLI prints', () => {
  const r = compile('BEGIN {\n  @x = nosuch(1);\n}\n', { kernel: {}, name: 'mine.bt' });
  assert.is(r.program, undefined);
  assert.is(r.diagnostics.length, 1);
  const d = r.diagnostics[0]!;
  assert.is(d.severity, 'error');
  assert.match(d.message, /nosuch/);
  assert.equal(d.location, { file: 'mine.bt', line: 2, column: 8, end: { line: 2, column: 14 } });
  assert.ok(Array.isArray(d.hints));
  assert.is(d.text.split('\n')[0], `mine.bt:2:8-14: ERROR: ${d.message}`);
  assert.is(d.text.split('\n')[1], '  @x = nosuch(1);');
  assert.is(d.text.split('\n')[2], '       ~~~~~~');
  // plain data: it survives JSON
  assert.equal(JSON.parse(JSON.stringify(r.diagnostics)), r.diagnostics);
});

test('warnings come with a program; hints are kept', () => {
  const r = compile('BEGIN { exit(); printf("never\\n"); }', { kernel: {} });
  assert.ok(r.program);
  const w = r.diagnostics.find((d) => d.severity === 'warning');
  assert.ok(w, `a warning about the unreachable statement, got ${JSON.stringify(r.diagnostics)}`);
  assert.is(w!.location!.column, 17);
  assert.match(w!.text, /WARNING: /);
  const hinted = compile('BEGIN { @x = cont(); }', { kernel: {} }).diagnostics[0];
  assert.ok(hinted && hinted.hints.length > 0, 'did you mean count: a hint');
  assert.equal(hinted!.hints, ["did you mean 'count'?"]);
  assert.match(hinted!.text, /\nHINT: did you mean 'count'\?\n$/);
});

test('positional and named parameters', () => {
  const pos = compile('BEGIN { @x = $1 + $2; printf("%s\\n", str($3)); }', { kernel: {}, params: [40, '2', 'x'] });
  assert.equal(pos.diagnostics, []);
  const script = 'BEGIN { @n = getopt("count", 1); }';
  assert.ok(compile(script, { kernel: {}, namedParams: { count: 5 } }).program);
  const wrong = compile(script, { kernel: {}, namedParams: { nosuch: true } });
  assert.is(wrong.program, undefined);
  assert.ok(wrong.diagnostics.some((d) => d.severity === 'error' && d.location === undefined));
});

test('trace() refuses a script with errors with ScryCompileError before anything loads (no root needed)', async () => {
  try {
    await trace('BEGIN { @x = nosuch(); }');
    assert.unreachable('trace resolved');
  } catch (e) {
    assert.instance(e, ScryCompileError);
    const err = e as ScryCompileError;
    assert.is(err.name, 'ScryCompileError');
    assert.is(err.diagnostics[0]!.location!.column, 14);
    assert.match(err.message, /stdin|script\.bt:1:14/);
  }
});

test('an aborted signal stops trace() before it compiles', async () => {
  const c = new AbortController();
  c.abort(new Error('not now'));
  try {
    await trace('BEGIN { }', { signal: c.signal });
    assert.unreachable('trace resolved');
  } catch (e) {
    assert.is((e as Error).message, 'not now');
  }
});

// BTF as bytes: the host's vmlinux BTF read as a file (no privileges), handed over as a fact
const VMLINUX = '/sys/kernel/btf/vmlinux';
if (existsSync(VMLINUX)) {
  test('kernel types come from the BTF bytes given, and are unknown without them', () => {
    const btf = new Uint8Array(readFileSync(VMLINUX));
    const script = 'kprobe:vfs_read { $f = (struct file *)arg0; @[$f->f_flags] = count(); }';
    const withBtf = compile(script, { kernel: { ...facts, btf } });
    assert.equal(
      withBtf.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.ok(withBtf.program);
    const without = compile(script, { kernel: facts });
    assert.is(without.program, undefined);
    assert.match(without.diagnostics.find((d) => d.severity === 'error')!.message, /struct file/);
    const fentry = compile('fentry:vfs_read { @ = count(); }', { kernel: { ...facts, btf } });
    assert.is(fentry.program?.probes[0]?.programType, 'tracing');
  });
} else skipCheck('compile() with BTF facts', `${VMLINUX} does not exist (kernel built without BTF)`);

test.run();
