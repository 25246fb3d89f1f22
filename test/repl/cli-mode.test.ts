// --mode bench and --bench (bpftrace v0.26): the only mode scry has; the others bpftrace names are refused.
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

test("bpftrace's other modes and a second mode are refused", () => {
  const other = parseArgs(['--mode', 'test', '-e', 'BEGIN { }']);
  assert.ok(!other.ok && /--mode 'test' is not scry's/.test(other.message ?? ''), JSON.stringify(other));
  const twice = parseArgs(['--mode', 'bench', '--bench', '-e', 'BEGIN { }']);
  assert.ok(!twice.ok && /--bench conflicts with --mode/.test(twice.message ?? ''), JSON.stringify(twice));
});

test.run();
