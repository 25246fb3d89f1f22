// scry --mode bench through the CLI, as bpftrace v0.26 prints it: the table on stdout in text mode,
// one benchmark_result line in JSON (the sinks' benchmark(); the session's own tests: runtime/bench-mode).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const PROGRAM =
  'BEGIN { printf("begin\\n"); } bench:first { @n = count(); } bench:second { } END { printf("end\\n"); }';

if (requireRoot('e2e bench mode')) {
  test('text: BEGIN, the table with one row per bench probe in program order, END; no maps (bpftrace v0.26)', async () => {
    const r = await runScry(['-q', '--mode', 'bench', '-e', PROGRAM]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^begin\nBenchmark +Time\(ns\) +Iterations\n-+\nfirst +\d+ +\d+\nsecond +\d+ +\d+\nend\n$/);
  });

  test('-f json: one benchmark_result line per bench probe, in program order, with its average and iterations', async () => {
    const r = await runScry(['-q', '-f', 'json', '--bench', '-e', PROGRAM]);
    assert.is(r.code, 0, r.stderr);
    const results = r.stdout
      .split('\n')
      .filter((l) => l.includes('benchmark_result'))
      .map((l) => JSON.parse(l).data as Record<string, { average: number; iters: number }>);
    assert.equal(
      results.map((d) => Object.keys(d)),
      [['first'], ['second']],
      r.stdout,
    );
    for (const d of results) for (const v of Object.values(d)) assert.ok(v.average > 0 && v.iters > 0, r.stdout);
    assert.match(r.stdout, /^{"type": "printf", "data": "begin\\n"}\n/);
  });
}

test.run();
