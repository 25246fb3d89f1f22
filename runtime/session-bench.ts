// --mode bench: each bench:NAME program is run with BPF_PROG_TEST_RUN, repeated until the runs together
// take a millisecond, and its average time a run is reported (bpftrace v0.26's schedule and output). The
// session throws away what the programs print meanwhile, as bpftrace does. --test: each test:NAME program runs
// once; what it printed is shown only when it failed.
import type { BenchmarkResult, TestResult } from './events.ts';
import { progTestRun } from './sys/index.ts';

/** ETH_HLEN: an XDP program's test run needs at least an Ethernet header of input (kernel 5.18+ checks). */
const PACKET = new Uint8Array(14);
export const TEST_PACKET = PACKET;

/**
 * Runs one benchmark program: 1 run, then more (×1000 under 1 µs in all, ×100 under 10 µs, ×10 under 100 µs,
 * ×2 under 1 ms) until a round takes at least 1 ms. `between` is called after each round (the session drops
 * the round's output there). undefined when the program returned non-zero: bpftrace's way to skip one.
 */
export function runBenchmark(fd: number, between: () => void): { averageNs: number; iterations: number } | undefined {
  let iterations = 1;
  for (;;) {
    const r = progTestRun(fd, { dataIn: PACKET, repeat: iterations });
    between();
    if (r.retval !== 0) return undefined;
    const totalNs = r.duration * iterations;
    const factor = totalNs < 1e3 ? 1000 : totalNs < 1e4 ? 100 : totalNs < 1e5 ? 10 : totalNs < 1e6 ? 2 : 1;
    if (factor === 1) return { averageNs: r.duration, iterations };
    iterations *= factor;
  }
}

/** bpftrace v0.26's text: a header before the first row, then `name  time  iterations` in fixed columns. */
export function benchmarkText(r: BenchmarkResult): string {
  const nameWidth = Math.max(40, ...r.names.map((n) => n.length)) + 1;
  const timeWidth = 15;
  let out = '';
  if (r.index === 0)
    out += `${'Benchmark'.padEnd(nameWidth)}${'Time(ns)'.padEnd(timeWidth)}Iterations\n${'-'.repeat(nameWidth + timeWidth + 10)}\n`;
  return `${out}${r.names[r.index]!.padEnd(nameWidth)}${String(r.averageNs).padEnd(timeWidth)}${r.iterations}\n`;
}

/** bpftrace v0.26's `-f json` line for one benchmark. */
export function benchmarkJson(r: BenchmarkResult): string {
  const name = JSON.stringify(r.names[r.index]!);
  return `{"type": "benchmark_result", "data": {${name}: {"average": ${r.averageNs}, "iters": ${r.iterations}}}}\n`;
}

const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const PLAIN = '\x1b[0m';

/** A duration in the largest unit it reaches (ns, us, ms, s), whole. */
function durationText(ns: number): string {
  for (const [unit, scale] of [
    ['s', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ] as const)
    if (ns >= scale) return `${Math.floor(ns / scale)} ${unit}`;
  return `${ns} ns`;
}

const tests = (n: number) => `${n} ${n === 1 ? 'test' : 'tests'}`;

/**
 * bpftrace v0.26's text for one test (gtest's shape, in colour as v0.26 prints it): a header before the first,
 * RUN, the output of a failed test, OK or FAILED with its time, and after the last a summary naming the failures.
 * (v0.26 prints the unit's scale where the time goes, "(1000 us)" for any time in microseconds; scry the time.)
 */
export function testText(r: Omit<TestResult, 'events'>, output: string): string {
  const name = r.names[r.index]!;
  const ok = r.passed[r.index]!;
  let out = r.index === 0 ? `${GREEN}[==========]${PLAIN} Running ${tests(r.names.length)}.\n` : '';
  out += `${GREEN}[ RUN      ]${PLAIN} ${name}\n`;
  if (!ok) for (const line of output.split('\n')) if (line) out += `${line}\n`;
  out += `${ok ? `${GREEN}[       OK ]` : `${RED}[  FAILED  ]`}${PLAIN} ${name} (${durationText(r.durationNs)})\n`;
  if (r.index === r.names.length - 1) {
    const failed = r.names.filter((_, i) => !r.passed[i]);
    out += `${GREEN}[==========]${PLAIN} ${tests(r.names.length)} ran.\n`;
    out += `${GREEN}[  PASSED  ]${PLAIN} ${tests(r.names.length - failed.length)}.\n`;
    if (failed.length) {
      out += `${RED}[  FAILED  ]${PLAIN} ${tests(failed.length)}, listed below:\n`;
      for (const f of failed) out += `${RED}[  FAILED  ]${PLAIN} ${f}\n`;
    }
  }
  return out;
}

/** bpftrace v0.26's `-f json` line for one test. */
export function testJson(r: Omit<TestResult, 'events'>, output: string): string {
  const data = `{"duration": ${r.durationNs}, "passed": ${r.passed[r.index]!}, "output": ${JSON.stringify(output)}}`;
  return `{"type": "test_result", "data": {${JSON.stringify(r.names[r.index]!)}: ${data}}}\n`;
}
