// The inputs fuzzing found (issue 11), through the real CLI: programs bpftrace 0.17 accepts run and print
// what bpftrace prints; the rest end with a diagnostic that has a location and an underline, exit 1, and no
// "internal error" or stack trace. Programs are written to files (some are too long for one argument).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const dir = mkdtempSync(join(tmpdir(), 'scry-bad-input-'));
let n = 0;

/** Runs scry on `program` (written to a file) with `args` before it; `shellPrefix` runs first, e.g. a ulimit. */
function scry(
  program: string,
  args: string[] = [],
  shellPrefix = '',
): { code: number | null; stdout: string; stderr: string; ms: number } {
  const file = join(dir, `p${n++}.bt`);
  writeFileSync(file, program);
  const start = Date.now();
  const r = shellPrefix
    ? spawnSync('sh', ['-c', `${shellPrefix}; exec "$0" "$@"`, process.execPath, scryBin, ...args, file], {
        encoding: 'utf8',
        timeout: 60_000,
        maxBuffer: 1 << 26,
      })
    : spawnSync(process.execPath, [scryBin, ...args, file], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - start };
}

/** A located diagnostic: `file:line:col: ERROR: message`, the source line, an underline; nothing internal. */
function assertLocated(r: { code: number | null; stderr: string }, message: RegExp): void {
  assert.is(r.code, 1, r.stderr.slice(0, 500));
  assert.not.match(r.stderr, /internal error|^\s+at /m);
  const lines = r.stderr.split('\n');
  assert.match(lines[0]!, /^\S+\.bt:\d+:\d+-\d+: ERROR: /, r.stderr.slice(0, 500));
  assert.match(lines[0]!, message, lines[0]!.slice(0, 500));
  assert.match(lines[2]!, /^\s*~+$/, 'an underline');
}

const chain = (count: number, op: string, term: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => term(i)).join(` ${op} `);

