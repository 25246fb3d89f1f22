// Leaving the kernel's slow releases to the kernel. Closing the last perf event of a tracepoint costs its
// closer the tracepoint's unregistration (RCU waits: ~35-80 ms measured, one event at a time under the
// kernel's event_mutex), and closing a perf link an RCU tasks-trace grace period (~25-90 ms), even when
// nothing needs this process to wait. A link pinned in a bpffs and unpinned is released on the kernel's
// workqueue instead (bpf_link_put defers), with the perf event it holds: scry ends without those waits.
// A perf event alone cannot be pinned, so it is handed off inside a link carrying a program that does
// nothing (`r0 = 0`); no program, map or output of the session is involved.
import { statfsSync, unlinkSync } from 'node:fs';
import { encode, exit, mov64Imm, R0 } from '../../compiler/index.ts';
import { AttachType, detachedMount, OwnedFd, linkCreate, native, objPin, progLoad } from '../sys/index.ts';

const BPF_FS_MAGIC = 0xcafe4a11;
const SYSTEM_BPFFS = '/sys/fs/bpf';

/** Where the pins go: a bpffs of this process's own (`own`: its mount's fd) or the system's. */
interface PinPlace {
  readonly dir: string;
  readonly own?: number;
}

let place: PinPlace | null | undefined;
let pins = 0;
let given = 0;

/** Links (perf events inside one included) this process has handed to the kernel so far. */
export function linksHandedOff(): number {
  return given;
}

/**
 * A bpffs mounted nowhere, this process's own (fsmount: no other process sees the pins, none needs to be mounted
 * at /sys/fs/bpf, and closing its fd at the end of the stop releases what a failed unlink left); else the
 * system's at /sys/fs/bpf (a kernel before 5.2, or fsopen refused: no CAP_SYS_ADMIN, a container's seccomp).
 */
function pinPlace(): PinPlace | null {
  if (place === undefined) {
    try {
      const own = detachedMount('bpf');
      place = { dir: `/proc/self/fd/${own}`, own };
    } catch {
      place = systemBpffs() ? { dir: SYSTEM_BPFFS } : null;
    }
  }
  return place;
}

/** Whether the system's bpffs is mounted at /sys/fs/bpf (the fallback place for pins). */
export function systemBpffs(): boolean {
  try {
    return statfsSync(SYSTEM_BPFFS).type === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Closes this process's own bpffs, if one is open: it holds nothing between hand-offs (each pin goes at once), so a
 * stop lets it go rather than keep an fd open for the life of the process (a REPL's); the next makes another.
 */
export function closeHandOffMount(): void {
  if (place?.own !== undefined) {
    native().close(place.own);
    place = undefined;
  }
}

/** Whether handOffLink can work here (trying leaves nothing open). */
export function canHandOff(): boolean {
  const can = pinPlace() !== null;
  closeHandOffMount();
  return can;
}

/**
 * Gives the link `linkFd` to the kernel's workqueue to release, and closes this process's fd. 'released': the
 * kernel releases it now. 'kept': it could not be pinned, `linkFd` is still open for the caller to close.
 * 'stuck': pinned in the system's bpffs, but the pin could not be removed (said in a warning): the link stays
 * until someone removes the file.
 */
export function handOffLink(linkFd: number): 'released' | 'kept' | 'stuck' {
  const at = pinPlace();
  if (at === null) return 'kept';
  const path = `${at.dir}/scry-handoff-${process.pid}-${pins++}`;
  try {
    objPin(linkFd, path);
  } catch {
    return 'kept';
  }
  native().close(linkFd); // the pin holds the link now: this close waits for nothing
  given++;
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'released'; // someone else unpinned it
    if (at.own !== undefined) {
      closeHandOffMount(); // the whole mount goes instead, with what it holds; the next hand-off makes another
      return 'released';
    }
    process.emitWarning(`scry: could not remove ${path} (${(e as Error).message}); rm it to detach a probe`);
    return 'stuck';
  }
  return 'released';
}

/**
 * Hands perf events whose programs are detached to the kernel to close. One per stop: its idle programs (one
 * per program type: a perf event takes only its own kind) are loaded when first needed and closed by close(),
 * the handed-off links keeping them alive as long as they need.
 */
export class PerfEventHandOff {
  private readonly idle = new Map<number, OwnedFd>();

  /**
   * Gives the perf event `perfFd` to the kernel to close, and closes this process's fd: true when done. False
   * when it cannot be (no bpffs, a kernel without perf links, a program still on the event): `perfFd` is
   * still open then, for the caller to close.
   */
  give(perfFd: number, progType: number): boolean {
    if (pinPlace() === null) return false;
    let link: number;
    try {
      link = linkCreate({ progFd: this.idleProgram(progType), targetFd: perfFd, attachType: AttachType.PERF_EVENT });
    } catch {
      return false;
    }
    if (handOffLink(link) === 'kept') {
      native().close(link); // the event's last reference is still the caller's
      return false;
    }
    native().close(perfFd); // the handed-off link holds the event: this close waits for nothing
    return true;
  }

  close(): void {
    for (const p of this.idle.values()) p.close();
    this.idle.clear();
  }

  private idleProgram(progType: number): number {
    let p = this.idle.get(progType);
    if (!p) {
      const insns = encode([mov64Imm(R0, 0), exit()]).bytes;
      const fd = progLoad({ type: progType, insns, license: 'GPL', name: 'scry_handoff' });
      this.idle.set(progType, (p = new OwnedFd(fd, 'prog scry_handoff')));
    }
    return p.fd;
  }
}
