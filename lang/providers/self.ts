// self:signal:SIGUSR1: runs in scry's own process each time scry receives the signal (bpftrace v0.26), as
// BEGIN does, after the other probes attached.
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedSelf extends ResolvedBase {
  readonly provider: 'self';
  readonly signal: 'SIGUSR1';
}

/** The signals a self probe may name: bpftrace v0.26 takes SIGUSR1 only (SIGINT/SIGTERM stop the run). */
export const SIGNALS = ['SIGUSR1'] as const;

export const self: ProviderRow<ResolvedSelf> = {
  name: 'self',
  aliases: [],
  usage: 'self:signal:SIGUSR1',
  reads: { currentTask: true, taskContext: true, foreignTask: true },
  resolve(r) {
    const [kind, signal] = r.ap.parts;
    if (r.ap.parts.length !== 2 || kind !== 'signal' || !signal) return r.bad('self needs signal:SIGNAL');
    const known = SIGNALS.find((s) => s === signal || s === `SIG${signal}`);
    if (!known) return fail(r, `self:signal cannot take ${signal}`, [`the signals are ${SIGNALS.join(', ')}`]);
    return [{ provider: 'self', signal: known, ...r.base, text: `self:signal:${known}` }];
  },
};
