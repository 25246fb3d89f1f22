// `scry -l [pattern]`, the REPL's `.probes` and its completion: the probes this kernel offers, by name,
// filtered with bpftrace-style wildcards; with -v, each probe's arguments as bpftrace -lv prints them.
// Only probes that can attach here are listed: a provider the kernel refuses (kprobes without
// CONFIG_KPROBES, fentry where trampolines are refused, hardware events without a PMU) is left out, and
// one line says how many of its probes exist and why they cannot attach. Which provider can attach is
// decided by the feature probes (features.ts, fentryRefusal), never by guessing. The names and refusals
// come from each provider's row (runtime/providers/).
import { globRegExp, isGlob, lookupProvider, parse, plainPart, sourceFile, type ProviderName } from '../lang/index.ts';
import { hostKernelInfo } from './kernel/kernel-info.ts';
import { listers, runtimeRowOf, type Lister } from './providers/index.ts';
import { requirePrivileges } from './privileges.ts';

export interface ListOptions {
  /** -v: arguments under each probe */
  readonly verbose?: boolean;
  /** -p PID: user probes are those of the files the process maps */
  readonly pid?: number;
}

/** What a listing found: the lines to print and, when some matching probes cannot attach here, why. */
export interface Listing {
  readonly lines: readonly string[];
  /** one line: "N kprobe/kretprobe functions exist but cannot attach here: …", or undefined */
  readonly unavailable?: string;
  /** what bpftrace warns about while listing (`No DWARF found for "…"` under -v), each once */
  readonly warnings?: readonly string[];
}

/** Each name list once, unique, in the order its lister gave it (listers that share a list share its function). */
const uniqueNameCache = new Map<() => readonly string[], readonly string[]>();
/** the same, sorted (completion asks on every key) */
const sortedNameCache = new Map<() => readonly string[], readonly string[]>();
/** the last filtering of a list: kprobe and kretprobe ask for the same one in turn */
let lastMatch: { names: () => readonly string[]; re: RegExp; out: readonly string[] } | undefined;

/**
 * A lister's names, unique, unsorted: a provider the kernel refuses needs only their number, and the rest are
 * sorted once filtered (sorting ~120k kernel function names took ~60-80 ms of `scry -l`).
 */
function uniqueNamesOf(l: Lister): readonly string[] {
  if (l.live) return [...new Set(l.names())];
  let names = uniqueNameCache.get(l.names);
  if (!names) uniqueNameCache.set(l.names, (names = [...new Set(l.names())]));
  return names;
}

/** A lister's names, unique and sorted. */
function namesOf(l: Lister): readonly string[] {
  let names = sortedNameCache.get(l.names);
  if (!names) sortedNameCache.set(l.names, (names = [...uniqueNamesOf(l)].sort()));
  return names;
}

/**
 * A lister's names that `re` matches, unique (sorted where the sorted list was made already). `literal`, a plain
 * part every match has, lets a lister that can find names by it (namesWith) skip making every name.
 */
function namesMatching(l: Lister, re: RegExp, literal: string): readonly string[] {
  if (l.live) return uniqueNamesOf(l).filter((n) => re.test(n));
  if (lastMatch?.names === l.names && lastMatch.re === re) return lastMatch.out;
  const all = sortedNameCache.get(l.names) ?? uniqueNameCache.get(l.names);
  const candidates = all ?? (literal && l.namesWith ? [...new Set(l.namesWith(literal))] : uniqueNamesOf(l));
  const out = candidates.filter((n) => re.test(n));
  lastMatch = { names: l.names, re, out };
  return out;
}

/**
 * PROVIDER:BINARY[:PATTERN] for a provider whose names are per binary (uprobe, usdt): the probes of the
 * binary (or of the files its wildcards match; with -p, `*` is every file the process maps), from that
 * provider's row, the binary shown as written; undefined for any other pattern. A wildcard provider
 * (`*:./bin:*`) lists uprobes and USDT probes when the binary is a path or -p is given.
 */
