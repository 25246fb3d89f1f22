// Whether this process may trace: one real attempt (load a two-instruction kprobe-type program, which
// needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, whatever kernel.unprivileged_bpf_disabled says), cached.
// Commands that cannot work without privileges say so in one sentence, before anything else fails
// in a way that hides the reason (tracefs looks unmounted to a user who may not read it).
import { accessSync, constants } from 'node:fs';
import { ScryRuntimeError } from './errors.ts';
import { OwnedFd, ProgType, progLoad } from './sys/index.ts';

/** A command that needs root was run without it: the message is one sentence saying which and why. */
export class PrivilegeError extends ScryRuntimeError {
  constructor(what: string, why: string) {
    super(`scry needs root (or CAP_BPF and CAP_PERFMON) to ${what}: ${why}`);
    this.name = 'PrivilegeError';
  }
}

// `r0 = 0; exit`
const TINY = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

let refusal: string | null | undefined;

/** Why this process may not load tracing programs (a clause for a sentence), or undefined when it may. */
function bpfRefusal(): string | undefined {
  if (refusal === undefined) {
    try {
      new OwnedFd(progLoad({ type: ProgType.KPROBE, insns: TINY, license: 'GPL' }), 'privilege probe').close();
      refusal = null;
    } catch (e) {
      const code = (e as { code?: string }).code;
      refusal = code === 'EPERM' || code === 'EACCES' ? `the kernel refuses BPF programs to this user (${code})` : null;
    }
  }
  return refusal ?? undefined;
}

/** tracefs is there but this user may not read it (it is root's, mode 0700): the clause saying so. */
export function tracefsUnreadable(dir: string): string | undefined {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? `${dir} is readable only by root` : undefined;
  }
}

/**
 * Throws PrivilegeError when this process may not trace; `what` completes "scry needs root … to ___".
 * With `readsTracefs`, an unreadable tracefs is given as the reason (it is what a user can check).
 */
export function requirePrivileges(what: string, readsTracefs = false): void {
  const why = bpfRefusal();
  if (why !== undefined)
    throw new PrivilegeError(what, (readsTracefs ? tracefsUnreadable('/sys/kernel/tracing') : undefined) ?? why);
}
