// --timings and SCRY_TIMINGS=1 (issue 15 item 3): the steps of a run on stderr at exit, in order, with stdout
// exactly what it is without them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const PROGRAM = 'tracepoint:syscalls:sys_enter_mkdir { @[pid] = count(); } BEGIN { printf("hi\\n"); exit(); }';
const STEPS = [
  'node start-up',
  'load bin/scry.cjs',
  'read bundle and code cache',
  'compile bundle',
  'modules (top level)',
  'arguments',
  'parse',
  'check',
  'compile',
  'create 4 maps',
  'load tracepoint:syscalls:sys_enter_mkdir',
  'load BEGIN',
  'BEGIN',
  'attach',
  'run',
  'detach',
  'RCU grace period',
  'close perf events',
  'END, final maps',
  'close',
  'exit',
];

/** The step names of a --timings report, and its rows' numbers (cpu: undefined where the row has none). */
function report(stderr: string): { steps: string[]; own: number[]; at: number[]; cpu: (number | undefined)[] } {
  const rows = stderr
    .split('\n')
    .map((l) => /^ {2}(.+?) +(-?\d+\.\d) +(\d+\.\d)(?: +(-?\d+\.\d))?$/.exec(l))
    .filter((m) => m !== null);
  return {
    steps: rows.map((m) => m[1]!),
    own: rows.map((m) => Number(m[2])),
    at: rows.map((m) => Number(m[3])),
    cpu: rows.map((m) => (m[4] === undefined ? undefined : Number(m[4]))),
  };
}

if (requireTracepoint('--timings', 'syscalls/sys_enter_mkdir')) {
  test('--timings: every step in order, on stderr; stdout as without it', async () => {
    const plain = await runScry(['-q', '-e', PROGRAM]);
    const timed = await runScry(['-q', '--timings', '-e', PROGRAM]);
    assert.is(timed.code, 0);
    assert.is(timed.stdout, plain.stdout);
    assert.is(plain.stderr, '');
    const r = report(timed.stderr);
    // the second run of the same text: its parse and optimized code were kept by the first (see below)
    assert.equal(
      r.steps.filter((s) => s !== 'macros, parameters'),
      STEPS.map((s) => (s === 'parse' || s === 'compile' ? `${s} (kept)` : s)),
    );
    assert.ok(r.own.every((ms) => ms >= 0));
    assert.ok(
      r.at.every((ms, i) => i === 0 || ms >= r.at[i - 1]!),
      'times never go back',
    );
    const total = /\n {2}cpu (\d+\.\d) ms \(user \d+\.\d, system \d+\.\d\), peak rss \d+\.\d MB/.exec(timed.stderr);
    assert.ok(total, timed.stderr);
    // each step's CPU time but Node's own start-up's (counted in the launcher's first step): never negative, and
    // together no more than the process's, read after the last step
    assert.is(r.cpu[0], undefined);
    assert.ok(
      r.cpu.slice(1).every((ms) => ms !== undefined && ms >= 0),
      r.cpu.join(' '),
    );
    const sum = r.cpu.slice(1).reduce((a: number, ms) => a + ms!, 0);
    assert.ok(sum > 0 && sum <= Number(total[1]) + 0.05 * r.cpu.length, `${sum} against ${total[1]}`);
  });

  test('a new text is parsed and optimized (parse, compile); run again, both come from the kept texts', async () => {
    // bin/scry.cjs makes these steps of their own, so its code cache covers the parser and the optimizer
    // a constant of its own: the optimizer's input is new too (its results are kept by that input, not the text)
    const pid = 1 + Math.floor(Math.random() * 2 ** 31);
    const text = `tracepoint:syscalls:sys_enter_mkdir /pid != ${pid}/ { @[pid] = count(); } BEGIN { exit(); }`;
    const stages = async () => {
      const r = await runScry(['-q', '--timings', '-e', text]);
      assert.is(r.code, 0, r.stderr);
      return report(r.stderr).steps.filter((s) => /^(parse|compile)( \(kept\))?$/.test(s));
    };
    assert.equal(await stages(), ['parse', 'compile']);
    assert.equal(await stages(), ['parse (kept)', 'compile (kept)']);
  });

  test('a raw tracepoint program waits for an RCU grace period after its link closes, before END', async () => {
    // the kernel frees raw tracepoint links without waiting for the runs already going (runtime/attach/types.ts)
    const r = await runScry([
      '-q',
      '--timings',
      '-e',
      'tracepoint:raw_syscalls:sys_enter { @n = count(); } BEGIN { exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    const steps = report(r.stderr).steps;
    const at = (s: string) => steps.indexOf(s);
    assert.ok(at('detach') >= 0 && at('RCU grace period') === at('detach') + 1, steps.join(', '));
    assert.ok(at('RCU grace period') < at('END, final maps'));
    assert.not.ok(steps.includes('close perf events'), 'no perf event to close');
  });

  test('SCRY_TIMINGS=1 does the same; without either, no report', async () => {
    const env = await runScry(['-q', '-e', PROGRAM], { SCRY_TIMINGS: '1' });
    assert.is(env.code, 0);
    assert.ok(report(env.stderr).steps.includes('attach'));
    const none = await runScry(['-q', '-e', PROGRAM], { SCRY_TIMINGS: '0' });
    assert.is(none.stderr, '');
  });
}

test.run();
