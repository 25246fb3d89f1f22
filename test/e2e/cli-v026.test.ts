// The command line and settings through the bundled CLI, as bpftrace v0.26 has them (issue 14 items 6, 12).
// Each test names what it pins; bpftrace 0.17 (installed here) agrees where it says so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasKprobes } from '../../runtime/features.ts';
import { runScry } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

// ---- mistakes on the command line: reported before anything needs privileges ----

test('--version starts "bpftrace v<x.y.z>" (v0.26 prints "bpftrace v0.26.1"), then names scry', async () => {
  const r = await runScry(['--version']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /^bpftrace v\d+\.\d+\.\d+-compatible \(scry v\d+\.\d+\.\d+\)\n$/);
});

test('a bad flag prints the error and USAGE on stderr, exit 1 (v0.26 and 0.17 print their usage too)', async () => {
  const r = await runScry(['-idonotexist']);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^ERROR: unknown option -idonotexist\nUSAGE:\n/);
});

test("-p is checked in v0.26's words, before the program file is read", async () => {
  const cases: [string, string][] = [
    ['a1111', 'ERROR: Failed to parse pid: invalid integer: a1111\n'],
    ['111a1', 'ERROR: Failed to parse pid: invalid trailing bytes: 111a1\n'],
    ['5000000', 'ERROR: Pid out of range: 5000000\n'],
  ];
  for (const [pid, line] of cases) {
    const r = await runScry(['-p', pid, 'no-such-file.bt']);
    assert.is(r.code, 1);
    assert.ok(r.stderr.startsWith(line), r.stderr);
  }
});

test("a missing program file: v0.26's and 0.17's words (0.17 exits 255, scry 1)", async () => {
  const r = await runScry(['non_existent_file.bt']);
  assert.is(r.code, 1);
  assert.is(r.stderr, "ERROR: failed to open file 'non_existent_file.bt': No such file or directory\n");
});

test('-f jsonx: the first line is v0.26\'s and 0.17\'s; "Valid formats" follows as a hint', async () => {
  const r = await runScry(['-q', '-f', 'jsonx', '-e', 'BEGIN { exit(); }']);
  assert.is(r.code, 1);
  assert.is(r.stderr, `ERROR: Invalid output format "jsonx"\nHINT: Valid formats: 'text', 'json'\n`);
});

