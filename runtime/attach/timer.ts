// interval (one CPU) and profile (every CPU): software cpu-clock perf events that run the program.
import type { ResolvedAttach } from '../../lang/index.ts';
import type { LoadedProgram } from '../loader.ts';
import { onlineCpus, PerfSwConfig, PerfType } from '../sys/index.ts';
import { attachPerfEvent } from './tracepoint.ts';
import type { Attachment } from './types.ts';

type Timer = Extract<ResolvedAttach, { provider: 'interval' | 'profile' }>;

const nsPerUnit = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n } as const;

export function timerAttr(t: Timer): { samplePeriod?: bigint; sampleFreq?: bigint } {
  if (t.unit === 'hz')
    return t.provider === 'profile'
      ? { sampleFreq: BigInt(t.value) }
      : { samplePeriod: 1_000_000_000n / BigInt(t.value) };
  return { samplePeriod: nsPerUnit[t.unit] * BigInt(t.value) };
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
