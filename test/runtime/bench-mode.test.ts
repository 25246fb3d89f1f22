// --mode bench (bpftrace v0.26): bench:NAME probes are XDP programs the session runs and times with
// BPF_PROG_TEST_RUN, in program order, after BEGIN and before END; what they print is dropped; the result
// prints as bpftrace v0.26's table (text) or benchmark_result lines (JSON). Without --mode bench they are not run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostKernelInfo, ScryRuntimeError, Session, type TraceEvent } from '../../runtime/index.ts';
import type { BenchmarkResult } from '../../runtime/events.ts';
import { benchmarkJson, benchmarkText } from '../../runtime/session-bench.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

function collect(withBenchmark: boolean) {
  const events: TraceEvent[] = [];
  const results: BenchmarkResult[] = [];
  return {
    events,
    results,
    sink: {
      event: (e: TraceEvent) => void events.push(e),
      end: () => undefined,
      ...(withBenchmark ? { benchmark: (r: BenchmarkResult) => void results.push(r) } : {}),
    },
  };
}

const text = (events: TraceEvent[]) =>
  events.map((e) => (e.kind === 'printf' ? e.text : e.kind === 'map' ? `map ${e.snapshot.layout.name}` : e.kind));

test('the text table and JSON lines are bpftrace v0.26 output', () => {
  const names = ['a', 'bb'];
  assert.is(
    benchmarkText({ names, index: 0, averageNs: 42, iterations: 1000 }),
    'Benchmark                                Time(ns)       Iterations\n' +
      '------------------------------------------------------------------\n' +
      'a                                        42             1000\n',
  );
  assert.is(
    benchmarkText({ names, index: 1, averageNs: 7, iterations: 20 }),
    'bb                                       7              20\n',
  );
  assert.is(
    benchmarkJson({ names, index: 1, averageNs: 7, iterations: 20 }),
    '{"type": "benchmark_result", "data": {"bb": {"average": 7, "iters": 20}}}\n',
  );
});

if (requireRoot('bench mode')) {
  test('bench probes run in order between BEGIN and END, their output dropped, each timed', async () => {
    const c = collect(true);
    const prog = compileText(
      'BEGIN { printf("begin\\n"); } bench:a { @a++; } bench:b { if (@b == 0) { printf("dropped\\n"); } @b++; } END { printf("end %d\\n", @b > 0); }',
      hostKernelInfo(),
    );
    const s = Session.start(prog, { sink: c.sink, bench: true });
    assert.is(await s.done, 0);
    assert.equal(
      c.results.map((r) => [r.names, r.index]),
      [
        [['a', 'b'], 0],
        [['a', 'b'], 1],
      ],
    );
    for (const r of c.results) {
      // a round lasts at least 1 ms, and the kernel's average is per run
      assert.ok(r.iterations >= 1 && r.averageNs * r.iterations >= 1e6, JSON.stringify(r));
    }
    // no banner, nothing printed by the bench probes, and no maps at the end (bpftrace v0.26 prints them at exit
    // only outside --bench and --test)
    assert.equal(text(c.events), ['begin\n', 'end 1\n']);
  });

  test('a sink without benchmark() gets the text table as printed output', async () => {
    const c = collect(false);
    const s = Session.start(compileText('bench:only { @x = count(); }', hostKernelInfo()), {
      sink: c.sink,
      bench: true,
    });
    assert.is(await s.done, 0);
    const lines = text(c.events).join('').split('\n');
    assert.match(lines[2]!, /^only {37}\d+ +\d+$/);
  });

  test('without --mode bench, bench probes do not run; alone they are refused', async () => {
    const c = collect(true);
    const s = Session.start(compileText('BEGIN { exit(); } bench:a { @a++; }', hostKernelInfo()), { sink: c.sink });
    assert.is(await s.done, 0);
    assert.equal(c.results, []);
    // the banner counts BEGIN alone, as bpftrace v0.26's does; @a was never written
    assert.equal(
      c.events.map((e) =>
        e.kind === 'attached' ? `attached ${e.probes}` : e.kind === 'map' ? e.snapshot.entries.length : e.kind,
      ),
      ['attached 1', 0],
    );
    assert.throws(
      () => Session.start(compileText('bench:a { @a++; }', hostKernelInfo()), { sink: collect(true).sink }),
      (e: unknown) => e instanceof ScryRuntimeError && /use --mode bench/.test(e.message),
    );
  });
}

test.run();
