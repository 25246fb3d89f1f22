import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../compiler/asm/index.ts';
import { parseAddress } from '../../lang/builtins/data.ts';
import { parseFormat } from '../../lang/format-string.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';

/** The first line of the rendered diagnostics (the message), '' when the program compiles. */
function firstLine(text: string): string {
  return diagnose(text).split('\n')[0] ?? '';
}

test('pton parses IPv4, IPv6 with :: and IPv4-mapped addresses to network-order bytes', () => {
  assert.equal([...parseAddress('127.0.0.1')!], [127, 0, 0, 1]);
  assert.equal([...parseAddress('::1')!], [...new Array(15).fill(0), 1]);
  assert.equal([...parseAddress('fe80::1:2')!], [0xfe, 0x80, ...new Array(10).fill(0), 0, 1, 0, 2]);
  assert.equal([...parseAddress('::ffff:10.0.0.1')!], [...new Array(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]);
  assert.is(parseAddress('256.0.0.1'), undefined);
  assert.is(parseAddress('1::2::3'), undefined);
  assert.is(parseAddress('hello'), undefined);
});

test('%r, %rx and %rh are buffer conversions, and the letter after r belongs to it', () => {
  const p = parseFormat('%r|%rx|%rh|%-8rz');
  assert.ok('pieces' in p);
  if (!('pieces' in p)) return;
  const convs = p.pieces.flatMap((x) => ('spec' in x ? [x.spec.conv] : []));
  assert.equal(convs, ['r', 'rx', 'rh', 'r']);
  assert.equal(p.pieces[p.pieces.length - 1], { text: 'z' });
});

const errors: [string, string, string][] = [
  [
    'an unknown kernel symbol in kaddr',
    'BEGIN { @x = kaddr("no_such_fn"); }',
    'stdin:1:14-33: ERROR: Failed to resolve kernel symbol: no_such_fn',
  ],
  [
    'kaddr needs a literal',
    'BEGIN { $s = "vfs_read"; @x = kaddr($s); }',
    'stdin:1:37-39: ERROR: kaddr() needs a kernel symbol name as a string literal',
  ],
  [
    'buf of a pointer needs a length',
    'BEGIN { @x = buf(0); }',
    'stdin:1:14-20: ERROR: buf() of a pointer needs a length',
  ],
  [
    'buf of a negative length',
    'BEGIN { @x = buf(0, -2); }',
    'stdin:1:21-23: ERROR: buf() cannot use a negative length (-2)',
  ],
  [
    'buf of a string without a length (bpftrace v0.26: only arrays have their own)',
    'BEGIN { @x = buf("hello"); }',
    'stdin:1:14-26: ERROR: buf() of a string needs a length',
  ],
  ['%r of an integer', 'BEGIN { printf("%r", 5); }', 'stdin:1:22-23: ERROR: %r needs a buffer, got int64'],
  [
    // bpftrace v0.26 refuses a string too (format_string.cpp; tests/type_checker.cpp printf_format_buf)
    '%rx of a string',
    'BEGIN { printf("%rx", "mystr"); }',
    'stdin:1:23-30: ERROR: %rx needs a buffer, got string[6]',
  ],
  [
    'macaddr of the wrong size',
    'BEGIN { printf("%s", macaddr("abc")); }',
    'stdin:1:30-35: ERROR: macaddr() needs 6 bytes (a char[6] field, buf(p, 6) or a pointer), got char[4]',
  ],
  [
    'ntop of a string of the wrong size',
    'BEGIN { printf("%s", ntop("abcdef")); }',
    'stdin:1:27-35: ERROR: ntop() needs an IPv4 address (an integer or 4 bytes) or an IPv6 address (16 bytes), got char[7]',
  ],
  [
    'pton of nonsense',
    'BEGIN { $a = pton("1.2.3"); }',
    "stdin:1:19-26: ERROR: pton(): '1.2.3' is not an IPv4 or IPv6 address",
  ],
  [
    'an unknown stack mode suggests one',
    'BEGIN { @[kstack(prf)] = count(); }',
    "stdin:1:18-21: ERROR: unknown stack mode 'prf'",
  ],
  [
    'a stack frame count out of range',
    'BEGIN { @[kstack(0)] = count(); }',
    'stdin:1:18-19: ERROR: kstack() frame count must be an integer literal from 1 to 1024',
  ],
  [
    'reg in a tracepoint',
    'tracepoint:syscalls:sys_enter_mkdir { @x = reg("ip"); }',
    'stdin:1:44-53: ERROR: reg() reads saved registers, which tracepoint probes do not have',
  ],
  [
    'signal needs --unsafe',
    'BEGIN { signal("SIGKILL"); }',
    'stdin:1:9-15: ERROR: signal() sends signals to traced processes, so it needs --unsafe',
  ],
  [
    'an unknown cgroup path',
    'BEGIN { @x = cgroupid("/nope"); }',
    "stdin:1:23-30: ERROR: cgroupid(): no cgroup at '/nope'",
  ],
  [
    'override outside kprobes',
    'BEGIN { override(1); }',
    'stdin:1:9-17: ERROR: override() changes what a kernel function returns, so it needs --unsafe',
  ],
  [
    'join of a string',
    'BEGIN { join("a b"); }',
    'stdin:1:14-19: ERROR: join() needs a pointer to an array of strings (like args->argv), got string[4]',
  ],
];

for (const [name, program, expected] of errors) {
  test(`rejects ${name}`, () => {
    assert.is(firstLine(program), expected);
  });
}

const accepted = [
  'BEGIN { printf("%r %rx %rh\\n", buf("ab", 2), buf("cd", 2), buf("ef", 2)); }',
  'BEGIN { printf("%s %s %s\\n", ksym(kaddr("vfs_read")), ntop(pton("::1")), ntop(2, 0x0100007f)); }',
  'BEGIN { printf("%s %s\\n", username, strftime("%H:%M:%S", nsecs)); }',
  'BEGIN { @[kstack(perf, 3)] = count(); @u[ustack(raw)] = count(); @k[kstack(5)] = count(); }',
  'BEGIN { @b[buf("x", 1)] = 1; @s = ksym(1); @c = cgroup_path(cgroupid("/sys/fs/cgroup")); }',
  'BEGIN { $b = buf("abc", 3); @m = macaddr(buf("abcdef", 6)); print($b); }',
  'tracepoint:syscalls:sys_enter_mkdir { @[ntop(2, pid)] = count(); $p = uptr(args->pathname); printf("%r\\n", buf($p, pid)); }',
];

for (const program of accepted) {
  test(`compiles ${program}`, () => {
    assert.is(diagnose(program), '');
  });
}

test('a stack keys its map by value: a header and its frames, sized by the limit; no stack-trace map', () => {
  const p = compileText('BEGIN { @a[kstack(3)] = count(); @b[kstack] = count(); @c[ustack(build_id, 2)] = count(); }');
  assert.equal(
    p.maps.filter((m) => m.user).map((m) => [m.user!.name, m.keySize]),
    [
      ['@a', 8 + 3 * 8],
      ['@b', 8 + 127 * 8],
      ['@c', 8 + 2 * 32],
    ],
  );
  assert.not.ok(p.maps.some((m) => m.kind === 'stack_trace'));
});

test("a stack is taken with bpf_get_stack into its slot, and a failure warns in bpftrace v0.26's words", () => {
  const p = compileText('BEGIN { @k[kstack] = count(); @u[ustack(3)] = count(); }');
  const warnings = p.events.flatMap((e) => (e.kind === 'runtime-warning' ? [e.text] : []));
  assert.equal(warnings, ['Error reading kstack.', 'Error reading ustack.']);
  const code = disasm(p.programs[0]!.bytecode);
  assert.is(code.filter((l) => l === 'call 67').length, 2, code.join('\n')); // bpf_get_stack
  assert.ok(code.includes('r3 = 1016') && code.includes('r3 = 24'), code.join('\n')); // 127 and 3 frames
  assert.ok(code.includes('r4 = 256'), code.join('\n')); // BPF_F_USER_STACK
  assert.not.ok(
    code.some((l) => l.startsWith('call 27')),
    'no bpf_get_stackid',
  );
});

test('%s takes a buf() and prints it as %r does (bpftrace v0.26)', () => {
  assert.is(diagnose('BEGIN { printf("%s %5s", buf("ab", 2), buf("a\\xff", 2)); }'), '');
});

test('with --no-warnings (runtimeWarnings false) a failed stack read is no frames and no warning code', () => {
  const text = 'BEGIN { @k[kstack] = count(); $x = 0; @d[1] = 5; @d[1] /= $x; }';
  const on = compileText(text);
  const off = compileText(text, undefined, { runtimeWarnings: false, helperErrors: 0 }); // as --no-warnings compiles
  assert.is(on.events.filter((e) => e.kind === 'runtime-warning').length, 2); // the stack and the division by zero
  assert.not.ok(off.events.some((e) => e.kind === 'runtime-warning'));
  const code = disasm(off.programs[0]!.bytecode);
  assert.ok(code.includes('call 67'), code.join('\n'));
  assert.not.ok(code.includes('call 130'), code.join('\n')); // no record sent
  assert.ok(code.length < disasm(on.programs[0]!.bytecode).length);
});

test('stacks of different modes or depths are different types, named as the call that makes them', () => {
  assert.match(diagnose('BEGIN { @[1] = kstack; @[2] = kstack(3); }'), '@ is assigned kstack(3) here but holds kstack');
  assert.match(
    diagnose('BEGIN { @u = ustack(raw); @u = ustack(perf, 4); }'),
    '@u is assigned ustack(perf, 4) here but holds ustack(raw)',
  );
  assert.is(diagnose('BEGIN { @[1] = kstack(bpftrace, 127); @[2] = kstack; }'), '');
});

test('-k adds a helper-error event after map updates and -kk after reads too', () => {
  const src = 'BEGIN { @x[1] = 1; @s = str(0); }';
  const kinds = (level: 0 | 1 | 2) =>
    compileText(src, undefined, { helperErrors: level })
      .events.filter((e) => e.kind === 'helper-error')
      .map((e) => (e.kind === 'helper-error' ? e.helper : ''));
  assert.equal(kinds(0), []);
  assert.equal(kinds(1), ['map_update_elem', 'map_update_elem']);
  assert.equal(kinds(2), ['map_update_elem', 'probe_read_str', 'map_update_elem']);
});

// bpftrace v0.26 tests/type_checker.cpp call_signal: not in begin/end (scry's own process), interval, software or
// hardware probes (whatever task the timer or counter interrupts); kprobes, uprobes, tracepoints and profile are fine
test('signal() only where the running task is the one the event is about', () => {
  const unsafe = (text: string) =>
    renderDiagnostics(compileSource(text, fixedKernel, { unsafe: true }).diagnostics).split('\n')[0] ?? '';
  for (const [probe, provider] of [
    ['begin', 'BEGIN'],
    ['END', 'END'],
    ['interval:s:1', 'interval'],
    ['software:cpu-clock:1000', 'software'],
    ['hardware:cache-misses:1000', 'hardware'],
  ])
    assert.match(unsafe(`${probe} { signal(1); }`), `ERROR: signal() can not be used with "${provider}" probes`, probe);
  assert.match(unsafe('i:s:1 { signal_thread("KILL"); }'), 'signal_thread() can not be used with "interval" probes');
  for (const probe of ['tracepoint:syscalls:sys_enter_openat', 'profile:hz:99'])
    assert.is(unsafe(`${probe} { signal("SIGUSR1"); }`), '', probe);
});

test.run();
