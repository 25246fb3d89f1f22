// Where a run's time goes, for `scry --timings` and SCRY_TIMINGS=1: named marks on one clock, nowMs() (process
// uptime), whose zero is when the process started: not performance.now(), whose first use loads perf_hooks (~2-4 ms
// of every start). Marks are few (start-up and shutdown steps, never per event), so they
// are always recorded (a mark costs a microsecond) and the CLI decides whether to print them.

export interface TimingMark {
  /** the step that ended at `at` */
  readonly name: string;
  /** milliseconds since the process started */
  readonly at: number;
  /** CPU milliseconds (user + system) the process had used by then; absent for Node's own start-up */
  readonly cpu?: number;
}

/**
 * The marks, [step, ms, CPU ms]: the array bin/scry.cjs made under this global key, with its own steps in it (it
 * cannot import this module, and it reads the marks back to know how far a run went); a fresh one otherwise
 * (tests, tsx).
 */
const LAUNCH_MARKS = Symbol.for('scry.launchMarks');
const shared = globalThis as { [LAUNCH_MARKS]?: [string, number, number][] };
const marks: [string, number, number][] = (shared[LAUNCH_MARKS] ??= []);

/** Milliseconds since the process started: the marks' clock, and a cheap one for deadlines. */
export function nowMs(): number {
  return process.uptime() * 1000;
}

/** CPU milliseconds (user + system, every thread) the process has used: one getrusage, ~1 us. */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** Records that step `name` ends now. */
export function mark(name: string): void {
  marks.push([name, nowMs(), cpuMs()]);
}

/** Every mark so far, oldest first: Node's own start-up, the launcher's, then this process's. */
export function timingMarks(): readonly TimingMark[] {
  return [
    // Node's own figure is on performance.now()'s clock, whose zero is a little earlier than uptime's
    { name: 'node start-up', at: performance.nodeTiming.bootstrapComplete - (performance.now() - nowMs()) },
    ...marks.map(([name, at, cpu]) => ({ name, at, cpu })),
  ];
}

/**
 * The marks as the CLI prints them: each step's own time, when it ended and the CPU time it used (a step can
 * wait without using any: the RCU grace period), then the whole CPU time and peak memory.
 */
export function timingsText(): string {
  const rows = timingMarks();
  const width = Math.max(...rows.map((r) => r.name.length), 12);
  const lines = [
    "--timings: step, its own ms, ms since the process started, its CPU ms (the first since the process started: Node's own start-up in it)",
  ];
  let prev = 0;
  let prevCpu = 0;
  for (const r of rows) {
    const cpu = r.cpu === undefined ? '' : ` ${(r.cpu - prevCpu).toFixed(1).padStart(7)}`;
    lines.push(
      `  ${r.name.padEnd(width)} ${(r.at - prev).toFixed(1).padStart(7)} ${r.at.toFixed(1).padStart(7)}${cpu}`,
    );
    prev = Math.max(prev, r.at);
    if (r.cpu !== undefined) prevCpu = Math.max(prevCpu, r.cpu);
  }
  const cpu = process.cpuUsage();
  const rss = process.resourceUsage().maxRSS / 1024;
  lines.push(
    `  cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms (user ${(cpu.user / 1000).toFixed(1)}, system ${(cpu.system / 1000).toFixed(1)}), peak rss ${rss.toFixed(1)} MB; process exit and the kernel's release of what is still open come after`,
  );
  return `${lines.join('\n')}\n`;
}
