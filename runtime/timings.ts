// Where a run's time goes, for `scry --timings` and SCRY_TIMINGS=1: named marks on one clock, nowMs() (process
// uptime), whose zero is when the process started: not performance.now(), whose first use loads perf_hooks (~2-4 ms
// of every start). Marks are few (start-up and shutdown steps, never per event), so they
// are always recorded (a mark costs a microsecond) and the CLI decides whether to print them.

export interface TimingMark {
  /** the step that ended at `at` */
  readonly name: string;
  /** milliseconds since the process started */
  readonly at: number;
}

/**
 * The marks, [step, ms]: the array bin/scry.cjs made under this global key, with its own steps in it (it cannot
 * import this module, and it reads the marks back to know how far a run went); a fresh one otherwise (tests, tsx).
 */
const LAUNCH_MARKS = Symbol.for('scry.launchMarks');
const shared = globalThis as { [LAUNCH_MARKS]?: [string, number][] };
const marks: [string, number][] = (shared[LAUNCH_MARKS] ??= []);

/** Milliseconds since the process started: the marks' clock, and a cheap one for deadlines. */
export function nowMs(): number {
  return process.uptime() * 1000;
}

/** Records that step `name` ends now. */
export function mark(name: string): void {
  marks.push([name, nowMs()]);
}

/** Every mark so far, oldest first: Node's own start-up, the launcher's, then this process's. */
export function timingMarks(): readonly TimingMark[] {
  return [
    // Node's own figure is on performance.now()'s clock, whose zero is a little earlier than uptime's
    { name: 'node start-up', at: performance.nodeTiming.bootstrapComplete - (performance.now() - nowMs()) },
    ...marks.map(([name, at]) => ({ name, at })),
  ];
}

/** The marks as the CLI prints them: each step's own time, when it ended, then CPU time and peak memory. */
export function timingsText(): string {
  const rows = timingMarks();
  const width = Math.max(...rows.map((r) => r.name.length), 12);
  const lines = ['--timings: step, its own ms, ms since the process started'];
  let prev = 0;
  for (const r of rows) {
    lines.push(`  ${r.name.padEnd(width)} ${(r.at - prev).toFixed(1).padStart(7)} ${r.at.toFixed(1).padStart(7)}`);
    prev = Math.max(prev, r.at);
  }
  const cpu = process.cpuUsage();
  const rss = process.resourceUsage().maxRSS / 1024;
  lines.push(
    `  cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms (user ${(cpu.user / 1000).toFixed(1)}, system ${(cpu.system / 1000).toFixed(1)}), peak rss ${rss.toFixed(1)} MB; process exit and the kernel's release of what is still open come after`,
  );
  return `${lines.join('\n')}\n`;
}
