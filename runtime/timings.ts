// Where a run's time goes, for `scry --timings` and SCRY_TIMINGS=1: named marks on one clock, performance.now(),
// whose zero is when the process started. Marks are few (start-up and shutdown steps, never per event), so they
// are always recorded (a mark costs a microsecond) and the CLI decides whether to print them.

export interface TimingMark {
  /** the step that ended at `at` */
  readonly name: string;
  /** milliseconds since the process started */
  readonly at: number;
}

/** Marks bin/scry.cjs made before the bundle ran (it cannot import this module), under this global key. */
const LAUNCH_MARKS = Symbol.for('scry.launchMarks');

const marks: TimingMark[] = [];

/** Records that step `name` ends now. */
export function mark(name: string): void {
  marks.push({ name, at: performance.now() });
}

/** Every mark so far, oldest first: Node's own start-up, the launcher's, then this process's. */
export function timingMarks(): readonly TimingMark[] {
  const t = performance.nodeTiming;
  const launch = ((globalThis as Record<symbol, unknown>)[LAUNCH_MARKS] ?? []) as [string, number][];
  return [{ name: 'node start-up', at: t.bootstrapComplete }, ...launch.map(([name, at]) => ({ name, at })), ...marks];
}

/** Forgets this process's marks (tests). */
export function resetTimings(): void {
  marks.length = 0;
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
