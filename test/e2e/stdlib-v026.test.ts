// bpftrace v0.26 standard library functions bpftrace 0.17 lacks, through the real CLI on the real kernel:
// strstr, strcap, default_str_length, memcmp, find, signal_thread, the is_*() type questions, static_assert
// fail() and kfunc_exist() (v0.26.1's docs/stdlib.md says what each returns).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { compileSource } from '../../compiler/pipeline.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';

test('strcap needs a string or a char array; signal_thread names signals as signal() does', () => {
  assert.match(diagnose('BEGIN { print(strcap(curtask)); }'), 'strcap() needs a string or an array of chars');
  assert.match(diagnose('BEGIN { signal_thread("SIGNOPE"); }'), "signal_thread(): unknown signal 'SIGNOPE'");
  assert.match(diagnose('BEGIN { signal_thread(9); }'), 'signal_thread() sends signals to traced processes');
  assert.match(
    diagnose('BEGIN { $a = "ab"; @ = memcmp($a, "abc", 4); }'),
    'memcmp() compares 4 bytes, but the left value has 3',
  );
  assert.match(
    diagnose('BEGIN { @ = memcmp((1, 2), "abc", 1); }'),
    'memcmp() compares strings, integers, structs and arrays',
  );
  assert.match(
    diagnose('BEGIN { $n = 2; @ = memcmp("ab", "ab", $n); }'),
    'memcmp() needs its byte count as an integer literal',
  );
  // static_assert: refused where known false, in the message given; a condition known only when running is refused
  assert.match(
    diagnose('BEGIN { static_assert(sizeof(int32) == 8, "int32 is not 8 bytes"); }'),
    'ERROR: int32 is not 8 bytes',
  );
  assert.is(diagnose('BEGIN { static_assert(sizeof(int32) == 4 && is_str("a") && is_literal(-1), "x"); }'), '');
  assert.match(diagnose('BEGIN { $x = 1; static_assert(is_literal($x), "not a literal"); }'), 'ERROR: not a literal');
  assert.match(
    diagnose('BEGIN { static_assert(pid == 1, "x"); }'),
    'static_assert() needs a condition known when compiling',
  );
  // fail(): an error at the call, formatted from literals, unless the call sits in a branch known not to run
  // (v0.26's own example); in a macro, where the argument makes it reachable
  const withParams = (text: string, params: string[]) =>
    renderDiagnostics(compileSource(text, fixedKernel, { params }).diagnostics);
  const guard =
    'BEGIN { if ($1 < 2) { fail("Expected the first positional param to be greater than 1. Got %d", $1); } }';
  assert.match(withParams(guard, ['1']), 'ERROR: Expected the first positional param to be greater than 1. Got 1');
  assert.is(withParams(guard, ['5']), '');
  assert.match(diagnose('BEGIN { if (pid > 0) { fail("x %s %x%%", "y", 255); } }'), 'ERROR: x y ff%');
  assert.match(diagnose('BEGIN { fail("a %d", pid); }'), 'fail() takes arguments known when compiling');
  const macro = 'macro m(x) { if (!is_str(x)) { fail("m() wants a string"); } x } BEGIN { print(m("a")); ';
  assert.is(diagnose(`${macro}}`), '');
  assert.match(diagnose(`${macro}print(m(1)); }`), 'ERROR: m() wants a string');
  // has_cpid: cpid read under it needs no -c (documented v0.26: true iff cpid is available)
  assert.is(diagnose('BEGIN { if (has_cpid) { print(cpid); } print(has_cpid()); }'), '');
  assert.match(diagnose('BEGIN { print(cpid); }'), 'WARNING: No child command (`-c`); cpid is zero');
  // assert_str (v0.26 stdlib/strings.bt): strings, char arrays and char pointers pass; anything else is refused
  assert.is(
    diagnose(
      'BEGIN { assert_str("a"); assert_str(comm); assert_str((int8 *)0); $a = (int8[4])(uint32)0; assert_str($a); }',
    ),
    '',
  );
  assert.match(
    diagnose('BEGIN { assert_str(1); }'),
    'ERROR: string-like values must be either strings, arrays or pointers',
  );
  assert.match(
    diagnose('BEGIN { assert_str(curtask); }'),
    'ERROR: string-like pointers must point to a char-like type',
  );
  assert.match(
    diagnose('BEGIN { $a = (int16[2])(uint32)0; assert_str($a); }'),
    'ERROR: string-like arrays must contain a char-like type',
  );
  assert.match(diagnose('BEGIN { $s = "x"; print(kfunc_exist($s)); }'), 'kfunc_exist() accepts a string literal only');
  // unwatch(): documented by v0.26, which has no watchpoint it could remove (its call cannot load there)
  assert.match(diagnose('BEGIN { unwatch(0x1000); }'), 'unwatch() has no watchpoint to remove');
  assert.is(diagnose('BEGIN { if (0) { unwatch(0x1000); } }'), '');
  // find() on a map without keys, in v0.26's stdlib words (its text is scry's stdlib/base.bt)
  assert.match(diagnose('BEGIN { @s = 1; $v = 0; find(@s, 1, $v); }'), 'expects a map with explicit keys');
  assert.match(diagnose('BEGIN { @s[1] = 1; find(@s, 1, 5); }'), "macro 'find' takes a variable for $var");
});

