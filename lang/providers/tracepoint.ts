// tracepoint:group:event: a tracefs event; `args` is its record, laid out by the event's format file.
import { closest } from '../suggest.ts';
import { globRegExp, isGlob } from '../glob.ts';
import type { TracepointFormat } from '../kernel.ts';
import { type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedTracepoint extends ResolvedBase {
  readonly provider: 'tracepoint';
  readonly group: string;
  readonly event: string;
  readonly format?: TracepointFormat;
  /**
   * The same event as a raw tracepoint (BPF_RAW_TRACEPOINT_OPEN, Linux 4.17) whose context holds every readable
   * field of the record at the record's offset: the program runs there instead, without the perf record being
   * built. The user still sees the tracepoint (probe, listing, attach messages).
   */
  readonly raw?: { readonly event: string };
}

/**
 * Tracepoints whose raw tracepoint hands the program the record's fields as they are, with the raw tracepoint's
 * arguments (its TP_PROTO, one u64 of the context each). Measured 2026-12-04 (getuid/getgid C loop, medians of
 * 10 interleaved runs, 2 cores under load): a filtered count on raw_syscalls:sys_enter costs ~185 instead of
 * ~227 ns per traced syscall and ~85 instead of ~140 ns per other syscall (bpftrace 0.17: ~590 and ~160). Not
 * syscalls:sys_enter_X: as a raw tracepoint each runs on every syscall of the machine (+60-100 ns on each untraced
 * one, +140-200 ns measured again on 2026-12-05, where the perf event tests a bitmap, for -50 ns on the traced
 * one), and its arguments sit in pt_regs, not in the context; nor raw_syscalls:sys_exit (ret is the context's
 * second u64, the record's third).
 * sys_enter is `TP_PROTO(struct pt_regs *regs, long id)` (include/trace/events/syscalls.h), as it has been since
 * the tracepoint was added (2.6.33); the kernel refuses at attach a program that reads beyond its arguments. Taken
 * from here rather than from the kernel's BTF (btf_trace_sys_enter), whose reading and indexing cost ~20 ms of
 * CPU at every start of a script that traces it.
 */
const sameAsRaw: Readonly<Record<string, { readonly event: string; readonly args: readonly string[] }>> = {
  'raw_syscalls:sys_enter': { event: 'sys_enter', args: ['regs', 'id'] },
};

/**
 * The raw tracepoint to run a tracepoint's program on, where the format file agrees: each field scry can read
 * (not the common ones, which the checker refuses, as tracepoint programs cannot read them) must be the raw
 * tracepoint's argument of that name, in the 8-byte slot of the context at the record's offset.
 */
function rawStandIn(group: string, event: string, format: TracepointFormat): ResolvedTracepoint['raw'] {
  const raw = sameAsRaw[`${group}:${event}`];
  if (!raw) return undefined;
  const same = format.fields.every((f) => {
    // args.args (unsigned long[6]) is not in the raw context: a probe that reads it runs as the perf event (check/index.ts)
    if (f.common || /^(?:unsigned )?long ?\[\d+\]$/.test(f.type)) return true;
    return f.offset % 8 === 0 && f.size === 8 && raw.args[f.offset / 8] === f.name;
  });
  return same ? { event: raw.event } : undefined;
}

function withRaw(group: string, event: string, format: TracepointFormat | undefined) {
  const raw = format && rawStandIn(group, event, format);
  return raw ? { raw } : {};
}

export const tracepoint: ProviderRow<ResolvedTracepoint> = {
  name: 'tracepoint',
  aliases: ['t'],
  usage: 'tracepoint:group:event',
  reads: { currentTask: true, memory: 'kernel' },
  context: (a) => ({
    tracepoint: {
      group: a.group,
      event: a.event,
      get format() {
        return a.format; // read when first asked for (withFormatWhenRead)
      },
    },
    // a syscall's entry and exit run in the calling task with interrupts on
    ...(a.group === 'syscalls' || a.group === 'raw_syscalls' ? { taskContext: true as const } : {}),
  }),
  resolve(r) {
    const { ap, kernel } = r;
    if (ap.parts.length !== 2 || !ap.parts[0] || !ap.parts[1]) return r.bad('tracepoint needs a group and an event');
    const [group, event] = ap.parts as [string, string];
    if (isGlob(group) || isGlob(event)) {
      const g = globRegExp(group);
      const e = globRegExp(event);
      const hits = kernel.tracepoints().filter((t) => g.test(t.group) && e.test(t.event));
      if (!hits.length)
        return r.missing(`no tracepoint matches ${ap.raw}`, ['list them with: scry -l "tracepoint:*"'], true);
      return hits.map((t) => {
        const point = {
          provider: 'tracepoint' as const,
          group: t.group,
          event: t.event,
          ...(sameAsRaw[`${t.group}:${t.event}`]
            ? withRaw(t.group, t.event, kernel.tracepointFormat(t.group, t.event))
            : {}),
          ...r.base,
          text: `tracepoint:${t.group}:${t.event}`,
        };
        return withFormatWhenRead(point, () => kernel.tracepointFormat(t.group, t.event));
      });
    }
    // names that cannot be a tracefs directory are unknown without asking (ENAMETOOLONG, `..`)
    const format = isFileName(group) && isFileName(event) ? kernel.tracepointFormat(group, event) : undefined;
    if (!format) {
      const all = kernel.tracepoints();
      const guess = closest(
        `${group}:${event}`,
        all.map((t) => `${t.group}:${t.event}`),
      );
      return r.missing(
        `unknown tracepoint ${group}:${event}`,
        guess ? [`did you mean 'tracepoint:${guess}'?`] : [`list them with: scry -l "tracepoint:${group}:*"`],
        false,
      );
    }
    return [
      {
        provider: 'tracepoint',
        group,
        event,
        format,
        ...withRaw(group, event, format),
        ...r.base,
        text: `tracepoint:${group}:${event}`,
      },
    ];
  },
};

/**
 * A wildcard's match, its format read from tracefs when something first reads it (`args`, the raw stand-in):
 * reading a format file takes the kernel's event_mutex, which the kernel holds across an RCU grace period for each
 * perf tracepoint event it releases (~12 s after a wildcard over ~350 syscalls), and the check step of
 * `tracepoint:syscalls:sys_enter_* { @[probe] = count(); }` waited 150-670 ms for 360 files it never used. The
 * runtime attaches by the event's id, a file of its own (runtime/kernel/tracefs.ts tracepointId).
 */
function withFormatWhenRead(
  point: Omit<ResolvedTracepoint, 'format'>,
  read: () => TracepointFormat | undefined,
): ResolvedTracepoint {
  let format: { value: TracepointFormat | undefined } | undefined;
  return Object.defineProperty(point, 'format', {
    enumerable: true,
    get: () => (format ??= { value: read() }).value,
  }) as ResolvedTracepoint;
}

/** A name that can be one directory entry (NAME_MAX is 255 bytes). */
function isFileName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && Buffer.byteLength(name) <= 255;
}
