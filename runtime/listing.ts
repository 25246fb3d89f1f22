// `scry -l [pattern]`: the probes this kernel offers, by name, filtered with bpftrace-style wildcards.
import { listTracepoints } from './kernel/tracefs.ts';

export function listProbes(pattern = '*'): string[] {
  const full = pattern.includes(':') ? pattern : `*${pattern}*`;
  const re = wildcard(full);
  const bare = wildcard(`tracepoint:${full}`);
  const names = listTracepoints().map((t) => `tracepoint:${t.group}:${t.event}`);
  return names.filter((n) => re.test(n) || bare.test(n)).sort();
}

function wildcard(p: string): RegExp {
  const body = p
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}
