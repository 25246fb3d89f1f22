// The small real attempts `scry --info` reports (feature probes): an item per check, yes or no with why.
// Shared by the provider rows (each row's line under "Probe types") and info.ts (maps, helpers, features).
import { call, encode, exit, mov64Imm, R0, R1 } from '../../compiler/index.ts';
import { OwnedFd, type SysError } from '../sys/index.ts';

export interface InfoItem {
  readonly name: string;
  readonly ok: boolean;
  /** why not, or a detail (e.g. the errno) */
  readonly note?: string;
}

/** Optional probes supplied by modules that know more (BTF: fentry needs a function's BTF id). */
export interface InfoProbes {
  /** loads an fentry program for a common kernel function; throws the load error */
  fentry?: () => void;
}

/** `name`: yes when `f` returns, no with the errno (or message) when it throws. */
export function attempt(name: string, f: () => void): InfoItem {
  try {
    f();
    return { name, ok: true };
  } catch (e) {
    const err = e as SysError;
    return { name, ok: false, note: err.code ?? err.message };
  }
}

/** Closes a descriptor a probe opened: only whether it opened matters. */
export function closing(fd: number): void {
  new OwnedFd(fd, 'feature probe').close();
}

/** `r0 = 0; exit`, or a call of `helper` first. */
export function tinyProgram(helper?: number): Uint8Array {
  const insns =
    helper === undefined ? [mov64Imm(R0, 0), exit()] : [mov64Imm(R1, 0), call(helper), mov64Imm(R0, 0), exit()];
  return encode(insns).bytes;
}
