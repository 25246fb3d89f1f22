// bench:NAME: a micro benchmark (bpftrace v0.26). Under --mode bench scry runs each one many times with
// BPF_PROG_TEST_RUN, in the order written, and prints the average time a run takes; otherwise it is not run.
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedBench extends ResolvedBase {
  readonly provider: 'bench';
  readonly name: string;
}

export const bench: ProviderRow<ResolvedBench> = {
  name: 'bench',
  aliases: [],
  usage: 'bench:NAME',
  reads: { kfuncs: true },
  resolve(r) {
    const name = r.ap.parts.join(':');
    // bpftrace v0.26's words
    if (!name) return fail(r, 'bench probes must have a name', ['for example bench:lookup { … }']);
    return [{ provider: 'bench', name, ...r.base, text: `bench:${name}` }];
  },
};