function listUserProbes(pattern: string, options: ListOptions, warn: (w: string) => void): string[] | undefined {
  const pid = options.pid;
  const [providerPart, binary = '*', ...rest] = pattern.split(':') as [string, ...string[]];
  const names = rest.length ? rest.join(':') : '*';
  const exact = isGlob(providerPart) ? undefined : lookupProvider(providerPart)?.name;
  const perBinary = (p: string) => runtimeRowOf(p as ProviderName).listBinary !== undefined;
  let chosen: string[];
  if (exact) chosen = perBinary(exact) && (pattern.includes(':') || pid !== undefined) ? [exact] : [];
  else if (binary.includes('/') || pid !== undefined) {
    const re = globRegExp(providerPart);
    chosen = ['uprobe', 'usdt'].filter((p) => re.test(p));
  } else chosen = [];
  if (!chosen.length) return undefined;
  if (!pattern.includes(':') && pid === undefined) return undefined;
  return chosen.flatMap((p) =>
    runtimeRowOf(p as ProviderName).listBinary!(p, binary || '*', names, options.verbose ?? false, pid, warn),
  );
}

/** A pattern's provider part spelled canonically (`t:` is `tracepoint:`), or as given when it is a glob. */
function normalise(pattern: string): string {
  const colon = pattern.indexOf(':');
  if (colon < 0) return pattern;
  const p = pattern.slice(0, colon);
  const name = isGlob(p) ? p : (lookupProvider(p)?.name ?? p);
  return `${name}${pattern.slice(colon)}`;
}

/**
 * The providers a provider glob (or a pattern without one) lists, as bpftrace v0.26's PROBE_LIST marks them
 * show_in_kernel_list; the others are listed when named.
 */
const kernelListed = new Set(['fentry', 'hardware', 'iter', 'kprobe', 'rawtracepoint', 'software', 'tracepoint']);

/** The listers by provider name (stable): v0.26 lists the probe types it matched in a sorted set. */
const byProviderName = [...listers].sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0));

/**
 * The listers a pattern asks about, each with the names it matches, without the provider prefix and unsorted
 * (probeListing sorts and prefixes what it prints). Names are tested without their prefix where the pattern
 * allows, so 100k function names cost no copies.
 */
function matches(pattern: string): { lister: Lister; names: readonly string[] }[] {
  const colon = pattern.indexOf(':');
  const provider = colon < 0 ? '*' : pattern.slice(0, colon);
  const providerRe = globRegExp(provider);
  // a word alone matches anywhere in a name (it cannot span the provider's colon: it has none)
  const re = globRegExp(colon < 0 ? `*${pattern}*` : pattern.slice(colon + 1));
  // a pattern without a provider also matches tracepoints by group:event, as bpftrace does
  const groupEvent =
    colon >= 0 && pattern.split(':').length === 2 && lookupProvider(provider) === undefined
      ? globRegExp(pattern)
      : undefined;
  const out: { lister: Lister; names: readonly string[] }[] = [];
  const providerGlob = colon < 0 || isGlob(provider);
  for (const l of byProviderName) {
    const byProvider = colon < 0 || providerRe.test(l.provider);
    const byGroup = l.provider === 'tracepoint' ? groupEvent : undefined;
    if (!byProvider && !byGroup) continue;
    const wholeProvider = colon < 0 && re.test(l.provider);
    // a provider glob (or none) expands to v0.26's kernel list only: no kretprobe, fexit, interval, profile…,
    // unless a plain word names the provider (`-l interval`)
    const named = wholeProvider && !isGlob(pattern);
    if (providerGlob && !named && !kernelListed.has(l.provider)) continue;
    const rest = colon < 0 ? pattern : pattern.slice(colon + 1);
    // names listed with their module (fentry:vmlinux:vfs_read): PROVIDER:MODULE:NAME matches the module part alone
    const moduled = l.module !== undefined && colon >= 0 && rest.includes(':') ? rest.indexOf(':') : -1;
    if (l.onlyNamingModule && (moduled < 0 || rest.slice(0, moduled) !== l.module)) continue;
    let names: readonly string[];
    if (l.moduleNames) names = moduleNamesMatching(l, wholeProvider ? '*' : colon < 0 ? `*${pattern}*` : rest);
    else if (wholeProvider) names = sortedNameCache.get(l.names) ?? uniqueNamesOf(l);
    else if (moduled >= 0) {
      const inModule = globRegExp(rest.slice(0, moduled)).test(l.module!);
      const name = rest.slice(moduled + 1);
      names = inModule ? namesMatching(l, globRegExp(name), plainPart(name)) : [];
    } else if (byGroup) names = uniqueNamesOf(l).filter((n) => (byProvider && re.test(n)) || byGroup.test(n));
    else names = namesMatching(l, re, plainPart(rest));
    out.push({ lister: l, names });
  }
  return out;
}

