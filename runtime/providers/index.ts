// The runtime's probe table: one row per provider (the type says every provider has one). `scry -l` lists
// providers by name, whatever the order of the rows (listing.ts).
import type { ProviderName, ResolvedAttach, ResolvedOf } from '../../lang/index.ts';
import type { Lister, RuntimeProviderRow } from './row.ts';
import { special } from './special.ts';
import { tracepoint } from './tracepoint.ts';
import { rawtracepoint } from './rawtracepoint.ts';
import { fentry, fexit } from './fentry.ts';
import { kprobe, kretprobe } from './kprobe.ts';
import { uprobe, usdt } from './uprobe.ts';
import { hardware, software, timer, watchpoint } from './perf-event.ts';
import { iter } from './iter.ts';
import { self } from './self.ts';
import { bench } from './bench.ts';

import type { InfoItem, InfoProbes } from './feature-check.ts';

export type { AttachContext, Lister } from './row.ts';

const rows: { readonly [K in ProviderName]: RuntimeProviderRow<ResolvedOf<K>> } = {
  tracepoint,
  rawtracepoint,
  fentry,
  fexit,
  kprobe,
  kretprobe,
  software,
  hardware,
  BEGIN: special,
  END: special,
  uprobe,
  uretprobe: uprobe,
  usdt,
  profile: timer,
  interval: timer,
  watchpoint,
  iter,
  self,
  bench,
  test: bench,
};

/** The runtime's row for an attach point's provider. */
export function runtimeRow(a: ResolvedAttach): RuntimeProviderRow<ResolvedAttach> {
  return rows[a.provider] as RuntimeProviderRow<ResolvedAttach>;
}

/** The runtime's row for a provider by its canonical name. */
export function runtimeRowOf(name: ProviderName): RuntimeProviderRow<ResolvedAttach> {
  return rows[name] as RuntimeProviderRow<ResolvedAttach>;
}

/**
 * The order to attach programs in: the program's order, except that programs of a newest-first provider
 * (uprobes, usdt, kprobes, fentry/fexit) take each other's places in reverse, so two probes on one function fire
 * in the order they are written (bpftrace v0.26's probe.uprobe_order, kprobe_order, fentry_order).
 */
export function attachOrder<P extends { readonly spec: { readonly attach: ResolvedAttach } }>(
  programs: readonly P[],
): P[] {
  const out = [...programs];
  const slots = out.flatMap((p, i) => (runtimeRow(p.spec.attach).newestFirst ? [i] : []));
  const reversed = slots.map((i) => programs[i]!).reverse();
  slots.forEach((slot, k) => (out[slot] = reversed[k]!));
  return out;
}

/** `scry --info`'s "Probe types": each row's line, in the report's order (kretprobe, fexit … share their row's). */
export function probeTypeReport(probes: InfoProbes): InfoItem[] {
  const report: RuntimeProviderRow<never>[] = [
    tracepoint,
    rawtracepoint,
    kprobe,
    uprobe,
    fentry,
    timer,
    hardware,
    watchpoint,
    special,
  ];
  return report.flatMap((r) => (r.info ? [r.info(probes)] : []));
}

/** Every provider's listers, in the rows' order. */
export const listers: readonly Lister[] = [...new Set(Object.values(rows) as RuntimeProviderRow<never>[])].flatMap(
  (r) => r.listers ?? [],
);
