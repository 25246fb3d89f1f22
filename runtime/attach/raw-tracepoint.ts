// rawtracepoint:event → BPF_RAW_TRACEPOINT_OPEN (Linux 4.17+): the program gets the tracepoint's raw
// arguments as u64s, without the perf record a tracepoint program sees. The link carries the cookie of a program
// that reads one (ProgramSpec.attachCookie: `probe` of a wildcard, Linux 6.10).
import type { ResolvedAttach, Span } from '../../lang/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import type { LoadedProgram } from '../loader.ts';
import { OwnedFd, rawTracepointOpen } from '../sys/index.ts';
import type { Attachment } from './types.ts';

type RawTracepoint = Extract<ResolvedAttach, { provider: 'rawtracepoint' }>;

export function attachRawTracepoint(p: LoadedProgram, a: RawTracepoint): Attachment {
  return openRawTracepoint(p, a.event, a.text, a.span);
}

/** The program on raw tracepoint `event`; `text` and `span` are the probe's as the user wrote it. */
export function openRawTracepoint(p: LoadedProgram, event: string, text: string, span: Span): Attachment {
  let link: OwnedFd;
  try {
    link = new OwnedFd(rawTracepointOpen(event, p.fd.fd, p.spec.attachCookie), `raw tracepoint ${event}`);
  } catch (e) {
    throw new ScryRuntimeError(
      `cannot attach ${text}: ${(e as Error).message}`,
      span,
      ['list tracepoints with: scry -l "tracepoint:*"'],
      { cause: e },
    );
  }
  return { description: text, close: () => link.close(), runsMayOutliveClose: true };
}
