// interval (one CPU) and profile (every CPU): software cpu-clock perf events that run the program.
import { timerPeriodNs, type ResolvedAttach } from '../../lang/index.ts';
import type { LoadedProgram } from '../loader.ts';
import { onlineCpus, PerfSwConfig, PerfType } from '../sys/index.ts';
import { attachPerfEvent } from './tracepoint.ts';
import type { Attachment } from './types.ts';

type Timer = Extract<ResolvedAttach, { provider: 'interval' | 'profile' }>;

export function timerAttr(t: Timer): { samplePeriod?: bigint; sampleFreq?: bigint } {
  return t.unit === 'hz' && t.provider === 'profile'
    ? { sampleFreq: BigInt(t.value) }
    : { samplePeriod: timerPeriodNs(t) };
}

export function attachTimer(p: LoadedProgram, t: Timer): Attachment[] {
  const cpus = t.provider === 'interval' ? [0] : onlineCpus();
  const out: Attachment[] = [];
  try {
    for (const cpu of cpus)
      out.push(
        attachPerfEvent(
          p,
          { type: PerfType.SOFTWARE, config: BigInt(PerfSwConfig.CPU_CLOCK), pid: -1, cpu, ...timerAttr(t) },
          `${t.text} (cpu ${cpu})`,
        ),
      );
  } catch (e) {
    for (const a of out) a.close();
    throw e;
  }
  return out;
}
