// BEGIN and END: run once, in scry's own process, before the other probes attach and after they detach.
import type { ProviderRow, ResolvedBase } from './row.ts';

export interface ResolvedSpecial extends ResolvedBase {
  readonly provider: 'BEGIN' | 'END';
}

function special(name: 'BEGIN' | 'END', alias: string): ProviderRow<ResolvedSpecial> {
  return {
    name,
    aliases: [alias],
    usage: name,
    bare: true,
    reads: { currentTask: true, taskContext: true, foreignTask: true },
    resolve(r) {
      if (r.ap.parts.length) return r.bad(`${name} takes no arguments`);
      // `probe` names it as written, `begin` in bpftrace v0.26's spelling, `BEGIN` in the older one (v0.26 says
      // `begin` for both: kept as 0.17 has it); any other case (`Begin`) is v0.26's lowercase
      return [{ provider: name, ...r.base, text: r.ap.provider === name ? name : alias }];
    },
  };
}

export const begin = special('BEGIN', 'begin');
export const end = special('END', 'end');
