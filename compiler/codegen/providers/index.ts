// The code generator's probe table: one row per provider (the type says every provider has one).
import type { ProviderName, ResolvedAttach, ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';
import type { ProgType } from '../../program.ts';
import { special } from './special.ts';
import { tracepoint } from './tracepoint.ts';
import { rawtracepoint } from './rawtracepoint.ts';
import { kprobe } from './kprobe.ts';
import { fentry } from './fentry.ts';
import { uprobe, usdt } from './uprobe.ts';
import { hardware, interval, profile, software, watchpoint } from './perf-event.ts';
import { iter } from './iter.ts';
import { self } from './self.ts';
import { bench } from './bench.ts';

const rows: { readonly [K in ProviderName]: CompilerProviderRow<ResolvedOf<K>> } = {
  BEGIN: special,
  END: special,
  tracepoint,
  rawtracepoint,
  kprobe,
  kretprobe: kprobe,
  fentry,
  fexit: fentry,
  uprobe,
  uretprobe: uprobe,
  usdt,
  profile,
  interval,
  software,
  hardware,
  watchpoint,
  iter,
  self,
  bench,
  test: bench,
};

/** The kind of program an attach point's code loads as (what the kernel allows it to call depends on it). */
export function programType(a: ResolvedAttach): ProgType {
  return compilerRow(a).progType(a);
}

/** The code generator's row for an attach point's provider. */
export function compilerRow(a: ResolvedAttach): CompilerProviderRow<ResolvedAttach> {
  return rows[a.provider] as CompilerProviderRow<ResolvedAttach>;
}