test('--traceable-functions FILE: the functions kprobes may attach to (v0.26 probe.traceable_functions_empty*)', async () => {
  const prog = 'BEGIN { exit(); } kprobe:vfs_read {}';
  // an empty list: no function is traceable, so vfs_read is missing (v0.26's error, and its warning where kprobes
  // attach at all: "attaching will likely fail" says nothing on a kernel without them)
  const warned =
    'stdin:1:19-34: WARNING: vfs_read is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail';
  const none = await runScry(['--dry-run', '--traceable-functions', '/dev/null', '-e', prog]);
  assert.is(none.code, 1, none.stderr);
  assert.match(none.stderr, 'stdin:1:19-34: ERROR: No matches for kprobe vfs_read.');
  assert.is(none.stderr.includes(warned), hasKprobes(), none.stderr);
  // --unsafe: the probe is kept
  const unsafe = await runScry(['--dry-run', '--unsafe', '--traceable-functions', '/dev/null', '-e', prog]);
  assert.is(unsafe.code, 0, unsafe.stderr);
  assert.is(unsafe.stderr.includes(warned), hasKprobes(), unsafe.stderr);
  assert.not.match(unsafe.stderr, 'ERROR');
  // a list of two: exactly those exist (listed here or counted where kprobes cannot attach)
  const dir = mkdtempSync(join(tmpdir(), 'scry-traceable-'));
  try {
    const file = join(dir, 'functions');
    writeFileSync(file, 'scry_listed_one\nscry_listed_two [scrymod]\n');
    const ok = await runScry(['--dry-run', '--traceable-functions', file, '-e', 'kprobe:scry_listed_one {}']);
    assert.is(ok.code, 0, ok.stderr);
    assert.is(ok.stderr, '');
    // a module's function lists by its own name, and with its module where the pattern names one (v0.26)
    const listed = async (pattern: string, lines: string[]) => {
      const l = await runScry(['--traceable-functions', file, '-l', pattern]);
      assert.is(l.code, 0, l.stderr);
      const refused = new RegExp(`^${lines.length} kprobe/kretprobe functions exist but cannot attach here`);
      assert.ok(l.stdout === lines.map((x) => `${x}\n`).join('') || refused.test(l.stderr), l.stdout + l.stderr);
    };
    await listed('kprobe:scry_listed*', ['kprobe:scry_listed_one', 'kprobe:scry_listed_two']);
    await listed('kprobe:scrymod:*', ['kprobe:scrymod:scry_listed_two']);
    await listed('kprobe:vmlinu*:scry_*', ['kprobe:vmlinux:scry_listed_one']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const missing = await runScry(['--traceable-functions', '/nonexistent/list', '-e', prog]);
  assert.is(missing.code, 1);
  assert.is(
    missing.stderr,
    "ERROR: cannot read the traceable functions from '/nonexistent/list': No such file or directory\n",
  );
});

// ---- runs ----

if (requireTracepoint('cli v0.26', 'syscalls/sys_enter_execve')) {
  test("-l NAME.bt with no such file warns (v0.26's words) and lists by the pattern", async () => {
    const r = await runScry(['-l', 'non_existent_file.bt']);
    assert.is(r.code, 0);
    assert.is(
      r.stderr,
      "WARNING: It appears that 'non_existent_file.bt' is a filename but the file does not exist. Treating 'non_existent_file.bt' as a search pattern.\n",
    );
  });

  test('-l FILE and -l -e list the probes of a program, wildcards expanded, rates dropped (v0.26)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-cli-'));
    try {
      const file = join(dir, 'p.bt');
      writeFileSync(file, 'BEGIN { } interval:ms:100 { } tracepoint:syscalls:sys_enter_execve* { }\n');
      const r = await runScry(['-l', file]);
      assert.is(r.code, 0, r.stderr);
      assert.is(
        r.stdout,
        'interval:ms:\ntracepoint:syscalls:sys_enter_execve\ntracepoint:syscalls:sys_enter_execveat\n',
      );
      const e = await runScry(['-l', '-e', 'tracepoint:syscalls:sys_enter_execve { }']);
      assert.is(e.stdout, 'tracepoint:syscalls:sys_enter_execve\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('-qe: clustered short flags (0.17 too); --output=FILE takes the output (v0.26 long form)', async () => {
    const q = await runScry(['-qe', 'BEGIN { printf("hi\\n"); exit(); }']);
    assert.is(q.code, 0, q.stderr);
    assert.is(q.stdout, 'hi\n\n\n');
    const dir = mkdtempSync(join(tmpdir(), 'scry-cli-'));
    try {
      const out = join(dir, 'out');
      const r = await runScry(['-e', 'BEGIN { printf("%s %d\\n", "SUCCESS", 1); exit(); }', `--output=${out}`]);
      assert.is(r.code, 0, r.stderr);
      assert.match(readFileSync(out, 'utf8'), /^SUCCESS 1\n/m);
      assert.not.match(r.stdout, 'SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--no-warnings after the program: warnf() and compile-time warnings are dropped (v0.26; 0.17 has the flag)', async () => {
    const prog = 'config = { log_size = 5 } BEGIN { warnf("no warn"); printf("ran\\n"); exit(); }';
    const loud = await runScry(['-q', '-e', prog]);
    assert.match(loud.stderr, 'config log_size has no effect in scry');
    assert.match(loud.stdout + loud.stderr, 'no warn');
    const r = await runScry(['-q', '-e', prog, '--no-warnings']);
    assert.is(r.code, 0);
    assert.is(r.stderr, '');
    assert.is(r.stdout, 'ran\n\n\n');
  });

  test('str() keeps max_strlen characters and marks a cut string with the trailer (v0.26; 0.17 kept 4 of 5, no mark)', async () => {
    const run = (prog: string, env: Record<string, string>) =>
      runScry(
        ['-q', '-c', '/bin/true', '-e', `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { ${prog} exit(); }`],
        env,
      );
    const both = 'printf("P: %s|\\n", str(args.filename)); print(str(args.filename));';
    const cut = await run(both, { BPFTRACE_MAX_STRLEN: '5' });
    assert.is(cut.code, 0, cut.stderr);
    assert.ok(cut.stdout.startsWith('P: /bin/..|\n/bin/..\n'), cut.stdout);
    const custom = await run(both, { BPFTRACE_MAX_STRLEN: '5', BPFTRACE_STR_TRUNC_TRAILER: '_xxx' });
    assert.ok(custom.stdout.startsWith('P: /bin/_xxx|\n/bin/_xxx\n'), custom.stdout);
    const none = await run(both, { BPFTRACE_MAX_STRLEN: '5', BPFTRACE_STR_TRUNC_TRAILER: '' });
    assert.ok(none.stdout.startsWith('P: /bin/|\n/bin/\n'), none.stdout);
    // fits: no mark; str(p, n) is n bytes with the NUL (v0.26 call.explicit string truncation), never marked
    const fits = await run('printf("%s|%s|\\n", str(args.filename), str(args.filename, 5));', {});
    assert.ok(fits.stdout.startsWith('/bin/true|/bin|\n'), fits.stdout);
  });

  test('BPFTRACE_MAX_CAT_BYTES limits cat() (v0.26 builtin.cat limited output)', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { cat("/proc/loadavg"); exit(); }'], { BPFTRACE_MAX_CAT_BYTES: '1' });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d\n\n$/);
  });

  test("BPFTRACE_STACK_MODE=raw sets kstack's mode and wins over config stack_mode (v0.26 config tests)", async () => {
    const prog = (cfg: string) =>
      `${cfg} tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s\\n", kstack(1)); exit(); }`;
    const raw = await runScry(['-q', '-c', '/bin/true', '-e', prog('config = { stack_mode = perf }')], {
      BPFTRACE_STACK_MODE: 'raw',
    });
    assert.is(raw.code, 0, raw.stderr);
    assert.match(raw.stdout, /^\n[0-9a-f]{16}\n/);
    const perf = await runScry(['-q', '-c', '/bin/true', '-e', prog('config = { STACK_MODE = perf }')]);
    assert.is(perf.code, 0, perf.stderr);
    // perf mode: the address, then the symbol
    assert.match(perf.stdout, /^\n\s*[0-9a-f]{16} \S+/);
  });
}

test.run();
