// CLOCK_BOOTTIME: the clock of a program's `nsecs` and `elapsed` (bpf_ktime_get_boot_ns, as in bpftrace), which
// counts the time the machine spent suspended where CLOCK_MONOTONIC (process.hrtime) does not.
import { native } from './native.ts';

const CLOCK_BOOTTIME = 7;

/** Nanoseconds since boot, suspended time included. */
export function bootTimeNs(): bigint {
  const ns = native().clockNs?.(CLOCK_BOOTTIME);
  if (typeof ns === 'bigint') return ns;
  // an addon built before clockNs: the monotonic clock, behind by the time spent suspended
  return process.hrtime.bigint();
}
