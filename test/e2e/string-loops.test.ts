// strcontains, strstr, strlen and strncmp run as loops over the strings' slots (compiler/codegen/builtins/
// strings.ts): their answers against a reference computed here, for strings held in maps (nothing the compiler
// could work out), in BEGIN (not optimized) and in an interval probe (optimized), and at max_strlen 1024, where
// the unrolled search was past what the verifier takes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileSource } from '../../compiler/pipeline.ts';
import { disasm } from '../../compiler/asm/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { hostKernelInfo } from '../../runtime/index.ts';

const CASES: [string, string][] = [
  ['hello world', 'lo w'],
  ['hello world', 'xyz'],
  ['abc', ''],
  ['', ''],
  ['', 'a'],
  ['aaab', 'ab'],
  ['abab', 'bab'],
  ['abc', 'abcd'],
  ['abc', 'abc'],
  ['abc', 'c'],
  ['mississippi', 'issip'],
  ['mississippi', 'ssippi'],
  ['a\xffb', '\xffb'],
  ['x\x80', '\x7f'],
];

/** the literal as scry source text: bytes above 0x7e as \xNN */
function literal(s: string): string {
  return `"${[...s].map((c) => (c.charCodeAt(0) > 0x7e ? `\\x${c.charCodeAt(0).toString(16)}` : c)).join('')}"`;
}

function strncmp(a: string, b: string, n: number): number {
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i) || 0;
    if (x !== (b.charCodeAt(i) || 0)) return 1;
    if (x === 0) return 0;
  }
  return 0;
}

function expected(): string {
  return CASES.map(
    ([h, n]) =>
      `${h.indexOf(n)} ${h.includes(n) ? 1 : 0} ${h.length} ${n.length} ${[1, 2, 4].map((k) => strncmp(h, n, k)).join(' ')}`,
  ).join('\n');
}

function program(probe: string): string {
  const fill = CASES.map(([h, n], i) => `@h${i} = ${literal(h)}; @n${i} = ${literal(n)};`).join(' ');
  const show = CASES.map(
    (_, i) =>
      `printf("%d %d %d %d %d %d %d\\n", strstr(@h${i}, @n${i}), strcontains(@h${i}, @n${i}), strlen(@h${i}), ` +
      `strlen(@n${i}), strncmp(@h${i}, @n${i}, 1), strncmp(@h${i}, @n${i}, 2), strncmp(@h${i}, @n${i}, 4));`,
  ).join(' ');
  const clear = CASES.map((_, i) => `clear(@h${i}); clear(@n${i});`).join(' ');
  return probe === 'BEGIN'
    ? `BEGIN { ${fill} ${show} ${clear} exit(); }`
    : `BEGIN { ${fill} } ${probe} { ${show} ${clear} exit(); }`;
}

test('the searches are loops: a few dozen instructions, not one per pair of bytes', () => {
  const c = compileSource(
    'config = { max_strlen = 64 } BEGIN { @h = str(0); } interval:s:1 /strcontains(@h, "passwd")/ { @[strlen(@h)] = count(); }',
    fixedKernel,
  );
  assert.ok(c.program, JSON.stringify(c.diagnostics));
  // the interval probe's program (unrolled: 2,231 instructions, ~2,000 of them the 65 x 7 search; now 123)
  const insns = Math.max(...c.program.programs.map((p) => p.bytecode.length / 8));
  assert.ok(insns < 200, `${insns} instructions`);
});

