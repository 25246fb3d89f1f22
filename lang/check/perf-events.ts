// The events software: and hardware: probes name (perf_event_attr.config values from the kernel's uapi
// perf_event.h), with bpftrace's aliases and default sample periods.

export interface PerfEventInfo {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly config: number;
  /** sample every this many events when the probe gives no count */
  readonly defaultCount: number;
}

export const softwareEvents: readonly PerfEventInfo[] = [
  { name: 'cpu-clock', aliases: ['cpu'], config: 0, defaultCount: 1_000_000 },
  { name: 'task-clock', aliases: [], config: 1, defaultCount: 1_000_000 },
  { name: 'page-faults', aliases: ['faults'], config: 2, defaultCount: 100 },
  { name: 'context-switches', aliases: ['cs'], config: 3, defaultCount: 1000 },
  { name: 'cpu-migrations', aliases: [], config: 4, defaultCount: 1 },
  { name: 'minor-faults', aliases: [], config: 5, defaultCount: 100 },
  { name: 'major-faults', aliases: [], config: 6, defaultCount: 1 },
  { name: 'alignment-faults', aliases: [], config: 7, defaultCount: 1 },
  { name: 'emulation-faults', aliases: [], config: 8, defaultCount: 1 },
  { name: 'dummy', aliases: [], config: 9, defaultCount: 1 },
  { name: 'bpf-output', aliases: [], config: 10, defaultCount: 1 },
];

export const hardwareEvents: readonly PerfEventInfo[] = [
  { name: 'cpu-cycles', aliases: ['cycles'], config: 0, defaultCount: 1_000_000 },
  { name: 'instructions', aliases: [], config: 1, defaultCount: 1_000_000 },
  { name: 'cache-references', aliases: [], config: 2, defaultCount: 1_000_000 },
  { name: 'cache-misses', aliases: [], config: 3, defaultCount: 1_000_000 },
  { name: 'branch-instructions', aliases: ['branches'], config: 4, defaultCount: 100_000 },
  { name: 'branch-misses', aliases: [], config: 5, defaultCount: 100_000 },
  { name: 'bus-cycles', aliases: [], config: 6, defaultCount: 100_000 },
  { name: 'frontend-stalls', aliases: [], config: 7, defaultCount: 1_000_000 },
  { name: 'backend-stalls', aliases: [], config: 8, defaultCount: 1_000_000 },
  { name: 'ref-cycles', aliases: [], config: 9, defaultCount: 1_000_000 },
];

export function findPerfEvent(table: readonly PerfEventInfo[], name: string): PerfEventInfo | undefined {
  return table.find((e) => e.name === name || e.aliases.includes(name));
}
