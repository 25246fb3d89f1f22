// Facts about the machine that syscall users need: page size and CPU sets.
import { readFileSync } from 'node:fs';
import { native } from './native.ts';

let page: number | undefined;

/** The page size: the addon's sysconf(), else AT_PAGESZ in /proc/self/auxv (Node does not expose it). */
export function pageSize(): number {
  page ??= native().pageSize;
  if (page === undefined) {
    const auxv = readFileSync('/proc/self/auxv');
    page = 4096;
    for (let off = 0; off + 16 <= auxv.length; off += 16) {
      const type = auxv.readBigUInt64LE(off);
      if (type === 0n) break; // AT_NULL
      if (type === 6n) {
        // AT_PAGESZ
        page = Number(auxv.readBigUInt64LE(off + 8));
        break;
      }
    }
  }
  return page;
}

/** Parses a kernel CPU list such as "0-3,5,7-8". */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-');
    const a = Number(lo);
    const b = hi === undefined ? a : Number(hi);
    if (!Number.isInteger(a) || !Number.isInteger(b)) throw new Error(`bad CPU list: ${list}`);
    for (let c = a; c <= b; c++) cpus.push(c);
  }
  return cpus;
}

let possible: number[] | undefined;

/** CPUs that may ever exist; per-CPU map values have one slot per possible CPU. */
export function possibleCpus(): readonly number[] {
  possible ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return possible;
}

/** CPUs online now (per-CPU perf events are opened on these). Not cached: CPUs come and go. */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}

/** One CPU's room for a value of a per-CPU map in what the kernel reads and writes: round_up(valueSize, 8). */
export function perCpuStride(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
}

/** Bytes of one user-space value buffer of a per-CPU map: round_up(valueSize, 8) per possible CPU. */
export function percpuValueSize(valueSize: number): number {
  return perCpuStride(valueSize) * possibleCpus().length;
}

const MEMBARRIER_CMD_GLOBAL = 1;

/**
 * Waits for an RCU grace period: membarrier(MEMBARRIER_CMD_GLOBAL) is synchronize_rcu(), so every BPF program
 * a probe had started before the call (they run inside RCU read-side sections) has returned when it does.
 * False, at once, when the kernel cannot vouch for that: one CPU online (the call returns without waiting),
 * nohz_full (EINVAL), or an addon without the call.
 */
export function rcuGracePeriod(): boolean {
  const membarrier = native().membarrier;
  if (!membarrier || onlineCpus().length < 2) return false;
  return membarrier(MEMBARRIER_CMD_GLOBAL, 0) === 0;
}
