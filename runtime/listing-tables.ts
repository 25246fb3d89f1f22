// Names for -l from the checker's tables (software and hardware perf events).
import { hardwareEvents, softwareEvents } from '../lang/check/perf-events.ts';

export function findPerfEventNames(kind: 'software' | 'hardware'): string[] {
  return (kind === 'software' ? softwareEvents : hardwareEvents).map((e) => e.name);
}
