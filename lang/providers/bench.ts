// bench:NAME and test:NAME (bpftrace v0.26): programs run with BPF_PROG_TEST_RUN instead of attached. Under
// --mode bench scry runs each bench probe many times, in the order written, and prints the average time a run
// takes; under --test it runs each test probe once and says whether it passed. Otherwise they are not run.
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedBench extends ResolvedBase {
  readonly provider: 'bench' | 'test';
  readonly name: string;
}

function runRow(provider: 'bench' | 'test'): ProviderRow<ResolvedBench> {
  return {
    name: provider,
    aliases: [],
    usage: `${provider}:NAME`,
    reads: { kfuncs: true, foreignTask: true },
    resolve(r) {
      const name = r.ap.parts.join(':');
      // bpftrace v0.26's words
      if (!name) return fail(r, `${provider} probes must have a name`, [`for example ${provider}:lookup { … }`]);
      return [{ provider, name, ...r.base, text: `${provider}:${name}` }];
    },
  };
}

export const bench = runRow('bench');
export const test = runRow('test');
