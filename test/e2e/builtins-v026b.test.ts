// More bpftrace v0.26 builtins through the real CLI on the real kernel: printf %gr, str(s, n) with a computed
// n, strncmp(a, b, $1), str($1 + 1), cat() of a missing file, probetype, len(ustack). bpftrace 0.17 (installed
// here) has none of these; the behaviour pinned is v0.26.1's (its runtime tests are named with each test).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

/** What the program printed, without the blank lines scry ends its output with. */
const text = (r: { stdout: string }) => r.stdout.replace(/\n+$/, '\n');

const root = requireRoot('e2e builtins v0.26 (b)');
const fx = root ? fixtures('e2e builtins v0.26 (b)') : undefined;

if (root) {
  // call.printf_gr; the names and their order are the kernel's own (%pGg)
  test('printf %gr prints GFP flags: GFP_DMA, GFP_KERNEL|__GFP_ZERO, 0, padded to a width', async () => {
    const r = await runScry(
      ['-q', '-e', 'BEGIN { printf("%gr %gr %gr [%-12gr]\\n", 0x1, 0xcc0 | 0x100, 0, 0xcc0); }'],
      {},
      10_000,
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(text(r), 'GFP_DMA GFP_KERNEL|__GFP_ZERO 0 [GFP_KERNEL  ]\n');
  });

  // call.string truncation variable length, call.explicit string truncation with expression,
  // other.positional strncmp, other.positional pointer arithmetic
  test('str(p, n) with n computed keeps n - 1 characters; strncmp(a, b, $1); str($1 + 1) drops a character', async () => {
    const r = await runScry(
      [
        '-q',
        '-e',
        'tracepoint:syscalls:sys_enter_execve /str(args.argv[0]) == "/bin/echo"/ { $a = (uint16)5; $b = 1; ' +
          'printf("%s %s %s\\n", str(args.argv[1], $a), str(args.argv[1], $b + 4), str("abcdef", $b + 2)); exit(); }',
        '-c',
        '/bin/echo zztest',
      ],
      {},
      10_000,
    );
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^zzte zzte ab$/m);
    const p = await runScry(
      [
        '-q',
        '-e',
        'BEGIN { if (strncmp("hello", "hell", $1) == 0) { printf("%s\\n", str($2 + 1)); } exit(); }',
        '3',
        'hello',
      ],
      {},
      10_000,
    );
    assert.is(text(p), 'ello\n');
  });

  // builtin.cat "no such file": an error message in bpftrace v0.26's words, and tracing goes on
  test("cat() of a missing file says ERROR: failed to open file '<path>' (No such file or directory)", async () => {
    const r = await runScry(
      ['-q', '-e', 'i:ms:1 { cat("/does/not/exist/file"); printf("after\\n"); exit(); }'],
      {},
      10_000,
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(text(r), 'after\n');
    // on stderr, as bpftrace v0.26 logs it
    assert.is(r.stderr, "ERROR: failed to open file '/does/not/exist/file' (No such file or directory)\n");
  });

  // macro.builtin wrapper probetype, stdlib.signal_name
  test('probetype is special in BEGIN, interval in i:ms; signal_name and syscall_name print names', async () => {
    const r = await runScry(
      [
        '-q',
        '-e',
        'BEGIN { if (__builtin_probetype == probetype()) { printf("%s\\n", probetype); } } ' +
          'i:ms:1 { print(probetype); print(signal_name(2)); print(signal_name(1024)); ' +
          'printf("%s\\n", syscall_name(59)); exit(); }',
      ],
      {},
      10_000,
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(text(r), 'special\ninterval\nInterrupt\nN/A\nexecve\n');
  });

  // call.ustack len, call.kstack len: as many frames as the stack prints
  test('len(kstack) counts the frames kstack prints; len(kstack(2)) is 2; len of a variable holding ustack(3)', async () => {
    const r = await runScry(
      [
        '-q',
        '-c',
        'sleep 0.1',
        '-e',
        'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { $u = ustack(3); ' +
          'printf("%d %d %d\\n", len(kstack(2)), len($u), len(kstack)); print(kstack); exit(); }',
      ],
      {},
      10_000,
    );
    assert.is(r.code, 0, r.stderr);
    const [first, ...rest] = r.stdout.trim().split('\n');
    const [two, user, all] = first!.split(' ').map(Number);
    assert.is(two, 2, r.stdout);
    // sleep's libc frames (how many depends on its frame pointers), at most the three asked for
    assert.ok(user! >= 1 && user! <= 3, r.stdout);
    assert.is(all, rest.filter((l) => l.trim()).length, r.stdout);
  });

  // call.uaddr: a data symbol, read through a pointer of its size (int leaf_calls: 4 bytes)
  if (fx)
    test('*uaddr("leaf_calls") reads the global of a non-PIE binary (PIE: test/e2e/process-context-v026.test.ts)', async () => {
      const r = await runScry(
        [
          '-q',
          '-c',
          `${fx.nopie} recurse 3`,
          '-e',
          `uretprobe:${fx.nopie}:leaf /pid == cpid/ { printf("%d %d\\n", *uaddr("leaf_calls"), sizeof(*uaddr("leaf_calls"))); exit(); }`,
        ],
        {},
        10_000,
      );
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, /^1 4$/m);
    });
}

test.run();
