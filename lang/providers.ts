// The probe table: one row per probe type (lang/providers/<kind>.ts) with its names, attach-point form,
// how it resolves and what the context builtins read in it. Everything else looks a provider up here;
// a new probe type is a new row file and one line in `rows` below.
import type { BtfParam } from './btf.ts';
import type { ProbeContext, ProviderRow, ContextReads } from './providers/row.ts';
import { begin, end, type ResolvedSpecial } from './providers/special.ts';
import { tracepoint, type ResolvedTracepoint } from './providers/tracepoint.ts';
import { rawtracepoint, type ResolvedRawTracepoint } from './providers/rawtracepoint.ts';
import { kprobe, kretprobe, type ResolvedKprobe } from './providers/kprobe.ts';
import { fentry, fexit, type ResolvedFentry } from './providers/fentry.ts';
import { uprobe, uretprobe, type ResolvedUprobe } from './providers/uprobe.ts';
import { usdt, type ResolvedUsdt } from './providers/usdt.ts';
import { interval, profile, type ResolvedTimer } from './providers/timer.ts';
import { hardware, software, type ResolvedPerfEvent } from './providers/perf-event.ts';
import { watchpoint, type ResolvedWatchpoint } from './providers/watchpoint.ts';
import { iter, type ResolvedIter } from './providers/iter.ts';
import { self, type ResolvedSelf } from './providers/self.ts';
import { bench, test, type ResolvedBench } from './providers/bench.ts';

export type { ContextReads, ProbeContext, ResolveRequest } from './providers/row.ts';

/** A resolved attach point: one probe of one type, with what its type needs to compile and attach it. */
export type ResolvedAttach =
  | ResolvedSpecial
  | ResolvedTracepoint
  | ResolvedRawTracepoint
  | ResolvedKprobe
  | ResolvedFentry
  | ResolvedUprobe
  | ResolvedUsdt
  | ResolvedTimer
  | ResolvedPerfEvent
  | ResolvedWatchpoint
  | ResolvedIter
  | ResolvedSelf
  | ResolvedBench;

export type ProviderName = ResolvedAttach['provider'];

/** The resolved attach points of one provider (of its file: kprobe's are kprobe's or kretprobe's). */
export type ResolvedOf<K extends ProviderName> = ResolvedAttach extends infer A
  ? A extends { readonly provider: infer P }
    ? K extends P
      ? A
      : never
    : never
  : never;

/** Every provider has its row (the type says so); the order is the order names are offered in. */
const rows: { readonly [K in ProviderName]: ProviderRow<ResolvedOf<K>> } = {
  BEGIN: begin,
  END: end,
  tracepoint,
  rawtracepoint,
  kprobe,
  kretprobe,
  fentry,
  fexit,
  uprobe,
  uretprobe,
  usdt,
  profile,
  interval,
  software,
  hardware,
  watchpoint,
  iter,
  self,
  bench,
  test,
};

export interface ProviderInfo {
  readonly name: ProviderName;
  readonly aliases: readonly string[];
  /** Attach-point form, for messages. */
  readonly usage: string;
  /** The attach point is the name alone (BEGIN, END), never followed by ':'. */
  readonly bare?: true;
}

export const providers: readonly ProviderInfo[] = Object.values(rows).map((r) => ({
  name: r.name,
  aliases: r.aliases,
  usage: r.usage,
  ...(r.bare ? { bare: r.bare } : {}),
}));

const byName = new Map<string, ProviderInfo>();
for (const p of providers) {
  byName.set(p.name, p);
  for (const a of p.aliases) byName.set(a, p);
}

/** A provider by name or alias (`t` is tracepoint), in any case (bpftrace v0.26: `Interval:`, `KPROBE:`, `Begin`). */
export function lookupProvider(name: string): ProviderInfo | undefined {
  return byName.get(name) ?? byName.get(name.toLowerCase());
}

export function providerNames(): string[] {
  return [...byName.keys()];
}

/** The row of a provider, for resolving and for what its context means. */
export function providerRow<K extends ProviderName>(name: K): ProviderRow<ResolvedOf<K>> {
  return rows[name];
}

/** What the context builtins (args, argN, retval, func, reg(), probetype, …) read in this attach point. */
export function probeContext(a: ResolvedAttach): ProbeContext {
  const row = rows[a.provider] as ProviderRow<ResolvedAttach>;
  return { ...row.reads, ...row.context?.(a), probeType: probeTypeName(a.provider) };
}

/** Where an attach point's user-binary types come from (ProviderRow.userTypes), if its provider has any. */
export function userTypesOf(a: ResolvedAttach): { readonly path: string; readonly entryOf?: string } | undefined {
  return (rows[a.provider] as ProviderRow<ResolvedAttach>).userTypes?.(a);
}

/** The attach point with its function's parameters typed (ProviderRow.withParams); itself where there are none. */
export function withUserParams(a: ResolvedAttach, params: readonly BtfParam[]): ResolvedAttach {
  return (rows[a.provider] as ProviderRow<ResolvedAttach>).withParams?.(a, params) ?? a;
}

/** bpftrace v0.26's name for a provider's probe type (`probetype`): BEGIN, END and self are all `special`. */
export function probeTypeName(provider: string): string {
  return provider === 'BEGIN' || provider === 'END' || provider === 'self' ? 'special' : provider;
}

/** The providers in which a context builtin reads something, in table order (e.g. retval: kretprobe, fexit, uretprobe). */
export function providersReading(what: keyof ContextReads): ProviderName[] {
  return Object.values(rows)
    .filter((r) => r.reads[what] !== undefined)
    .map((r) => r.name as ProviderName);
}
