// Closing the last perf event of a tracepoint or probe costs its closer the kernel's RCU waits (tracepoint
// unregistration: ~35-80 ms measured, one event at a time under the kernel's event_mutex), even once its
// program is detached. A perf event handed off here is closed by a kernel worker instead, so that scry can
// end without that wait: a link is the one object that holds a perf event and can be pinned, and a link
// unpinned from bpffs is released on the kernel's workqueue (bpf_link_put defers), the event with it. The
// link carries a program that does nothing (`r0 = 0`); no program, map or output of the session is involved.
import { statfsSync, unlinkSync } from 'node:fs';
import { AttachType, OwnedFd, linkCreate, native, objPin, progLoad } from '../sys/index.ts';

const BPF_FS_MAGIC = 0xcafe4a11;
const BPFFS = '/sys/fs/bpf';
const IDLE_PROGRAM = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]); // r0 = 0; exit

let bpffs: string | null | undefined;
let pins = 0;
let given = 0;

/** Perf events this process has handed to the kernel so far. */
export function perfEventsHandedOff(): number {
  return given;
}

function bpffsDir(): string | null {
  if (bpffs === undefined) {
    try {
      bpffs = statfsSync(BPFFS).type === BPF_FS_MAGIC ? BPFFS : null;
    } catch {
      bpffs = null;
    }
  }
  return bpffs;
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
   * when it cannot be (no bpffs at /sys/fs/bpf, a kernel without perf links): `perfFd` is still open then, for
   * the caller to close.
   */
  give(perfFd: number, progType: number): boolean {
    const dir = bpffsDir();
    if (dir === null) return false;
    let link: number;
    try {
      link = linkCreate({ progFd: this.idleProgram(progType), targetFd: perfFd, attachType: AttachType.PERF_EVENT });
    } catch {
      return false;
    }
    const path = `${dir}/scry-handoff-${process.pid}-${pins++}`;
    try {
      objPin(link, path);
    } catch {
      native().close(link); // the event's last reference is still the caller's
      return false;
    }
    // the pin holds the link, the link the event: these closes wait for nothing
    native().close(link);
    native().close(perfFd);
    given++;
    try {
      unlinkSync(path);
    } catch {
      // left pinned: the event stays open until the file is removed; say where
      process.emitWarning(`scry: could not remove ${path}; rm it to release a perf event`);
    }
    return true;
  }

  close(): void {
    for (const p of this.idle.values()) p.close();
    this.idle.clear();
  }

  private idleProgram(progType: number): number {
    let p = this.idle.get(progType);
    if (!p) {
      const fd = progLoad({ type: progType, insns: IDLE_PROGRAM, license: 'GPL', name: 'scry_handoff' });
      this.idle.set(progType, (p = new OwnedFd(fd, 'prog scry_handoff')));
    }
    return p.fd;
  }
}
