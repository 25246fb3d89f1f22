// bpftrace v0.26 builtins and positional parameters where a literal must be, checked and compiled without the
// kernel (the fixed kernel of test/helpers): nsecs(clock), usermode, write_user, debugf, pid(init), unroll($1),
// ustack($1), buf(s, $1), kaddr(str($1)), bswap of one byte. The run-time side is test/e2e/builtins-v026.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../compiler/asm/index.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';

/** The first line of the rendered diagnostics (the message), '' when the program compiles. */
const firstLine = (text: string, params: string[] = []) =>
  params.length ? diagnoseWith(text, params).split('\n')[0]! : (diagnose(text).split('\n')[0] ?? '');

function diagnoseWith(text: string, params: string[]): string {
  try {
    compileText(text, undefined, { params });
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** The BEGIN program's instructions, as llvm-objdump prints them. */
const insns = (text: string, params: string[] = [], unsafe = false) =>
  disasm(compileText(text, undefined, { params, unsafe }).programs[0]!.bytecode);

// bpftrace v0.26 (codegen_llvm.cpp: CreateGetNs(TimestampMode::boot) for nsecs and elapsed; 0.17 too): time
// suspended counts, and strftime() takes boot-clock nanoseconds
test('nsecs(clock) calls the clock helper: monotonic 5, boot 125, tai and sw_tai 208; nsecs, nsecs() and elapsed are boot', () => {
  const clockCalls = (text: string) => insns(text).filter((l) => /^call (5|125|208)$/.test(l));
  const calls = (clock: string) => clockCalls(`BEGIN { @t = nsecs(${clock}); }`);
  assert.equal(clockCalls('BEGIN { @t = nsecs; }'), ['call 125']);
  assert.equal(clockCalls('BEGIN { @t = elapsed; }'), ['call 125']);
  assert.equal(calls(''), ['call 125']);
  assert.equal(calls('monotonic'), ['call 5']);
  assert.equal(calls('boot'), ['call 125']);
  assert.equal(calls('tai'), ['call 208']);
  assert.equal(calls('sw_tai'), ['call 208']);
  assert.is(
    firstLine('BEGIN { @t = nsecs(boots); }'),
    'stdin:1:20-25: ERROR: nsecs() takes a clock: monotonic, boot, tai, sw_tai',
  );
  assert.match(diagnose('BEGIN { @t = nsecs(boots); }'), "HINT: did you mean 'boot'?");
});

// bpftrace v0.26 (0.17 has no bswap of int8): a byte has nothing to swap
test('bswap of one byte returns it: no byte swap instruction, only the low 8 bits', () => {
  const code = insns('BEGIN { @b = bswap((int8)0x12); }');
  assert.ok(code.includes('r0 &= 255'), code.join('\n'));
  assert.not.ok(
    code.some((l) => /be(16|32|64)/.test(l)),
    code.join('\n'),
  );
  assert.ok(insns('BEGIN { @b = bswap((int16)0x1234); }').some((l) => /be16/.test(l)));
});

test('usermode is 1 in BEGIN (scry runs it in its own process), as bpftrace v0.26 folds it', () => {
  const code = insns('BEGIN { @u = usermode; }');
  assert.ok(code.includes('r0 = 1'), code.join('\n'));
});

test('positional parameters stand for literals: unroll($1), kstack($1), buf(s, $1), kaddr(str($1))', () => {
  // unroll(3) copies the body three times: three map updates
  const updates = insns('BEGIN { unroll($1) { @x[1] = 1; } }', ['3']).filter((l) => l === 'call 2');
  assert.is(updates.length, 3);
  assert.is(
    firstLine('BEGIN { unroll($1) { @x = 1; } }', ['101']),
    'stdin:1:16-18: ERROR: unroll maximum value is 100, got 101',
  );
  assert.is(
    firstLine('BEGIN { unroll($1) { @x = 1; } }', ['0']),
    'stdin:1:16-18: ERROR: unroll minimum value is 1, got 0',
  );
  assert.is(firstLine('BEGIN { @b = buf("hello", $1); }', ['5']), '');
  // shortened to max_strlen less 4, with a warning (buf-length.test.ts); a negative one is refused
  assert.is(firstLine('BEGIN { @b = buf("hello", $1); }', ['2000']), '');
  assert.is(
    firstLine('BEGIN { @b = buf("hello", $1); }', ['-3']),
    'stdin:1:27-29: ERROR: buf() cannot use a negative length (-3)',
  );
  assert.is(firstLine('BEGIN { @a = kaddr(str($1)); }', ['vfs_read']), '');
  assert.is(firstLine('BEGIN { @a = kaddr($1); }', ['vfs_read']), '');
  assert.is(
    firstLine('BEGIN { @a = kaddr(str($1)); }', ['nope']),
    'stdin:1:14-28: ERROR: Failed to resolve kernel symbol: nope',
  );
  assert.is(firstLine('BEGIN { @s = kstack($1); }', ['5']), '');
  // up to bpftrace v0.26's 1024 (past the kernel's perf_event_max_stack the rest stays empty)
  assert.is(firstLine('BEGIN { @s = kstack(perf, $1); }', ['200']), '');
  assert.is(
    firstLine('BEGIN { @s = kstack(perf, $1); }', ['1025']),
    'stdin:1:27-29: ERROR: kstack() frame count must be an integer literal from 1 to 1024',
  );
});

test('write_user needs --unsafe (bpftrace v0.26 words), writes user memory, and is a bool', () => {
  const prog = 'tracepoint:syscalls:sys_enter_openat { write_user(args.filename, "x", 1); }';
  assert.is(firstLine(prog), 'stdin:1:40-50: ERROR: write_user() is unsafe. To use you need the --unsafe flag');
  assert.ok(insns(`BEGIN { $p = uptr(0); if (write_user($p, "x", 1)) { @ok = 1; } }`, [], true).includes('call 36'));
  assert.is(
    firstLine('BEGIN { @r = write_user(kptr(0), "x", 1); }'),
    'stdin:1:14-24: ERROR: write_user() is unsafe. To use you need the --unsafe flag',
  );
});

test('debugf: bpf_trace_printk (helper 6) with the format on the stack; only its conversions, at most 3 values', () => {
  const code = insns('BEGIN { debugf("n %d s %s", 7, "str"); }');
  assert.ok(code.includes('call 6'), code.join('\n'));
  assert.match(diagnose('BEGIN { debugf("x"); }'), 'WARNING: debugf() is not meant for production use');
  assert.match(
    diagnose('BEGIN { debugf("%c", 1); }'),
    'ERROR: debugf() cannot print %c: bpf_trace_printk knows %d %i %u %x %p and %s',
  );
  assert.match(diagnose('BEGIN { debugf("%d", "s"); }'), 'ERROR: %d needs an integer, got string[2]');
  assert.match(diagnose('BEGIN { debugf("%d %d %d %d", 1, 2, 3, 4); }'), 'ERROR: debugf() takes');
});

test('pid and tid take curr_ns or init (test/e2e/process-context-v026.test.ts runs them in a pid namespace)', () => {
  assert.is(firstLine('BEGIN { @p = pid(init); @t = tid(init); }'), '');
  assert.is(firstLine('BEGIN { @p = pid(curr_ns); @t = tid(curr_ns); }'), '');
  assert.is(
    firstLine('BEGIN { @p = tid(other); }'),
    'stdin:1:18-23: ERROR: tid() takes a pid namespace: curr_ns or init',
  );
});

test('percpu_kaddr and socket_cookie explain what they need when the kernel has no BTF for them', () => {
  assert.match(
    diagnose('BEGIN { @p = percpu_kaddr("runqueues"); }'),
    "ERROR: percpu_kaddr(): no per-CPU kernel variable named 'runqueues' in the kernel's BTF",
  );
  assert.match(
    diagnose('BEGIN { @c = socket_cookie(0); }'),
    'ERROR: socket_cookie() needs a struct sock * taken straight from the probe arguments',
  );
});

test.run();
