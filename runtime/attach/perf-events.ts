// software:, hardware: and watchpoint: probes — perf events opened on every online CPU, each running the
// program. A VM without a virtual PMU has no hardware events; that is said plainly, with what works instead.
import { readdirSync } from 'node:fs';
import type { ResolvedAttach } from '../../lang/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import type { LoadedProgram } from '../loader.ts';
import {
  HW_BREAKPOINT_R,
  HW_BREAKPOINT_RW,
  HW_BREAKPOINT_W,
  HW_BREAKPOINT_X,
  onlineCpus,
  PerfType,
  SysError,
} from '../sys/index.ts';
import { attachPerfEvent } from './tracepoint.ts';
import type { Attachment } from './types.ts';

type Counted = Extract<ResolvedAttach, { provider: 'software' | 'hardware' }>;
type Watchpoint = Extract<ResolvedAttach, { provider: 'watchpoint' }>;

function onEveryCpu(p: LoadedProgram, text: string, open: (cpu: number) => Attachment): Attachment[] {
  const out: Attachment[] = [];
  try {
    for (const cpu of onlineCpus()) out.push(open(cpu));
  } catch (e) {
    for (const a of out) a.close();
    throw e;
  }
  return out;
}

export function attachCounted(p: LoadedProgram, a: Counted): Attachment[] {
  try {
    return onEveryCpu(p, a.text, (cpu) =>
      attachPerfEvent(
        p,
        {
          type: a.provider === 'software' ? PerfType.SOFTWARE : PerfType.HARDWARE,
          config: BigInt(a.config),
          samplePeriod: BigInt(a.count),
          pid: -1,
          cpu,
        },
        `${a.text} (cpu ${cpu})`,
      ),
    );
  } catch (e) {
    const code = ((e as Error).cause as SysError | undefined)?.code;
    if (a.provider === 'hardware' && (code === 'ENOENT' || code === 'EOPNOTSUPP' || code === 'ENODEV'))
      throw new ScryRuntimeError(
        `this machine has no hardware performance counters for ${a.event} (perf_event_open says ${code}; virtual machines often have no PMU)`,
        a.span,
        [`sample by time instead: profile:hz:99 or software:cpu-clock:${a.count}`],
        { cause: e },
      );
    throw e;
  }
}

/** The threads of a process now (a thread that ends meanwhile is left out); the process itself if /proc says none. */
function threadsOf(pid: number): number[] {
  try {
    const tids = readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .filter((t) => Number.isInteger(t) && t > 0);
    return tids.length ? tids : [pid];
  } catch {
    return [pid];
  }
}

function breakpointType(mode: string): number {
  if (mode === 'x') return HW_BREAKPOINT_X;
  if (mode === 'r') return HW_BREAKPOINT_R;
  if (mode === 'w') return HW_BREAKPOINT_W;
  return HW_BREAKPOINT_RW;
}

/**
 * A hardware breakpoint: in one process (`pid`, from -p or -c: user addresses, the event follows each of its
 * threads across CPUs), or on every CPU for a kernel address. As bpftrace v0.26 does: an execution
 * breakpoint is sizeof(long) long whatever length was written (x86 takes no other), one event per thread the
 * process has now, each inherited by the threads created later.
 */
export function attachWatchpoint(p: LoadedProgram, a: Watchpoint, pid?: number): Attachment[] {
  const attr = {
    type: PerfType.BREAKPOINT,
    config: 0n,
    bpType: breakpointType(a.mode),
    bpAddr: a.address,
    bpLen: a.mode === 'x' ? 8n : BigInt(a.length),
    samplePeriod: 1n,
    inherit: true,
  };
  try {
    if (pid !== undefined) {
      const out: Attachment[] = [];
      try {
        for (const tid of threadsOf(pid))
          out.push(attachPerfEvent(p, { ...attr, pid: tid, cpu: -1 }, `${a.text} (tid ${tid})`));
      } catch (e) {
        for (const x of out) x.close();
        throw e;
      }
      return out;
    }
    return onEveryCpu(p, a.text, (cpu) => attachPerfEvent(p, { ...attr, pid: -1, cpu }, `${a.text} (cpu ${cpu})`));
  } catch (e) {
    const code = ((e as Error).cause as SysError | undefined)?.code;
    if (code === 'EINVAL')
      throw new ScryRuntimeError(
        `${a.text}: the kernel refused this breakpoint (EINVAL): the address must be aligned to the length and mapped`,
        a.span,
        [
          pid === undefined
            ? 'to watch a variable of a program, give its process: -p PID or -c CMD'
            : 'take the address from the binary: nm BINARY | grep VARIABLE',
        ],
      );
    throw e;
  }
}
