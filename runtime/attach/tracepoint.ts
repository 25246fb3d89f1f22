// tracepoint:group:event → a perf tracepoint event with the program attached (PERF_EVENT_IOC_SET_BPF, or a BPF link
// when the program reads a cookie).
// One perf event on CPU 0 is enough: a tracepoint's BPF program runs on every CPU. A program the compiler
// made a tp_btf one (the same event without the perf record: lang/providers/tracepoint.ts) links instead.
import { close as closeAsync } from 'node:fs';
import type { LoadedProgram } from '../loader.ts';
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
  perfSetBpf,
} from '../sys/index.ts';
import { attachTracing } from './fentry.ts';
import type { Attachment } from './types.ts';

export function attachTracepoint(p: LoadedProgram, group: string, event: string): Attachment {
  const id = tracepointId(group, event);
  if (id === undefined)
    throw new ScryRuntimeError(`tracepoint ${group}:${event} does not exist on this kernel`, p.spec.attach.span, [
      `list them with: scry -l 'tracepoint:${group}:*'`,
    ]);
  if (p.spec.tracing) return attachTracing(p, `tracepoint:${group}:${event}`);
  return attachPerfEvent(
    p,
    { type: PerfType.TRACEPOINT, config: BigInt(id), samplePeriod: 1n, pid: -1, cpu: 0 },
    `tracepoint:${group}:${event}`,
  );
}

/**
 * Opens a perf event, attaches the program and enables it; closes the event if any step fails. A program that
 * reads its attachment's cookie (ProgramSpec.attachCookie: `probe` of a wildcard) goes on through a BPF link
 * carrying it (Linux 5.15), closed with the event.
 */
export function attachPerfEvent(
  p: LoadedProgram,
  attr: Parameters<typeof perfEventOpen>[0],
  description: string,
): Attachment {
  let fd: OwnedFd | undefined;
  let link: OwnedFd | undefined;
  try {
    fd = new OwnedFd(perfEventOpen(attr), `perf ${description}`);
    const bpfCookie = p.spec.attachCookie;
    if (bpfCookie === undefined) perfSetBpf(fd.fd, p.fd.fd);
    else
      link = new OwnedFd(
        linkCreate({ progFd: p.fd.fd, targetFd: fd.fd, attachType: AttachType.PERF_EVENT, bpfCookie }),
        `link ${description}`,
      );
    perfEnable(fd.fd);
  } catch (e) {
    link?.close();
    fd?.close();
    throw new ScryRuntimeError(`cannot attach ${description}: ${(e as Error).message}`, p.spec.attach.span, [], {
      cause: e,
    });
  }
  // raw numbers from here on: release() hands them to a worker thread's close(2), which OwnedFd cannot
  let open: number[] | undefined = link ? [link.fd, fd.fd] : [fd.fd];
  const take = (): number[] => {
    const n = open ?? [];
    open = undefined;
    return n;
  };
  return {
    description,
    close: () => {
      for (const n of take()) native().close(n);
    },
    release: () =>
      // errors ignored: Linux releases an fd even when close(2) fails; whichever of link and event closes last
      // releases the event (the link holds it)
      Promise.all(take().map((n) => new Promise<void>((ok) => closeAsync(n, () => ok())))).then(() => {}),
  };
}