if (requireRoot('e2e stdlib v0.26')) {
  test('strstr: the first index, -1 when absent, 0 for an empty needle; strcap a string type size', async () => {
    const prog =
      'BEGIN { $s = "hello world"; ' +
      'printf("%d %d %d %d %d %d\\n", strstr($s, "world"), strstr($s, "xyz"), strstr($s, ""), strstr("aaab", "ab"), ' +
      'strstr($s, "hello world!"), strstr(comm, "scr")); ' +
      'printf("%d %d %d\\n", strcap($s), strcap("ab"), default_str_length()); exit(); }';
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), '6 -1 0 2 -1 0\n12 3 1024'); // max_strlen: bpftrace v0.26's default
    // memcmp: the first differing bytes as signed chars, subtracted ('c' - 'x', 0x80 is -128)
    const m = await runScry([
      '-q',
      '-e',
      'BEGIN { $a = "abcd"; $b = "abxd"; printf("%d %d %d %d %d\\n", memcmp($a, $b, 2), memcmp($a, $b, 3), memcmp($b, $a, 4), memcmp(7, 7, 8), memcmp(0x80, 0x01, 1)); exit(); }',
    ]);
    assert.is(m.stdout.trim(), '0 -21 21 0 -129', m.stderr);
    // find(@m, key, $v): true and $v set where the key is there, false and $v as it was where not
    const f = await runScry([
      '-q',
      '-e',
      'BEGIN { @map[2] = (1, "hello"); @t[1, "a"] = 5; let $val; if (find(@map, 2, $val)) { print($val); } $n = 7; ' +
        'print(find(@t, (2, "a"), $n)); print($n); if (find(@t, (1, "a"), $n)) { print($n); } clear(@map); clear(@t); exit(); }',
    ]);
    assert.is(f.stdout.trim(), '(1, hello)\nfalse\n7\n5', f.stderr);
    // is_*(): answered from the argument's type when compiling (its code never runs)
    const t = await runScry([
      '-q',
      '-e',
      'BEGIN { $s = "a"; $p = curtask; printf("%d %d %d %d %d %d %d %d\\n", is_str($s), is_str(1), is_ptr($p), is_integer(1), ' +
        'is_integer($p), is_unsigned_integer((uint8)1), is_unsigned_integer(-1), is_literal(5)); print(is_array($s)); exit(); }',
    ]);
    assert.is(t.stdout.trim(), '1 0 1 1 0 1 0 1\nfalse', t.stderr);
    // has_cpid: false without -c, true with it
    const h = ['-e', 'BEGIN { if (has_cpid) { printf("child %d\\n", cpid > 0); } print(has_cpid); exit(); }'];
    assert.is((await runScry(['-q', ...h])).stdout.trim(), 'false');
    assert.is((await runScry(['-q', '-c', 'sleep 0.1', ...h])).stdout.trim(), 'child 1\ntrue');
    // kfunc_exist: a FUNC of that name in the kernel's BTF (bpf_task_from_pid is a kfunc here since 6.2)
    const k = await runScry([
      '-q',
      '-e',
      'BEGIN { print(kfunc_exist("bpf_task_from_pid")); print(kfunc_exist("no_such_kfunc")); exit(); }',
    ]);
    assert.is(k.stdout.trim(), 'true\nfalse', k.stderr);
    // kfunc_allowed: whether the probe's program may call it, as the kernel's verifier says (Linux 6.18: a
    // perf event program (interval) may call bpf_task_from_pid, a uprobe's, a kprobe program, may not)
    const allowed = (probe: string) =>
      runScry(['-q', '-e', `${probe} { print(kfunc_allowed("bpf_task_from_pid")); exit(); }`], {}, 10_000);
    assert.is((await allowed('interval:ms:10')).stdout.trim(), 'true');
    const u = await runScry([
      '--dry-run',
      '-e',
      'uprobe:/bin/bash:readline { if (!kfunc_allowed("bpf_task_from_pid")) { fail("not here"); } }',
    ]);
    assert.match(u.stderr, 'ERROR: not here');
    assert.match(
      diagnose('BEGIN { $s = "x"; print(kfunc_allowed($s)); }'),
      'kfunc_allowed() accepts a string literal only',
    );
    // the max_strlen setting is what str() reads unless told
    const c = await runScry([
      '-q',
      '-e',
      'config = { max_strlen = 100 } BEGIN { print(default_str_length()); exit(); }',
    ]);
    assert.is(c.stdout.trim(), '100', c.stderr);
  });

  test('signal_thread: the traced thread gets the signal (sleep 30 killed at its first nanosleep)', async () => {
    const started = Date.now();
    const r = await runScry(
      [
        '--unsafe',
        '-q',
        '-c',
        'sleep 30',
        '-e',
        'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { signal_thread("SIGKILL"); @hit = count(); }',
      ],
      {},
      20_000,
    );
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, '@hit: 1');
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });
}

test.run();