/**
 * A moduleNames lister's names for the pattern after the provider: NAME matches each function's own name (the
 * module dropped, each name once), MODULE:NAME the module (vmlinux for the kernel's own) and the name, kept as
 * `module:name`.
 */
function moduleNamesMatching(l: Lister, rest: string): readonly string[] {
  const cut = rest.indexOf(':');
  const nameGlob = cut < 0 ? rest : rest.slice(cut + 1);
  const moduleRe = cut < 0 ? undefined : globRegExp(rest.slice(0, cut));
  const nameRe = globRegExp(nameGlob);
  const literal = plainPart(nameGlob);
  const candidates = literal && l.namesWith ? l.namesWith(literal) : uniqueNamesOf(l);
  const out = new Set<string>();
  for (const n of candidates) {
    const colon = n.indexOf(':');
    const name = colon < 0 ? n : n.slice(colon + 1);
    if (!nameRe.test(name)) continue;
    if (!moduleRe) out.add(name);
    else {
      const module = colon < 0 ? 'vmlinux' : n.slice(0, colon);
      if (moduleRe.test(module)) out.add(`${module}:${name}`);
    }
  }
  return [...out];
}

/** "56198 kprobe/kretprobe functions and … exist but cannot attach here: why; why", or undefined. */
function unavailableLine(refused: { lister: Lister; count: number; why: string }[]): string | undefined {
  const families = new Map<string, { count: number; whys: string[] }>();
  for (const r of refused) {
    if (!r.count) continue;
    const f = families.get(r.lister.family) ?? { count: 0, whys: [] };
    // kprobe and kretprobe name the same functions: count them once
    f.count = Math.max(f.count, r.count);
    if (!f.whys.includes(r.why)) f.whys.push(r.why);
    families.set(r.lister.family, f);
  }
  if (!families.size) return undefined;
  const what = [...families].map(([family, f]) => `${f.count} ${family}`);
  const whys = [...families.values()].flatMap((f) => f.whys);
  const list = what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}` : what[0];
  return `${list} exist but cannot attach here: ${whys.join('; ')}`;
}

/** What -l and `.probes` print for a pattern: the probes that attach here, and a line about the rest. */
export function probeListing(pattern = '*', options: ListOptions = {}): Listing {
  // `-l script.bt` / `-l -e '…'`: the probes the program's attach points name
  if (pattern.includes('{')) return combine(programPatterns(pattern).map((p) => probeListing(p, options)));
  // `-l 'kprobe:vfs_read,struct file'`: each item in turn
  if (pattern.includes(',')) return combine(pattern.split(',').map((p) => probeListing(p.trim(), options)));
  const struct = /^(struct|union|enum)\s+(\S+)$/.exec(pattern);
  if (struct) return { lines: listTypes(struct[1]!, struct[2]!, options.verbose ?? false) };
  const warnings: string[] = [];
  const user = listUserProbes(pattern, options, (w) => warnings.includes(w) || warnings.push(w));
  if (user) return warnings.length ? { lines: user, warnings } : { lines: user };
  const p = normalise(pattern);
  const single = p.includes(':') && !isGlob(p.split(':')[0]!) ? p.split(':')[0]! : undefined;
  requirePrivileges(
    single === 'tracepoint' ? 'list tracepoints' : single ? `list ${single} probes` : 'list kernel probes',
    !single || single === 'tracepoint',
  );
  const lines: string[] = [];
  const refused: { lister: Lister; count: number; why: string }[] = [];
  for (const { lister, names } of matches(p)) {
    const why = names.length ? lister.refusal() : undefined;
    if (why) {
      refused.push({ lister, count: names.length, why });
      continue;
    }
    for (const n of [...names].sort()) {
      lines.push(`${lister.provider}:${lister.module ? `${lister.module}:` : ''}${n}`);
      if (options.verbose && lister.details) lines.push(...lister.details(n));
    }
  }
  const unavailable = unavailableLine(refused);
  return unavailable ? { lines, unavailable } : { lines };
}

function combine(listings: Listing[]): Listing {
  const lines = [...new Set(listings.flatMap((l) => l.lines))];
  const unavailable = [...new Set(listings.flatMap((l) => (l.unavailable ? [l.unavailable] : [])))].join('\n');
  const warnings = [...new Set(listings.flatMap((l) => l.warnings ?? []))];
  return { lines, ...(unavailable ? { unavailable } : {}), ...(warnings.length ? { warnings } : {}) };
}

/** The listing patterns a program's attach points make (a timer or counter by its unit or event alone). */
function programPatterns(text: string): string[] {
  const parsed = parse(sourceFile('stdin', text));
  if (!parsed.program) return [];
  return parsed.program.probes.flatMap((p) => p.attachPoints.map(patternOf));
}

function patternOf(ap: { readonly provider: string; readonly parts: readonly string[] }): string {
  const name = lookupProvider(ap.provider)?.name ?? ap.provider;
  if (['interval', 'profile', 'software', 'hardware'].includes(name)) return `${name}:${ap.parts[0] ?? ''}:`;
  return [name, ...ap.parts].join(':');
}

/** `-l 'struct task_struct'`: the kernel's types of that kind matching the name; -v: their definitions. */
function listTypes(kind: string, name: string, verbose: boolean): string[] {
  const btf = hostKernelInfo().btf();
  if (!btf) return [];
  const re = globRegExp(name);
  const ids: number[] = [];
  if (isGlob(name)) {
    for (let id = 1; id < btf.typeCount; id++) if (btf.kind(id) === kind && re.test(btf.name(id))) ids.push(id);
  } else {
    const id = btf.find(name, kind as 'struct');
    if (id !== undefined) ids.push(id);
  }
  // -v: one entry per definition (so combining listings cannot merge two padding lines), then an empty line,
  // as bpftrace prints them
  return ids.map((id) => (verbose ? `${btf.definition(id)}\n` : `${kind} ${btf.name(id)}`));
}

/**
 * `scry -l`: the lines to print; the line about probes that exist but cannot attach goes to stderr
 * (callers that print it themselves use probeListing).
 */
export function listProbes(pattern = '*', options: ListOptions = {}): string[] {
  const l = probeListing(pattern, options);
  for (const w of l.warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
  if (l.unavailable) process.stderr.write(`${l.unavailable}\n`);
  return [...l.lines];
}

/**
 * The names one provider attaches here, without the provider prefix (`group:event` for tracepoints),
 * sorted, matching `glob` (default all); [] when the provider cannot attach here or is not listed
 * (uprobe, usdt: see listProbes). Read once and cached, so completion can ask on every key.
 */
export function probeNames(provider: string, glob = '*'): readonly string[] {
  const name = lookupProvider(provider)?.name ?? provider;
  const l = listers.find((x) => x.provider === name && !x.onlyNamingModule);
  if (!l || l.refusal()) return [];
  const all = namesOf(l);
  if (glob === '*') return all;
  const re = globRegExp(glob);
  return all.filter((n) => re.test(n));
}

/** Per provider: how many probes it has here and, when they cannot attach, why (the REPL's `.probes`). */
export function providerSummary(): { readonly provider: string; readonly count: number; readonly refusal?: string }[] {
  requirePrivileges('list kernel probes', true);
  return listers
    .filter((l) => !l.onlyNamingModule)
    .map((l) => {
      const refusal = l.refusal();
      return refusal
        ? { provider: l.provider, count: uniqueNamesOf(l).length, refusal }
        : { provider: l.provider, count: uniqueNamesOf(l).length };
    });
}
