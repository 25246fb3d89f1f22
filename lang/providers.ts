// The probe table: canonical provider names, their aliases, and the shape of their attach points.

export type ProviderName =
  | 'BEGIN'
  | 'END'
  | 'tracepoint'
  | 'rawtracepoint'
  | 'kprobe'
  | 'kretprobe'
  | 'fentry'
  | 'fexit'
  | 'uprobe'
  | 'uretprobe'
  | 'usdt'
  | 'profile'
  | 'interval'
  | 'software'
  | 'hardware'
  | 'watchpoint'
  | 'iter';

export interface ProviderInfo {
  readonly name: ProviderName;
  readonly aliases: readonly string[];
  /** Attach-point form, for messages. */
  readonly usage: string;
}

export const providers: readonly ProviderInfo[] = [
  { name: 'BEGIN', aliases: ['begin'], usage: 'BEGIN' },
  { name: 'END', aliases: ['end'], usage: 'END' },
  { name: 'tracepoint', aliases: ['t'], usage: 'tracepoint:group:event' },
  { name: 'rawtracepoint', aliases: ['rt'], usage: 'rawtracepoint:event' },
  { name: 'kprobe', aliases: ['k'], usage: 'kprobe:function[+offset]' },
  { name: 'kretprobe', aliases: ['kr'], usage: 'kretprobe:function' },
  { name: 'fentry', aliases: ['f', 'kfunc'], usage: 'fentry:function' },
  { name: 'fexit', aliases: ['fr', 'kretfunc'], usage: 'fexit:function' },
  { name: 'uprobe', aliases: ['u'], usage: 'uprobe:binary:function' },
  { name: 'uretprobe', aliases: ['ur'], usage: 'uretprobe:binary:function' },
  { name: 'usdt', aliases: ['U'], usage: 'usdt:binary:[provider:]probe' },
  { name: 'profile', aliases: ['p'], usage: 'profile:hz|s|ms|us:N' },
  { name: 'interval', aliases: ['i'], usage: 'interval:s|ms|us|hz:N' },
  { name: 'software', aliases: ['s'], usage: 'software:event[:count]' },
  { name: 'hardware', aliases: ['h'], usage: 'hardware:event[:count]' },
  { name: 'watchpoint', aliases: ['w'], usage: 'watchpoint:address:length:mode' },
  { name: 'iter', aliases: ['it'], usage: 'iter:task|task_file' },
];

const byName = new Map<string, ProviderInfo>();
for (const p of providers) {
  byName.set(p.name, p);
  for (const a of p.aliases) byName.set(a, p);
}

export function lookupProvider(name: string): ProviderInfo | undefined {
  return byName.get(name);
}

export function providerNames(): string[] {
  return [...byName.keys()];
}
