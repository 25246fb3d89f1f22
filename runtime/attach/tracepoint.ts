// tracepoint:group:event → a perf tracepoint event with the program attached through a BPF link.
// One perf event on CPU 0 is enough: a tracepoint's BPF program runs on every CPU. A program the compiler
// made a raw tracepoint one (the same event without the perf record: lang/providers/tracepoint.ts) opens that.
import { close as closeAsync } from 'node:fs';
import { kernelProgType, type LoadedProgram } from '../loader.ts';
import type { ResolvedOf, Span } from '../../lang/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import { tracepointId } from '../kernel/tracefs.ts';
import {
  AttachType,
  OwnedFd,
  PerfType,
  linkCreate,
  native,
  perfEnable,
  perfEventOpen,
  perfQueryBpf,
  perfSetBpf,
  progInfo,
  SysError,
} from '../sys/index.ts';
import { openRawTracepoint } from './raw-tracepoint.ts';
import { handOffLink } from './hand-off.ts';
import type { Attachment } from './types.ts';

type Tracepoint = ResolvedOf<'tracepoint'>;

export function attachTracepoint(p: LoadedProgram, a: Tracepoint): Attachment {
  const { group, event } = a;
  if (a.raw) return openRawTracepoint(p, a.raw.event, a.text, a.span);
  const id = tracepointId(group, event);
  if (id === undefined)
    throw new ScryRuntimeError(`tracepoint ${group}:${event} does not exist on this kernel`, p.spec.attach.span, [
      `list them with: scry -l 'tracepoint:${group}:*'`,
    ]);
  return attachPerfEvent(
    p,
    { type: PerfType.TRACEPOINT, config: BigInt(id), samplePeriod: 1n, pid: -1, cpu: 0 },
    `tracepoint:${group}:${event}`,
    { inRcuReadSection: true },
  );
}

/**
 * Opens a perf event, attaches the program and enables it; closes the event if any step fails. The program
 * goes on through a BPF link (Linux 5.15), carrying the cookie of a program that reads it
 * (ProgramSpec.attachCookie: `probe` of a wildcard): closing the link detaches the program without the waits
 * of the event's own close, which retire() can leave to the kernel (hand-off.ts). A kernel without perf links
 * gets PERF_EVENT_IOC_SET_BPF, where only closing the event detaches.
 */
export function attachPerfEvent(
  p: LoadedProgram,
  attr: Parameters<typeof perfEventOpen>[0],
  description: string,
  opts: PerfAttachOptions = {},
): Attachment {
  let fd: OwnedFd | undefined;
  let link: OwnedFd | undefined;
  try {
    fd = new OwnedFd(perfEventOpen(attr), `perf ${description}`);
    const bpfCookie = opts.cookie ?? p.spec.attachCookie;
    try {
      link = new OwnedFd(
        linkCreate({ progFd: p.fd.fd, targetFd: fd.fd, attachType: AttachType.PERF_EVENT, bpfCookie }),
        `link ${description}`,
      );
    } catch (e) {
      if (bpfCookie !== undefined || !(e instanceof SysError) || !LINKLESS.has(e.errno)) throw e;
      perfSetBpf(fd.fd, p.fd.fd);
    }
    perfEnable(fd.fd);
  } catch (e) {
    link?.close();
    fd?.close();
    const hints = opts.hints?.((e as { code?: string }).code) ?? [];
    throw new ScryRuntimeError(
      `cannot attach ${description}: ${(e as Error).message}`,
      opts.span ?? p.spec.attach.span,
      hints,
      {
        cause: e,
      },
    );
  }
  // raw numbers from here on: release() hands them to a worker thread's close(2), which OwnedFd cannot
  const open: { link?: number; event?: number } = { link: link?.fd, event: fd.fd };
  const take = (which: 'link' | 'event'): number | undefined => {
    const n = open[which];
    open[which] = undefined;
    return n;
  };
  const closeLater = (n: number | undefined): Promise<void> =>
    // errors ignored: Linux releases an fd even when close(2) fails
    n === undefined ? Promise.resolve() : new Promise<void>((ok) => closeAsync(n, () => ok()));
  const close = () => {
    for (const n of [take('link'), take('event')]) if (n !== undefined) native().close(n);
  };
  if (!link) return { description, close, release: () => closeLater(take('event')) };
  const progType = kernelProgType(p.spec.progType);
  return {
    description,
    close,
    release: () => {
      const l = take('link');
      if (l === undefined) return Promise.resolve();
      // Closing the link waits out an RCU tasks-trace grace period, which only programs that may run outside
      // an RCU read-side section need (uprobes'). A tracepoint's or kprobe's program runs inside one
      // (trace_call_bpf), so its link can go to the kernel's workqueue: once the event's program list no
      // longer has the program, releaseAll's grace period covers any run still going.
      const e = open.event;
      if (opts.inRcuReadSection && e !== undefined) {
        const id = progInfo(p.fd.fd).id;
        if (attachedTo(e, id)) {
          const handed = handOffLink(l);
          if (handed === 'released') return whenDetached(e, id);
          if (handed === 'stuck') return Promise.resolve(); // warned: nothing here can detach it now
        }
      }
      return closeLater(l);
    },
    retire: (handOff) => {
      const n = take('event');
      return n !== undefined && handOff?.give(n, progType) ? Promise.resolve() : closeLater(n);
    },
  };
}

export interface PerfAttachOptions {
  /** the cookie this attachment carries, where it is not the program's own (one program on many functions) */
  readonly cookie?: bigint;
  /**
   * The kernel runs the program inside an RCU read-side section (trace_call_bpf: tracepoints, kprobes; not
   * uprobes), so an RCU grace period after the detach is enough to know no run is still going.
   */
  readonly inRcuReadSection?: boolean;
  /** where an attach error points (default: the program's attach point) */
  readonly span?: Span;
  /** hints for an attach error, by its errno name */
  readonly hints?: (code: string | undefined) => string[];
}

/**
 * Whether program `progId` is on the event's tracepoint; false when the kernel cannot say (QUERY_BPF answers
 * for PERF_TYPE_TRACEPOINT events only: a kprobe PMU event's link is closed by the caller then).
 */
function attachedTo(eventFd: number, progId: number): boolean {
  try {
    return perfQueryBpf(eventFd).includes(progId);
  } catch {
    return false;
  }
}

/** Resolves once program `progId` is off the event's tracepoint (the kernel's worker detaches it within ms). */
async function whenDetached(eventFd: number, progId: number): Promise<void> {
  while (attachedTo(eventFd, progId)) await new Promise((r) => setTimeout(r, 1));
}

/** linkCreate's errors on a kernel without perf-event links (before 5.15; ENOTSUPP is the kernel's own 524) */
const LINKLESS = new Set([22 /* EINVAL */, 95 /* EOPNOTSUPP */, 524 /* ENOTSUPP */]);
