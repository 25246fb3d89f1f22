// What this kernel can do, each answer from a small real look (not a version guess), cached.
import { existsSync } from 'node:fs';
import { tracefsRoot } from './kernel/tracefs.ts';

const cache = new Map<string, boolean>();

function cached(key: string, probe: () => boolean): boolean {
  let v = cache.get(key);
  if (v === undefined) {
    v = probe();
    cache.set(key, v);
  }
  return v;
}

/** kprobe PMU (Linux 4.17+): perf_event_open with the dynamic "kprobe" type. */
export function hasKprobePmu(): boolean {
  return cached('kprobe-pmu', () => existsSync('/sys/bus/event_source/devices/kprobe/type'));
}

/** Legacy tracefs kprobe_events; needs CONFIG_KPROBE_EVENTS. */
export function hasKprobeEvents(): boolean {
  return cached('kprobe-events', () => {
    try {
      return existsSync(`${tracefsRoot()}/kprobe_events`);
    } catch {
      return false;
    }
  });
}

export function hasKprobes(): boolean {
  return hasKprobePmu() || hasKprobeEvents();
}

export function resetFeatures(): void {
  cache.clear();
}
