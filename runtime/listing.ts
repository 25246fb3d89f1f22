// `scry -l [pattern]`: the probes this kernel offers, by name, filtered with bpftrace-style wildcards; with
// -v, each tracepoint's arguments as bpftrace -lv prints them. Providers this kernel cannot attach are left
// out (kprobes here), so the list only names what works.
import { globRegExp } from '../lang/glob.ts';
import { findPerfEventNames } from './listing-tables.ts';
import { hasKprobes } from './features.ts';
import { vmlinuxBtf } from './kernel/btf/index.ts';
import { listUprobeFunctions, openTarget, targetUsdtProbes } from './kernel/elf/index.ts';
import { kernelFunctions } from './kernel/functions.ts';
import { listTracepoints, tracepointFormat } from './kernel/tracefs.ts';

export interface ListOptions {
  /** -v: arguments under each probe */
  readonly verbose?: boolean;
}

/** A provider's listing: every probe name, and (for -v) the lines under one. */
interface Lister {
  readonly provider: string;
  names(): string[];
  details?(name: string): string[];
}

const listers: Lister[] = [
  {
    provider: 'tracepoint',
    names: () => listTracepoints().map((t) => `tracepoint:${t.group}:${t.event}`),
    details: (name) => {
      const [, group, event] = name.split(':');
      const f = tracepointFormat(group!, event!);
      return (f?.fields ?? []).filter((x) => !x.common).map((x) => `    ${fieldDecl(x.type, x.name)}`);
    },
  },
  {
    provider: 'rawtracepoint',
    names: () => [...new Set(listTracepoints().map((t) => `rawtracepoint:${t.event}`))],
    details: (name) => {
      const btf = vmlinuxBtf();
      return (btf?.rawTracepointArgs(name.slice('rawtracepoint:'.length)) ?? []).map((p) => `    ${btf!.typeName(p.type)} ${p.name}`);
    },
  },
  ...(['fentry', 'fexit'] as const).map(
    (provider): Lister => ({
      provider,
      names: () => (vmlinuxBtf()?.funcNames() ?? []).map((f) => `${provider}:${f}`),
      details: (name) => {
        const btf = vmlinuxBtf();
        const f = btf?.funcProto(name.slice(provider.length + 1));
        if (!btf || !f) return [];
        const lines = f.params.map((p) => `    ${btf.typeName(p.type)} ${p.name}`);
        if (provider === 'fexit') lines.push(`    ${btf.typeName(f.ret)} retval`);
        return lines;
      },
    }),
  ),
  {
    provider: 'kprobe',
    names: () => (hasKprobes() ? kernelFunctions().map((f) => `kprobe:${f.module ? `${f.module}:` : ''}${f.name}`) : []),
  },
  {
    provider: 'kretprobe',
    names: () => (hasKprobes() ? kernelFunctions().map((f) => `kretprobe:${f.module ? `${f.module}:` : ''}${f.name}`) : []),
  },
  { provider: 'software', names: () => findPerfEventNames('software').map((n) => `software:${n}:`) },
  { provider: 'hardware', names: () => findPerfEventNames('hardware').map((n) => `hardware:${n}:`) },
];

/** Extra providers from modules that read more than tracefs (BTF for fentry, ELF for uprobes and usdt). */
export function registerLister(l: Lister): void {
  const i = listers.findIndex((x) => x.provider === l.provider);
  if (i >= 0) listers[i] = l;
  else listers.push(l);
}

/** `char[16] comm` is declared `char comm[16]`, as bpftrace -lv prints it. */
function fieldDecl(type: string, name: string): string {
  const arr = /^(.*?)\s*(\[\d*\])$/.exec(type);
  if (arr && !type.startsWith('__data_loc')) return `${arr[1]} ${name}${arr[2]}`;
  return `${type} ${name}`;
}

/**
 * uprobe:/path/bin:PATTERN and usdt:/path/bin:PATTERN: the functions or USDT probes of one binary (or a
 * library or program found as ld.so and the shell would); with -v, USDT probes show their argument specs.
 */
function listUserProbes(pattern: string, options: ListOptions): string[] | undefined {
  const m = /^(uprobe|uretprobe|usdt|u|ur|U):([^:]+)(?::(.*))?$/.exec(pattern);
  if (!m) return undefined;
  const provider = ({ u: 'uprobe', ur: 'uretprobe', U: 'usdt' } as Record<string, string>)[m[1]!] ?? m[1]!;
  const file = openTarget(m[2]!);
  const rest = m[3] ?? '*';
  if (provider !== 'usdt') return listUprobeFunctions(file, rest).map((f) => `${provider}:${file.path}:${f}`);
  const re = globRegExp(rest.includes(':') ? rest : `*:${rest}`);
  const out: string[] = [];
  const sorted = [...targetUsdtProbes(file)].sort((a, b) => (`${a.provider}:${a.name}` < `${b.provider}:${b.name}` ? -1 : 1));
  for (const u of sorted) {
    if (!re.test(`${u.provider}:${u.name}`)) continue;
    out.push(`usdt:${file.path}:${u.provider}:${u.name}`);
    if (options.verbose) u.argsText.split(/\s+/).filter(Boolean).forEach((a, i) => out.push(`    arg${i}: ${a}`));
  }
  return out;
}

export function listProbes(pattern = '*', options: ListOptions = {}): string[] {
  const user = listUserProbes(pattern, options);
  if (user) return user;
  const full = pattern.includes(':') ? pattern : `*${pattern}*`;
  const re = globRegExp(full);
  const provider = pattern.includes(':') ? pattern.split(':')[0]! : '*';
  const providerRe = globRegExp(provider);
  // a pattern without a provider also matches tracepoints by group:event, as bpftrace does
  const bare = globRegExp(`tracepoint:${full}`);
  const out: string[] = [];
  for (const l of listers) {
    if (!providerRe.test(l.provider) && !(provider === '*' || pattern.split(':').length === 2)) continue;
    const names = l.names().filter((n) => re.test(n) || (l.provider === 'tracepoint' && bare.test(n))).sort();
    for (const n of names) {
      out.push(n);
      if (options.verbose && l.details) out.push(...l.details(n));
    }
  }
  return out;
}

