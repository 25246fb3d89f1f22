// rawtracepoint:event → BPF_RAW_TRACEPOINT_OPEN (Linux 4.17+): the program gets the tracepoint's raw
// arguments as u64s, without the perf record a tracepoint program sees.
import type { ResolvedAttach } from '../../lang/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import type { LoadedProgram } from '../loader.ts';
import { OwnedFd, rawTracepointOpen } from '../sys/index.ts';
import type { Attachment } from './types.ts';

type RawTracepoint = Extract<ResolvedAttach, { provider: 'rawtracepoint' }>;

export function attachRawTracepoint(p: LoadedProgram, a: RawTracepoint): Attachment {
  let link: OwnedFd;
  try {
    link = new OwnedFd(rawTracepointOpen(a.event, p.fd.fd), `raw tracepoint ${a.event}`);
  } catch (e) {
    throw new ScryRuntimeError(
      `cannot attach ${a.text}: ${(e as Error).message}`,
      a.span,
      ['list tracepoints with: scry -l "tracepoint:*"'],
      { cause: e },
    );
  }
  return { description: a.text, close: () => link.close(), runsMayOutliveClose: true };
}