if (requireRoot('e2e string loops')) {
  for (const probe of ['BEGIN', 'interval:ms:1']) {
    test(`strstr, strcontains, strlen and strncmp of strings in maps, in ${probe}`, async () => {
      const r = await runScry(['-q', '-e', program(probe)]);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout.trim(), expected());
    });
  }

  test('at max_strlen 1024 (the default): searches through a 1000-byte string load and answer', async () => {
    const hay = `${'ab'.repeat(497)}needle`;
    // two searches a program: what the 6.1 verifier of the test VM follows too (five were past its limit)
    const pairs: [string, string][] = [
      ['strcontains(@h, "needle"), strstr(@h, "needle")', `1 ${hay.indexOf('needle')}`],
      ['strstr(@h, "bab"), strlen(@h)', `1 ${hay.length}`],
      ['strcontains(@h, "needles"), strncmp(@h, "abab", 1024)', '0 1'],
    ];
    for (const [calls, want] of pairs) {
      const r = await runScry([
        '-q',
        '-e',
        `BEGIN { @h = str($1); } interval:ms:1 { printf("%d %d\\n", ${calls}); clear(@h); exit(); }`,
        hay,
      ]);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout.trim(), want, calls);
    }
  });

  test('str(s, n) with n computed keeps n - 1 bytes (a loop clears the rest); -1 is past the end', async () => {
    const prog =
      'interval:ms:1 { @s = "hello world"; for ($n : 0..14) { printf("<%s>\\n", str(@s, $n)); } ' +
      'printf("<%s>\\n", str(@s, 0 - 1)); clear(@s); exit(); }';
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.code, 0, r.stderr);
    const want = [...Array.from({ length: 14 }, (_, n) => 'hello world'.slice(0, Math.max(n - 1, 0))), 'hello world'];
    assert.is(r.stdout.trim(), want.map((w) => `<${w}>`).join('\n'));
  });

  // (< <= > >= order only two literals since 2026-12-07, as in bpftrace v0.26: the maps here compare equal or not)
  test('two strings of 1 KiB slots compared in a loop of words: == and != as their bytes are', async () => {
    const long = 'x'.repeat(1000);
    const pairs: [string, string][] = [
      ['abc', 'abc'],
      ['abc', 'abd'],
      ['abcdefgh', 'abcdefgh'],
      ['abcdefgh', 'abcdefghi'],
      ['abcdefghijklmnopq', 'abcdefghijklmnopr'],
      ['', ''],
      ['', 'a'],
      ['\xff', 'a'],
      [long, long],
      [long, `${long.slice(0, -1)}y`],
    ];
    const fill = pairs.map(([a, b], i) => `@a${i} = ${literal(a)}; @b${i} = ${literal(b)};`).join(' ');
    const show = pairs
      .map(
        (_, i) => `printf("%d%d\\n", @a${i} == @b${i}, @a${i} != @b${i}); if (@a${i} == @b${i}) { printf("same\\n"); }`,
      )
      .join(' ');
    const clear = pairs.map((_, i) => `clear(@a${i}); clear(@b${i});`).join(' ');
    const r = await runScry(['-q', '-e', `BEGIN { ${fill} } interval:ms:1 { ${show} ${clear} exit(); }`]);
    assert.is(r.code, 0, r.stderr);
    const b = (v: boolean) => (v ? 1 : 0);
    const want = pairs.flatMap(([x, y]) => [`${b(x === y)}${b(x !== y)}`, ...(x === y ? ['same'] : [])]);
    assert.is(r.stdout.trim(), want.join('\n'));
    const c = compileSource(
      'BEGIN { @a = str(0); @b = str(0); } interval:s:1 /@a == @b/ { @n = count(); }',
      fixedKernel,
    );
    assert.ok(c.program, JSON.stringify(c.diagnostics));
    // the compare is a loop (129 words unrolled: 387 instructions more); the two 1 KiB copies out of the map remain
    assert.ok(Math.max(...c.program.programs.map((p) => p.bytecode.length / 8)) < 900);
  });

  test('1 KiB values zeroed and copied by the kernel stay NUL-padded: a shorter string after a longer one is one key', async () => {
    const prog =
      // (str(0): a 1,025-byte string, which sizes $a and @v; the read from address 0 leaves it empty)
      'interval:ms:1 { $a = str(0); $a = "a longer string than the next"; $a = "short"; @k[$a] = count(); ' +
      '@k["short"] = count(); @v = str(0); @v = "another long one"; @v = "sh"; @k[@v] = count(); @k["sh"] = count(); ' +
      '$b = $a; @k[$b] = count(); clear(@v); exit(); }';
    const c = compileSource(prog, fixedKernel);
    assert.ok(c.program, JSON.stringify(c.diagnostics));
    // 1,032-byte slots zeroed and copied by bpf_probe_read_kernel (113), not a store a word
    const code = disasm(c.program.programs[0]!.bytecode);
    assert.ok(code.filter((l) => l === 'call 113').length >= 4 && code.length < 400, code.join('\n'));
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), '@k[sh]: 2\n@k[short]: 3');
  });

  test('a 1 KiB string variable assigned first (on every path of an if/else too) is not zeroed when the probe starts; one assigned under a condition is', async () => {
    const zeroings = (body: string) => {
      const c = compileSource(`tracepoint:syscalls:sys_enter_mkdir { ${body} }`, hostKernelInfo(), {});
      assert.ok(c.program, JSON.stringify(c.diagnostics));
      const code = disasm(c.program.programs[0]!.bytecode);
      return code.filter((l, i) => l === 'call 113' && code[i - 1] === 'r3 = 0').length;
    };
    // (`let $a;` first: a variable assigned in a block ends with it, as in bpftrace v0.26)
    // the assignment's own zeroing only; under the `if`, the start's too (the key read may come first)
    assert.is(zeroings('$a = str(args->pathname); @[$a] = count();'), 1);
    assert.is(zeroings('let $a; $a = str(args->pathname); @[$a] = count();'), 1);
    assert.is(zeroings('let $a; if (pid > 1) { $a = str(args->pathname); } @[$a] = count();'), 2);
    // written first on every path of an if/else (chain): each branch's own zeroing only
    assert.is(zeroings('let $a; if (pid > 1) { $a = str(args->pathname); } else { $a = "-"; } @[$a] = count();'), 2);
    const chain = 'let $a; if (pid > 1) { $a = str(args->pathname); } else if (pid > 0) { $a = "+"; }';
    assert.is(zeroings(`${chain} else { $a = "-"; } @[$a] = count();`), 3);
    // a path that reads first, or one that does not write, keeps the start's
    assert.is(zeroings(`${chain} @[$a] = count();`), 3);
    assert.is(zeroings('let $a; if (pid > 1) { $a = str(args->pathname); } else { @[$a] = count(); $a = "-"; }'), 3);
    const r = await runScry([
      '-q',
      '-e',
      'interval:ms:1 { let $a; if (nsecs == 1) { $a = str(0); } @k[$a] = count(); exit(); }',
    ]);
    assert.is(r.stdout.trim(), '@k[]: 1', r.stderr);
    // the second event's else reads the 1 KiB $a before writing it: empty, not the first event's text left in
    // scratch (one interval timer: the same CPU's scratch)
    const again = await runScry([
      '-q',
      '-e',
      'interval:ms:1 { let $a; if (@n == 1) { if (nsecs == 1) { $a = str(0); } else { @k[$a] = count(); $a = "y"; } exit(); } else { $a = "left"; @n = 1; } } END { clear(@n); }',
    ]);
    assert.is(again.stdout.trim(), '@k[]: 1', again.stderr);
  });

  test("printf's str() of a pointer is not zeroed first, and prints to its NUL after a longer string", async () => {
    const text = 'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("<%s>\\n", str(args->filename)); }';
    const c = compileSource(text.replace('cpid', '1'), hostKernelInfo(), {});
    assert.ok(c.program, JSON.stringify(c.diagnostics));
    // zeroing 1 KiB first was 129 more stores
    assert.ok(c.program.programs[0]!.bytecode.length / 8 < 60);
    const long = `/tmp/${'d'.repeat(200)}/${'e'.repeat(200)}/missing`;
    // one cat, one CPU most likely: the short name lands where the long one was in the per-CPU scratch space
    const r = await runScry(['-q', '-e', text, '-c', `cat ${long} /x ${long} /etc/y`]);
    // (cat opens its locale's files too, to say what it could not open)
    const lines = r.stdout.split('\n').filter((l) => [`<${long}>`, '</x>', '</etc/y>'].includes(l));
    assert.equal(lines, [`<${long}>`, '</x>', `<${long}>`, '</etc/y>'], r.stderr);
  });

  test('a string compared with a literal: only the literal and two bytes more are read and compared', async () => {
    const text = 'tracepoint:syscalls:sys_enter_openat /str(args->filename) == "/etc/passwd"/ { @ = count(); }';
    const c = compileSource(text, hostKernelInfo(), {});
    assert.ok(c.program, JSON.stringify(c.diagnostics));
    // str() of 1025 bytes, zeroed and compared whole, was ~270 instructions
    assert.ok(c.program.programs[0]!.bytecode.length / 8 < 40);
    // a longer path and a shorter one are not /etc/passwd; /etc/passwd is (cat opens each of them)
    const dir = mkdtempSync(join(tmpdir(), 'scry-strcmp-'));
    try {
      const counted = text.replace('/str(args', '/pid == cpid && str(args').replace('@ =', '@[str(args->filename)] =');
      const r = await runScry(['-q', '-e', counted, '-c', `cat /etc/passwd /etc/passwdX /etc/passw ${dir}/x`]);
      assert.is(r.stdout.trim().split('\n').at(-1), '@[/etc/passwd]: 1', r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