if (requireTracepoint('e2e bad input', 'syscalls/sys_enter_openat')) {
  test('what bpftrace accepts runs and prints as bpftrace does: 250 parentheses, 341 ifs, 800-term +, 1,100-term ||', () => {
    const r1 = scry(`BEGIN { printf("%d\\n", ${'('.repeat(250)}7${')'.repeat(250)}); exit(); }`);
    assert.is(r1.stdout.trim(), '7', r1.stderr);
    const r2 = scry(`BEGIN { ${'if (1) { '.repeat(341)}printf("deep\\n");${' }'.repeat(341)} exit(); }`);
    assert.is(r2.stdout.trim(), 'deep', r2.stderr);
    const r3 = scry(`BEGIN { printf("%d\\n", ${chain(800, '+', () => '1')}); exit(); }`);
    assert.is(r3.stdout.trim(), '800', r3.stderr);
    const r4 = scry(`BEGIN /${chain(1099, '||', (i) => `pid == ${i + 1}`)} || 1/ { printf("yes\\n"); exit(); }`);
    assert.is(r4.stdout.trim(), 'yes', r4.stderr);
  });

  test('nesting past what scry parses, checks or compiles is a located diagnostic', () => {
    assertLocated(
      scry(`BEGIN { $x = ${'('.repeat(10000)}1${')'.repeat(10000)}; }`),
      /brackets nest 10001 deep here, more than scry can parse$/,
    );
    assertLocated(
      scry(`BEGIN { $x = ${'!'.repeat(20000)}1; }`),
      /the program nests \d+ levels deep here, more than scry can check$/,
    );
    // (two statements a branch: with one, its code is short enough that 1,500 no longer reach that far)
    const elseIfs = Array.from({ length: 1500 }, (_, i) => ` else if ($a == ${i}) { print(${i}); print(${i}); }`).join(
      '',
    );
    assertLocated(
      scry(`BEGIN { $a = 1; if ($a == 0) { print(0); }${elseIfs} }`),
      /this code jumps over \d+ BPF instructions, more than a BPF jump reaches \(32767\)$/,
    );
  });

  test('a 4,200-element tuple and a 100,000-character string are located diagnostics (were encoder errors)', () => {
    assertLocated(
      scry(`BEGIN { $t = (${chain(4200, ',', () => '1')}); print($t); }`),
      /more than 32 KiB of strings, tuples and keys/,
    );
    assertLocated(
      scry(`BEGIN { printf("%s\\n", "${'a'.repeat(100_000)}"); }`),
      /printf\(\)'s values take 100016 bytes/,
    );
    assertLocated(
      scry(`BEGIN { $s = "${'a'.repeat(100_000)}"; print($s); }`),
      /more than 32 KiB of strings, tuples and keys/,
    );
  });

  test('a 5,000-character tracepoint name is an unknown tracepoint (was ENAMETOOLONG)', () => {
    assertLocated(
      scry(`tracepoint:syscalls:${'a'.repeat(5000)} { exit(); }`),
      /^\S+\.bt:1:1-\d+: ERROR: No matches for tracepoint syscalls:a{5000}\.$/,
    );
  });

  test('printf("%-999999999d") is refused at the format (killed scry at the first event)', () => {
    const r = scry('BEGIN { printf("%-999999999d\\n", 1); exit(); }');
    assertLocated(r, /: ERROR: %d asks for a field of 999999999 characters, more than scry prints \(65535\)$/);
    assert.is(r.stdout, '');
  });

  test('exit(code) leaves the low 8 bits as the status, as exit(2) does (a code past 2^53 threw from process.exit)', () => {
    for (const [code, status] of [
      ['9007199254740993', 1],
      ['300', 44],
      ['-1', 255],
      ['3', 3],
    ] as const) {
      const r = scry(`BEGIN { exit(${code}); }`);
      assert.is(r.code, status, `exit(${code}): ${r.stderr}`);
      assert.not.match(r.stderr, /internal error|RangeError|^\s+at /m);
    }
  });

  test('@keep = () is a located diagnostic (map creation said EINVAL with no location)', () => {
    assertLocated(
      scry('BEGIN { @keep = (); exit(); }'),
      /^\S+\.bt:1:17-\d+: ERROR: \(\) holds no bytes, so a map cannot store it$/,
    );
  });

  test('more maps than open files allow names the map and where it is used, before creating any (EMFILE had no location)', () => {
    const program = `BEGIN { ${Array.from({ length: 200 }, (_, i) => `@m${i} = ${i};`).join(' ')} exit(); }`;
    const r = scry(program, [], 'ulimit -n 64');
    assertLocated(
      r,
      /^\S+\.bt:1:\d+-\d+: ERROR: cannot create map @m\d+: 203 maps and 1 program need one open file each, and only \d+ more files may be open \(ulimit -n 64\)$/,
    );
    const [, map] = /cannot create map (@m\d+)/.exec(r.stderr)!;
    // the line is longer than a shown window, so the underline (not the column) says where in the shown text
    const [, line, underline] = r.stderr.split('\n') as [string, string, string];
    const at = underline.indexOf('~');
    assert.ok(line.slice(at).startsWith(`${map} = `), `points at ${line.slice(at, at + 20)}, not ${map}`);
    assert.match(r.stderr, /\nHINT: use fewer maps, or raise the limit with ulimit -n\n/);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  });

  test('a megabyte-long unknown function name is refused within seconds (took 27 s)', () => {
    const r = scry(`BEGIN { ${'f'.repeat(1_000_000)}(); }`, ['--dry-run']);
    assertLocated(r, /: ERROR: unknown function 'f{1000000}'$/);
    assert.ok(r.ms < 5000, `${r.ms} ms`);
  });

  test('more probes than max_probes (bpftrace v0.26: 1024) is an error naming the limit and the knob', () => {
    const r = scry('tracepoint:*:* { @[probe] = count(); }', ['--dry-run']);
    assertLocated(
      r,
      /^\S+\.bt:1:1-\d+: ERROR: this program attaches \d+ probes, more than max_probes allows \(1024\); tracepoint:\*:\* alone expands to \d+$/,
    );
    assert.match(r.stderr, /\nHINT: narrow the wildcard, or raise the limit with config = \{ max_probes = \d+ \}/);
    const ok = scry(
      'config = { max_probes = 3 } tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_exit_openat, BEGIN { exit(); }',
    );
    assert.is(ok.code, 0, ok.stderr);
  });

  test('a loop bounded by a map value, which the verifier cannot follow, is located at the loop with a hint', () => {
    // bpftrace 0.17 refuses it too ("Error loading program: BEGIN"), with no location
    const r = scry('BEGIN { @n = 3; $i = 0; while ($i < @n) { @c++; $i++; } exit(); }', ['--no-warnings']);
    assertLocated(
      r,
      /ERROR: the BPF verifier rejected the program for BEGIN: The sequence of \d+ jumps is too complex\.$/,
    );
    assert.match(r.stderr, /\nHINT: the verifier follows each path through the code, .*bound it by a constant/);
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
  test.run();
}
