// The command line parser (repl/cli-args.ts) on its own: no root, no processes. Pins bpftrace v0.26's
// getopt-style spelling (bpftrace 0.17 shares the short flags, -qe included, and has --no-warnings; the long
// forms --pid/--cmd/--output/--list/--quiet/--verbose/--warnings and the pid wording are v0.26's).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs, type CliOptions, type Parsed } from '../../repl/cli-args.ts';

function opts(argv: string[]): CliOptions {
  const p = parseArgs(argv);
  if (!p.ok) throw new Error(`refused: ${p.message ?? p.out}`);
  return p.opts;
}

function refused(argv: string[]): Extract<Parsed, { ok: false }> {
  const p = parseArgs(argv);
  if (p.ok) throw new Error(`accepted ${argv.join(' ')}`);
  return p;
}

test('short flags cluster: -qe takes the program from the next word, -lv lists verbosely, -kk is two -k', () => {
  const o = opts(['-qe', 'BEGIN { exit(); }']);
  assert.is(o.quiet, true);
  assert.is(o.program, 'BEGIN { exit(); }');
  const l = opts(['-lv', 'tracepoint:syscalls:*']);
  assert.is(l.list, true);
  assert.is(l.verbose, true);
  assert.is(l.listArg, 'tracepoint:syscalls:*');
  // bpftrace v0.26: -k is level 2 (reads and lookups too; level 1 is the default), -kk is refused as deprecated
  assert.is(opts(['-k', '-e', 'x']).helperErrors, 2);
  assert.match(refused(['-kk', '-e', 'x']).message ?? '', '-kk has been deprecated');
});

test('a value flag takes the rest of its word: -p123, -I/dir, -fjson, -qp 5', () => {
  assert.is(opts(['-p123', '-e', 'x']).pid, 123);
  assert.equal(opts(['-I/usr/local/include', '-I', 'inc', '-e', 'x']).includeDirs, ['/usr/local/include', 'inc']);
  assert.is(opts(['-fjson', '-e', 'x']).format, 'json');
  const o = opts(['-qp', '5', '-e', 'x']);
  assert.is(o.quiet, true);
  assert.is(o.pid, 5);
});

test('long options, with the value as the next word or after =', () => {
  const o = opts([
    '--pid',
    '42',
    '--output=/tmp/out',
    '--quiet',
    '--include',
    'a.h',
    '--include=b.h',
    '--no-warnings',
    '-e',
    'x',
  ]);
  assert.is(o.pid, 42);
  assert.is(o.output, '/tmp/out');
  assert.is(o.quiet, true);
  assert.equal(o.includeFiles, ['a.h', 'b.h']);
  assert.is(o.noWarnings, true);
  assert.is(opts(['--cmd', 'sleep 1', '-e', 'x']).command, 'sleep 1');
  assert.is(opts(['--list']).list, true);
  assert.is(opts(['--verbose', '-l']).verbose, true);
  assert.is(opts(['--warnings', '-e', 'x']).helperErrors, 2);
  assert.equal(opts(['--debug', 'ast,bytecode', '-e', 'x']).debug, ['ast', 'bytecode']);
  // accepted and nothing to do: scry activates USDT semaphores by file always; no LLVM to verify; BTF always
  assert.ok(opts(['--usdt-file-activation', '--verify-llvm-ir', '-b', '--btf', '-e', 'x']));
});

test('options may follow the program file; the rest are positional parameters; -- ends options', () => {
  const o = opts(['script.bt', '--no-warnings', 'one', '-q', 'two']);
  assert.is(o.file, 'script.bt');
  assert.is(o.noWarnings, true);
  assert.is(o.quiet, true);
  assert.equal(o.args, ['one', 'two']);
  // after --, `--name[=value]` is a named parameter for getopt() (bpftrace v0.26), not a positional one
  const d = opts(['-e', 'x', '--', '-5', '--flag', 'two', '--n=0x10', '--s=a=b']);
  assert.equal(d.args, ['-5', 'two']);
  assert.equal(
    [...d.namedArgs],
    [
      ['flag', true],
      ['n', '0x10'],
      ['s', 'a=b'],
    ],
  );
  assert.is(opts(['-']).file, '-');
});

test('-l takes at most one search pattern or file', () => {
  assert.is(opts(['-l']).listArg, undefined);
  assert.is(opts(['-l', 'x.bt']).listArg, 'x.bt');
  assert.ok(refused(['-l', 'a', 'b']).usage);
});

test('--version: bpftrace vX first (scripts read it), then scry', () => {
  const v = refused(['--version']);
  assert.is(v.exit, 0);
  assert.match(v.out!, /^bpftrace v\d+\.\d+\.\d+-compatible \(scry v\d+\.\d+\.\d+\)\n$/);
  assert.is(refused(['-V']).out, v.out);
  assert.match(refused(['-h']).out!, /^USAGE:\n/);
});

test('an unknown option is refused with the short usage', () => {
  const r = refused(['-idonotexist']);
  assert.is(r.exit, 1);
  assert.is(r.message, 'unknown option -idonotexist');
  assert.ok(r.usage);
  assert.is(refused(['-qz']).message, 'unknown option -z (in -qz)');
  assert.is(refused(['--frob=1']).message, 'unknown option --frob');
  assert.is(refused(['--quiet=yes']).message, 'option --quiet takes no value');
  assert.is(refused(['-e']).message, 'option -e needs a value');
});

test("pids are checked in bpftrace v0.26's words", () => {
  assert.is(refused(['-p', 'a1111', 'file.bt']).message, 'Failed to parse pid: invalid integer: a1111');
  assert.is(refused(['-p', '111a1', 'file.bt']).message, 'Failed to parse pid: invalid trailing bytes: 111a1');
  assert.is(refused(['-p', 'not_a_pid', 'file.bt']).message, 'Failed to parse pid: invalid integer: not_a_pid');
  assert.is(refused(['--pid', '5000000', 'file.bt']).message, 'Pid out of range: 5000000');
  assert.is(refused(['-p', '0', '-e', 'x']).message, 'Pid out of range: 0');
  assert.is(opts(['-p', '4194304', '-e', 'x']).pid, 4194304);
  assert.is(refused(['-p', '1', '-c', 'true', '-e', 'x']).message, 'Cannot use both -c and -p.');
});

test("-f and -k/--no-warnings mistakes in bpftrace v0.26's words", () => {
  const f = refused(['-q', '-f', 'jsonx', '-e', 'x']);
  assert.is(f.message, 'Invalid output format "jsonx"');
  assert.equal(f.hints, ["Valid formats: 'text', 'json'"]);
  assert.is(refused(['-k', '--no-warnings', '-e', 'x']).message, '-k, --warnings conflicts with --no-warnings');
  assert.is(refused(['--no-warnings', '-k', '-e', 'x']).message, '-k, --warnings conflicts with --no-warnings');
});

test.run();
