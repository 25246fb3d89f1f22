// --mode bench/--bench and --mode test/--test (bpftrace v0.26): scry's modes; the others bpftrace names are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from '../../repl/cli-args.ts';

test('--mode bench, --mode=bench and --bench ask for bench mode; without them there is none', () => {
  for (const argv of [
    ['--mode', 'bench', '-e', 'bench:a { }'],
    ['--mode=bench', '-e', 'bench:a { }'],
    ['--bench', '-e', 'bench:a { }'],
  ]) {
    const p = parseArgs(argv);
    assert.ok(p.ok && p.opts.mode === 'bench', argv.join(' '));
  }
  const p = parseArgs(['-e', 'bench:a { }']);
  assert.ok(p.ok && p.opts.mode === undefined);
});

test('--mode test, --mode=test and --test ask for test mode', () => {
  for (const argv of [
    ['--mode', 'test', '-e', 'test:a { }'],
    ['--mode=test', '-e', 'test:a { }'],
    ['--test', '-e', 'test:a { }'],
  ]) {
    const p = parseArgs(argv);
    assert.ok(p.ok && p.opts.mode === 'test', argv.join(' '));
  }
});

test("bpftrace's other modes and a second mode are refused", () => {
  const other = parseArgs(['--mode', 'format', '-e', 'BEGIN { }']);
  assert.ok(!other.ok && /--mode 'format' is not scry's/.test(other.message ?? ''), JSON.stringify(other));
  const both = parseArgs(['--test', '--bench', '-e', 'BEGIN { }']);
  assert.ok(!both.ok && /--bench conflicts with --mode/.test(both.message ?? ''), JSON.stringify(both));
  const twice = parseArgs(['--mode', 'bench', '--bench', '-e', 'BEGIN { }']);
  assert.ok(!twice.ok && /--bench conflicts with --mode/.test(twice.message ?? ''), JSON.stringify(twice));
});

test.run();
