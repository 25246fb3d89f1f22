// tracepoint:group:event: a tracefs event; `args` is its record, laid out by the event's format file.
import { closest } from '../suggest.ts';
import { globRegExp, isGlob } from '../glob.ts';
import type { KernelInfo, TracepointFormat } from '../kernel.ts';
import { type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedTracepoint extends ResolvedBase {
  readonly provider: 'tracepoint';
  readonly group: string;
  readonly event: string;
  readonly format?: TracepointFormat;
  /**
   * The same event as a BTF raw tracepoint (tp_btf, Linux 5.5+) whose context holds every readable field of
   * the record at the record's offset: the program runs there instead, without the perf record being built.
   * The user still sees the tracepoint (probe, listing, attach messages).
   */
  readonly raw?: { readonly event: string; readonly btfId: number };
}

/**
 * Tracepoints whose raw tracepoint hands the program the record's fields as they are. Measured 2026-12-04
 * (getuid/getgid C loop, medians of 10 interleaved runs, 2 cores under load): a filtered count on
 * raw_syscalls:sys_enter costs ~185 instead of ~227 ns per traced syscall and ~85 instead of ~140 ns per
 * other syscall (bpftrace 0.17: ~590 and ~160). Not syscalls:sys_enter_X: as a raw tracepoint each runs on
 * every syscall of the machine (+60-100 ns on each untraced one, +140-200 ns measured again on 2026-12-05, where
 * the perf event tests a bitmap, for -50 ns on the traced one), and its arguments sit in pt_regs, not in the context; nor raw_syscalls:sys_exit
 * (ret is the context's second u64, the record's third).
 */
const sameAsRaw: Readonly<Record<string, string>> = { 'raw_syscalls:sys_enter': 'sys_enter' };

/**
 * The raw tracepoint to run a tracepoint's program on, checked against this kernel rather than assumed: each
 * field scry can read (not the common ones, which tracepoint programs cannot read either) must be the BTF
 * argument at the same 8-byte slot of the context, by name and size.
 */
function rawStandIn(
  group: string,
  event: string,
  format: TracepointFormat,
  kernel: KernelInfo,
): ResolvedTracepoint['raw'] {
  const raw = sameAsRaw[`${group}:${event}`];
  const btf = raw ? kernel.btf() : undefined;
  const tp = raw ? btf?.rawTracepoint(raw) : undefined;
  if (!raw || !btf || !tp) return undefined;
  // params omit the typedef's leading `void *__data`: params[k] is the context's u64 number k
  const same = format.fields.every((f) => {
    // args.args (unsigned long[6]) is refused by the checker on either path
    if (f.common || /^(?:unsigned )?long ?\[\d+\]$/.test(f.type)) return true;
    const p = tp.params[f.offset / 8];
    return f.offset % 8 === 0 && f.size === 8 && p?.name === f.name && btf.sizeOf(p.type) === 8;
  });
  return same ? { event: raw, btfId: tp.id } : undefined;
}

function withRaw(group: string, event: string, format: TracepointFormat | undefined, kernel: KernelInfo) {
  const raw = format && rawStandIn(group, event, format, kernel);
  return raw ? { raw } : {};
}

export const tracepoint: ProviderRow<ResolvedTracepoint> = {
  name: 'tracepoint',
  aliases: ['t'],
  usage: 'tracepoint:group:event',
  reads: { currentTask: true, memory: 'kernel' },
  context: (a) => ({
    tracepoint: { group: a.group, event: a.event, ...(a.format ? { format: a.format } : {}) },
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
      return hits.map((t) => ({
        provider: 'tracepoint' as const,
        group: t.group,
        event: t.event,
        format: kernel.tracepointFormat(t.group, t.event),
        ...withRaw(t.group, t.event, kernel.tracepointFormat(t.group, t.event), kernel),
        ...r.base,
        text: `tracepoint:${t.group}:${t.event}`,
      }));
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
        ...withRaw(group, event, format, kernel),
        ...r.base,
        text: `tracepoint:${group}:${event}`,
      },
    ];
  },
};

/** A name that can be one directory entry (NAME_MAX is 255 bytes). */
function isFileName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && Buffer.byteLength(name) <= 255;
}
