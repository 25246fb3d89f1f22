// rawtracepoint:event: the kernel tracepoint itself, without the perf record. With the kernel's BTF for it
// (btf_trace_<event>) it loads as a BTF raw tracepoint (tp_btf) with typed `args`; otherwise arg0… are raw u64s.
import type { BtfParam } from '../btf.ts';
import { closest } from '../suggest.ts';
import { globRegExp, isGlob } from '../glob.ts';
import type { KernelInfo } from '../kernel.ts';
import { type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedRawTracepoint extends ResolvedBase {
  readonly provider: 'rawtracepoint';
  readonly event: string;
  /** the btf_trace_<event> typedef's id, when the kernel's BTF knows the tracepoint */
  readonly btfId?: number;
  readonly params?: readonly BtfParam[];
}

export const rawtracepoint: ProviderRow<ResolvedRawTracepoint> = {
  name: 'rawtracepoint',
  aliases: ['rt'],
  usage: 'rawtracepoint:[module:]event',
  reads: { argN: 'ctx', currentTask: true, memory: 'kernel' },
  context: (a) => ({
    ...(a.params ? { params: a.params } : {}),
    // raw_syscalls' events: a syscall's entry and exit, in the calling task with interrupts on
    ...(a.event === 'sys_enter' || a.event === 'sys_exit' ? { taskContext: true as const } : {}),
  }),
  resolve(r) {
    const { ap, kernel } = r;
    if (ap.parts.length < 1 || ap.parts.length > 2 || !ap.parts[ap.parts.length - 1])
      return r.bad('rawtracepoint needs an event');
    const event = ap.parts[ap.parts.length - 1]!;
    // rawtracepoint:module:event: the module must be loaded (its BTF is the kernel's word for that)
    const module = ap.parts.length === 2 ? ap.parts[0]! : undefined;
    if (module && module !== 'vmlinux' && !isGlob(module) && kernel.btf() && !kernel.moduleBtf(module))
      return r.missing(
        `no module '${module}' is loaded, so it has no raw tracepoint ${event}`,
        [`rawtracepoint:${event} looks in every module and the kernel`],
        false,
      );
    const btf = kernel.btf();
    // a name the BTF has is looked up alone: listing every btf_trace_* typedef costs ~9 ms of CPU
    const known = isGlob(event) ? undefined : btf?.rawTracepoint(event);
    const names = known ? [event] : rawTracepointNames(kernel);
    const hits = isGlob(event) ? names.filter((n) => globRegExp(event).test(n)) : names.includes(event) ? [event] : [];
    // without a module the event is looked for in every module: a pattern, as in bpftrace v0.26
    const pattern = isGlob(event) || module === undefined || isGlob(module);
    if (!hits.length)
      return r.missing(`no raw tracepoint matches ${event}`, rawTracepointHints(event, names, kernel), pattern);
    return hits.map((e) => {
      const tp = e === known?.name ? known : btf?.rawTracepoint(e);
      return {
        provider: 'rawtracepoint' as const,
        event: e,
        ...(tp ? { btfId: tp.id, params: tp.params } : {}),
        ...r.base,
        // named with the module, as bpftrace v0.26 names what it finds in BTF (its `probe`, its listing)
        text: `rawtracepoint:${btf ? `${module && !isGlob(module) ? module : 'vmlinux'}:` : ''}${e}`,
      };
    });
  },
};

/**
 * The raw tracepoints BPF_RAW_TRACEPOINT_OPEN accepts: with BTF, one `btf_trace_<name>` typedef per
 * tracepoint the kernel defines; without, the tracefs events other than syscall events (sys_enter_openat is
 * an event of the sys_enter tracepoint) and dynamic kprobe/uprobe events.
 */
function rawTracepointNames(kernel: KernelInfo): string[] {
  const btf = kernel.btf();
  if (btf) return btf.rawTracepointNames();
  const notTracepoints = new Set(['syscalls', 'ftrace', 'kprobes', 'uprobes']);
  return [
    ...new Set(
      kernel
        .tracepoints()
        .filter((t) => !notTracepoints.has(t.group))
        .map((t) => t.event),
    ),
  ];
}

/** What to try instead of a raw tracepoint that is not there: the syscall tracepoint it was named after. */
function rawTracepointHints(event: string, names: readonly string[], kernel: KernelInfo): string[] {
  const sys = /^sys_(enter|exit)_\w+$/.exec(event);
  if (sys && kernel.tracepoints().some((t) => t.group === 'syscalls' && t.event === event)) {
    return [
      `${event} is a syscall event, not a raw tracepoint: use tracepoint:syscalls:${event}, or rawtracepoint:sys_${sys[1]} (every syscall; the number is in its arguments)`,
    ];
  }
  const guess = isGlob(event) ? undefined : closest(event, [...names]);
  return [guess ? `did you mean 'rawtracepoint:${guess}'?` : `list them with: scry -l 'rawtracepoint:*'`];
}
