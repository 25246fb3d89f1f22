// uprobe_multi links (BPF_TRACE_UPROBE_MULTI, Linux 6.6+): one program on many offsets of one file through
// one link, as bpftrace v0.26 attaches a uprobe wildcard. The program must be loaded for it
// (expected_attach_type), and a program loaded so cannot go on a perf event: whether the kernel has these
// links is decided once, before loading (features.ts, hasUprobeMulti). Without them, every function gets its own
// perf event (./uprobe.ts).
import { ScryRuntimeError } from '../errors.ts';
import type { LoadedProgram } from '../loader.ts';
import { AttachType, linkCreate, OwnedFd } from '../sys/index.ts';
import type { Attachment } from './types.ts';

/** BPF_F_UPROBE_MULTI_RETURN */
const RETURN = 1;

export interface UprobeMultiSpec {
  readonly path: string;
  /** file offsets of the functions */
  readonly offsets: readonly bigint[];
  readonly retprobe: boolean;
  /** the process to trace, or -1 for every process */
  readonly pid: number;
  /** e.g. 'uprobe:/bin/bash:read*', for messages */
  readonly description: string;
  /** a cookie for each offset, where the program reads one (`probe`) */
  readonly cookies?: readonly bigint[];
}

/** Attaches a program loaded for uprobe_multi to every offset of one file with one link. */
export function attachUprobeMulti(prog: LoadedProgram, spec: UprobeMultiSpec): Attachment {
  let fd: OwnedFd;
  try {
    fd = new OwnedFd(
      linkCreate({
        progFd: prog.fd.fd,
        targetFd: 0,
        attachType: AttachType.TRACE_UPROBE_MULTI,
        uprobeMulti: {
          path: spec.path,
          offsets: spec.offsets,
          flags: spec.retprobe ? RETURN : 0,
          pid: spec.pid >= 0 ? spec.pid : 0,
          ...(spec.cookies ? { cookies: spec.cookies } : {}),
        },
      }),
      `uprobe_multi ${spec.description}`,
    );
  } catch (e) {
    throw new ScryRuntimeError(
      `cannot attach ${spec.description} (${spec.offsets.length} functions, one uprobe_multi link): ${(e as Error).message}`,
      prog.spec.attach.span,
      [],
      { cause: e },
    );
  }
  const owned = fd;
  return { description: spec.description, close: () => owned.close() };
}
