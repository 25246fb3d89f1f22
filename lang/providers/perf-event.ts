// software:event[:count] and hardware:event[:count]: perf counters that run the program every `count` events.
import { closest } from '../suggest.ts';
import { findPerfEvent, hardwareEvents, softwareEvents } from '../check/perf-events.ts';
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedPerfEvent extends ResolvedBase {
  readonly provider: 'software' | 'hardware';
  /** the event's canonical name and perf_event_attr.config */
  readonly event: string;
  readonly config: number;
  /** sample period: the program runs every `count` events */
  readonly count: number;
}

function perfEventRow(name: 'software' | 'hardware'): ProviderRow<ResolvedPerfEvent> {
  const table = name === 'software' ? softwareEvents : hardwareEvents;
  return {
    name,
    aliases: [name === 'software' ? 's' : 'h'],
    usage: `${name}:event[:count]`,
    reads: { currentTask: true, foreignTask: true },
    resolve(r) {
      const { ap } = r;
      if (ap.parts.length < 1 || ap.parts.length > 2) return r.bad(`${name} needs an event`);
      const ev = findPerfEvent(table, ap.parts[0]!);
      if (!ev) {
        const guess = closest(
          ap.parts[0]!,
          table.flatMap((e) => [e.name, ...e.aliases]),
        );
        return fail(r, `unknown ${name} event '${ap.parts[0]}'`, [
          guess ? `did you mean '${guess}'?` : `the events are ${table.map((e) => e.name).join(', ')}`,
        ]);
      }
      const countText = ap.parts[1];
      const count = countText === undefined ? ev.defaultCount : parseCount(countText);
      if (count === undefined) return r.bad(`invalid ${name} count '${countText}'`);
      // `probe` names the event as written and the count given, in decimal (software:cpu:100000; no count, none
      // shown: software:cpu-clock), as bpftrace v0.26's AttachPoint::name does
      const text = `${name}:${ap.parts[0]}${countText === undefined ? '' : `:${count}`}`;
      return [{ provider: name, event: ev.name, config: ev.config, count, ...r.base, text }];
    },
  };
}

export const software = perfEventRow('software');
export const hardware = perfEventRow('hardware');

/** A positive count: digits, or bpftrace's integer scientific form (1e6, 5e3). */
function parseCount(text: string): number | undefined {
  const m = /^(\d+)(?:e(\d+))?$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * 10 ** Number(m[2] ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
