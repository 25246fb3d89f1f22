// uprobe_multi links (BPF_TRACE_UPROBE_MULTI, Linux 6.6+): one program on many offsets of one file through
// one link, as bpftrace v0.26 attaches a uprobe wildcard. The program must be loaded for it
// (expected_attach_type), and a program loaded so cannot go on a perf event: whether the kernel has these
// links is decided once, before loading, by the probe below. Without them, every function gets its own
// perf event (./uprobe.ts).
import { encode, exit, mov64Imm, R0 } from '../../compiler/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import type { LoadedProgram } from '../loader.ts';
import { AttachType, linkCreate, OwnedFd, ProgType, progLoad, type SysError } from '../sys/index.ts';
import type { Attachment } from './types.ts';

/** BPF_F_UPROBE_MULTI_RETURN */
const RETURN = 1;

let supported: boolean | undefined;

/**
 * Whether this kernel makes uprobe_multi links: a program loaded for them, linked to "/" (no regular file),
 * gets EBADF from a kernel that has them and EINVAL (or a refused load) from one that does not.
 */
export function hasUprobeMulti(): boolean {
  if (supported !== undefined) return supported;
  let prog: OwnedFd | undefined;
  try {
    const insns = encode([mov64Imm(R0, 0), exit()]).bytes;
    prog = new OwnedFd(
      progLoad({ type: ProgType.KPROBE, insns, license: 'GPL', expectedAttachType: AttachType.TRACE_UPROBE_MULTI }),
      'uprobe_multi probe',
    );
    new OwnedFd(
      linkCreate({
        progFd: prog.fd,
        targetFd: 0,
        attachType: AttachType.TRACE_UPROBE_MULTI,
        uprobeMulti: { path: '/', offsets: [0n], flags: 0, pid: 0 },
      }),
      'uprobe_multi probe link',
    ).close();
    supported = true;
  } catch (e) {
    supported = (e as SysError).code === 'EBADF';
  } finally {
    prog?.close();
  }
  return supported;
}

/** For tests: ask the kernel again. */
export function resetUprobeMulti(): void {
  supported = undefined;
}

export interface UprobeMultiSpec {
  readonly path: string;
  /** file offsets of the functions */
  readonly offsets: readonly bigint[];
  readonly retprobe: boolean;
  /** the process to trace, or -1 for every process */
  readonly pid: number;
  /** e.g. 'uprobe:/bin/bash:read*', for messages */
  readonly description: string;
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
