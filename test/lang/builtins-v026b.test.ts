// More bpftrace v0.26 builtins, checked without the kernel (the fixed kernel of test/helpers): printf's %gr,
// str(s, n) with a computed n, strncmp(a, b, $1), str($1 + 1), probetype, len(ustack). The run-time side is
// test/e2e/builtins-v026b.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeTypeName } from '../../lang/index.ts';
import { parseFormat } from '../../lang/format-string.ts';
import { signalName, syscallName } from '../../runtime/syscall-signal-names.ts';
import { disasm } from '../../compiler/asm/index.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';

/** The first line of the rendered diagnostics (the message), '' when the program compiles. */
const firstLine = (text: string, params: string[] = []) => {
  try {
    compileText(text, undefined, { params });
    return '';
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  }
};

// bpftrace v0.26 call.printf_gr (0.17 has no %gr)
test('%gr is a conversion of its own; %g alone is still unknown', () => {
  const parsed = parseFormat('a %-8gr b');
  assert.ok('pieces' in parsed);
  if ('pieces' in parsed) {
    assert.equal(parsed.pieces.length, 3);
    assert.equal(parsed.pieces[2], { text: ' b' });
    const spec = (parsed.pieces[1] as { spec: { conv: string; width?: number } }).spec;
    assert.is(spec.conv, 'gr');
    assert.is(spec.width, 8);
  }
  assert.equal(parseFormat('%g'), { error: "unknown format specifier '%g'", offset: 0 });
  assert.equal(parseFormat('%gx'), { error: "unknown format specifier '%g'", offset: 0 });
});

test('printf %gr takes an integer, not a string', () => {
  assert.is(firstLine('BEGIN { printf("%gr\\n", 0xcc0); }'), '');
  assert.match(
    firstLine('BEGIN { printf("%gr\\n", "x"); }'),
    /^stdin:1:25\S*: ERROR: %gr needs an integer, got string\[2\]$/,
  );
  assert.match(diagnose('BEGIN { printf("%g\\n", 1); }'), "unknown format specifier '%g'");
});

// bpftrace v0.26 call.string truncation variable length, other.positional strncmp / pointer arithmetic
test('str(s, n) takes a computed n; strncmp(a, b, $1); str($1 + k) of a string parameter is its tail', () => {
  assert.is(firstLine('BEGIN { $a = 3; $p = (uint64)0; @s = str($p, $a + 1); }'), '');
  assert.is(firstLine('BEGIN { $a = 3; @s = str(comm, $a); }'), '');
  assert.is(firstLine('BEGIN { @s = str(comm, "x"); }').includes('str()'), true);
  assert.is(firstLine('BEGIN { @n = strncmp("a", "b", $1); }', ['3']), '');
  assert.match(firstLine('BEGIN { @n = strncmp("a", "b", $1); }', ['x']), 'strncmp() needs a length from 0 to 1024');
  assert.is(firstLine('BEGIN { printf("%s", str($1 + 1)); }', ['hello']), '');
  // a number in $1 is ordinary arithmetic: an address to read from
  assert.is(firstLine('BEGIN { printf("%s", str($1 + 1)); }', ['7']), '');
});

// bpftrace v0.26 macro.builtin wrapper probetype, stdlib.signal_name
test('probetype is a string known when compiling; signal_name(n) and syscall_name(n) take integers', () => {
  assert.is(firstLine('BEGIN { if (__builtin_probetype == probetype()) { print(probetype); } }'), '');
  assert.is(firstLine('BEGIN { print(signal_name(2)); print(syscall_name(0)); }'), '');
  assert.match(firstLine('BEGIN { print(signal_name("x")); }'), 'signal_name()');
});

test('probeTypeName: BEGIN, END and self are special; the rest are their provider', () => {
  assert.equal(['BEGIN', 'END', 'self', 'tracepoint', 'uretprobe'].map(probeTypeName), [
    'special',
    'special',
    'special',
    'tracepoint',
    'uretprobe',
  ]);
});

test('signal and system call names: strsignal(3) texts, real-time signals, N/A; x86-64 numbers', () => {
  assert.equal([0, 2, 9, 34, 64, 65, 1024, -1].map(signalName), [
    'Unknown signal 0',
    'Interrupt',
    'Killed',
    'Real-time signal 0',
    'Real-time signal 30',
    'N/A',
    'N/A',
    'N/A',
  ]);
  assert.equal([0, 59, 231, 334, 424, 467, 335, 100000, -1].map(syscallName), [
    'read',
    'execve',
    'exit_group',
    'rseq',
    'pidfd_send_signal',
    'open_tree_attr',
    'Unknown syscall',
    'Unknown syscall',
    'Unknown syscall',
  ]);
});

// bpftrace v0.26 call.ustack len, call.kstack len
test("len() of a stack: the frame count in its header, of any stack value (kstack, ustack(n), a variable, a map's)", () => {
  assert.is(firstLine('BEGIN { $x = ustack(3); @a = len($x); @b = len(kstack); @c = len(kstack(perf, 4)); }'), '');
  const code = disasm(compileText('BEGIN { $x = ustack(3); @a = len($x); }').programs[0]!.bytecode);
  assert.ok(code.includes('call 67'), code.join('\n')); // bpf_get_stack, once: len() reads what $x holds
  assert.is(code.filter((l) => l.includes('call 67')).length, 1, code.join('\n'));
  assert.ok(code.includes('r3 = 24'), code.join('\n')); // three frames of 8 bytes
  assert.is(firstLine('BEGIN { @s[1] = kstack; @n = len(@s[1]); }'), '');
  assert.match(firstLine('BEGIN { @c[1] = 1; @n = len(@c[1]); }'), 'takes a whole map');
  assert.match(firstLine('BEGIN { @n = len(1); }'), 'len() needs a map or a stack');
});

test.run();
