// What the REPL can tell about this kernel: probes, their arguments, kernel types, features. Every source
// of facts sits behind one small function here, so both the dot commands (commands.ts) and completion
// (complete.ts) get it. Probe names come only from the runtime's listing (runtime/listing.ts, the same as
// `scry -l`): what it lists is what can attach on this kernel. A source that does not exist yet answers
// `undefined`, and the command says so.
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { lookupProvider, type BtfTypes, type ProviderName } from '../lang/index.ts';
import {
  PrivilegeError,
  hasKprobeEvents,
  hasKprobePmu,
  hostKernelInfo,
  kernelInfoText,
  probeListing,
  probeNames as listedNames,
  providerSummary,
  tracefsRoot,
  vmlinuxBtf,
} from '../runtime/index.ts';

/** An answer for the user, or the sentence saying why there is none. */
export type Answer = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

const notYet = (what: string): Answer => ({ ok: false, message: `not available yet: ${what}` });

// ---- sources (plug new ones in here) ----

const kernel = hostKernelInfo();

/** The kernel's BTF, or undefined when this kernel has none (or it cannot be read). */
export function kernelBtf(): BtfTypes | undefined {
  try {
    return vmlinuxBtf();
  } catch {
    return undefined;
  }
}

/**
 * Kernel function names starting with `prefix` that a function probe can attach to here, from the runtime's
 * listing: kprobe's (kallsyms) where this kernel has kprobes, else fentry's (BTF) where it runs fentry;
 * [] where neither attaches. Completion asks this for kprobe and fentry alike.
 */
export function kernelFunctions(prefix = ''): readonly string[] {
  const kprobes = probeNames('kprobe', prefix);
  return kprobes.length ? kprobes : probeNames('fentry', prefix);
}

/**
 * Function symbols of a binary for uprobes, from the runtime's listing (uprobe:BINARY:*), or undefined when
 * the binary cannot be read (no such file, not an ELF file).
 */
export function uprobeSymbols(binary: string): readonly string[] | undefined {
  try {
    // the listing names each `uprobe:<resolved path>:<function>`
    return probeListing(`uprobe:${binary}:*`).lines.map((l) => l.slice(l.indexOf(':', 'uprobe:'.length) + 1));
  } catch {
    return undefined;
  }
}

/** The fields of a struct or union (`task_struct` or `struct task_struct`) as name and C type. */
export function structFields(name: string): readonly { readonly name: string; readonly type: string }[] | undefined {
  const btf = kernelBtf();
  if (!btf) return undefined;
  const id = btf.lookup(name) ?? btf.lookup(`struct ${name}`) ?? btf.lookup(`union ${name}`);
  if (id === undefined) return undefined;
  const out: { name: string; type: string }[] = [];
  // anonymous members contribute their own members, as C lets you name them directly
  const walk = (tid: number, depth: number) => {
    for (const m of btf.members(tid) ?? []) {
      if (m.name === '' && depth < 8) walk(m.type, depth + 1);
      else if (m.name !== '') out.push({ name: m.name, type: btf.typeName(m.type) });
    }
  };
  walk(id, 0);
  return out;
}

// ---- answers for the dot commands ----

/** `.probes PATTERN`: probes matching a bpftrace-style pattern, one a line, from the runtime's listing (as -l). */
export function probes(pattern: string): Answer {
  const p = pattern.trim();
  try {
    if (!p) return { ok: true, text: probeSummary() };
    const listing = probeListing(p);
    const text = listing.lines.length ? `${listing.lines.join('\n')}\n` : `no probes that attach here match ${p}\n`;
    return { ok: true, text: text + (listing.unavailable ? `(${listing.unavailable})\n` : '') };
  } catch (e) {
    const user = /^(?:uprobe|uretprobe|usdt|u|ur|U):([^:]+)/.exec(p);
    return {
      ok: false,
      message: user ? `cannot read the functions of ${user[1]}: ${(e as Error).message}` : (e as Error).message,
    };
  }
}

/** `.probes` alone: how many probes each provider has, which cannot attach and why, and how to ask for names. */
function probeSummary(): string {
  const rows = providerSummary();
  const w = Math.max(...rows.map((r) => r.provider.length));
  const line = (r: (typeof rows)[number]) =>
    `  ${r.provider.padEnd(w)}  ${String(r.count).padStart(6)}${r.refusal ? `  cannot attach here: ${r.refusal}` : ''}\n`;
  return (
    'probes on this kernel, by provider:\n' +
    rows.map(line).join('') +
    '  uprobe/usdt: per binary, e.g. .probes uprobe:/bin/bash:read*\n' +
    'list names with a pattern: .probes PATTERN, e.g. .probes *openat*, .probes tracepoint:sched:*\n'
  );
}

/**
 * Names for completion, from the runtime's listing: the probes of `provider` that attach here whose name
 * (without the provider, `group:event` for tracepoints) starts with `prefix`. [] for a provider that
 * cannot attach here, or when the names cannot be read (no privileges, no tracefs). Cached by the listing,
 * so it is cheap to call on every Tab.
 */
export function probeNames(provider: string, prefix = ''): readonly string[] {
  try {
    return listedNames(provider, `${globEscape(prefix)}*`);
  } catch {
    return []; // no privileges, no tracefs: nothing to offer
  }
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** `.args PROBE`: a probe's arguments with their C types, the way `bpftrace -lv` shows them. */
export function probeArgs(probe: string): Answer {
  const p = probe.trim();
  const parts = p.split(':');
  const provider = lookupProvider(parts[0] ?? '')?.name;
  if (provider === undefined)
    return { ok: false, message: `usage: .args PROBE, e.g. .args tracepoint:syscalls:sys_enter_openat` };
  const args = argsOf[provider];
  return args ? args(provider, parts, p) : notYet(`arguments of ${provider} probes`);
}

/** `.args` per provider: the arguments of the probes `parts` names (parts[0] is the provider). */
type ArgsLister = (provider: ProviderName, parts: readonly string[], probe: string) => Answer;

const tracepointArgs: ArgsLister = (_provider, parts, probe) => {
  if (parts.length !== 3) return { ok: false, message: 'usage: .args tracepoint:GROUP:EVENT (wildcards allowed)' };
  let names: readonly string[];
  try {
    names = listedNames('tracepoint', `${parts[1]}:${parts[2]}`);
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
  if (!names.length) return { ok: false, message: `no tracepoint matches ${probe}` };
  const out: string[] = [];
  for (const name of names.slice(0, 50)) {
    const [group, event] = name.split(':') as [string, string];
    out.push(`tracepoint:${name}`);
    for (const f of kernel.tracepointFormat(group, event)?.fields ?? [])
      if (!f.common) out.push(`    ${fieldDecl(f.type, f.name)}`);
  }
  if (names.length > 50) out.push(`(${names.length - 50} more: narrow the pattern)`);
  return { ok: true, text: out.join('\n') + '\n' };
};

/** A kernel function's parameters (and retval for return probes) from BTF. */
const functionArgs =
  (withRetval: boolean): ArgsLister =>
  (provider, parts) => {
    const btf = kernelBtf();
    if (!btf) return notYet('function arguments (this kernel has no BTF)');
    const fn = btf.funcProto(parts[parts.length - 1] ?? '');
    if (!fn) return { ok: false, message: `no kernel function ${parts[parts.length - 1]} in BTF` };
    const lines = [`${provider}:${fn.name}`, ...fn.params.map((a) => `    ${btf.declaration(a.type, a.name)}`)];
    if (withRetval) lines.push(`    ${btf.declaration(fn.ret, 'retval')}`);
    return { ok: true, text: lines.join('\n') + '\n' };
  };

const rawTracepointArgs: ArgsLister = (_provider, parts) => {
  const btf = kernelBtf();
  if (!btf) return notYet('raw tracepoint arguments (this kernel has no BTF)');
  const name = parts[parts.length - 1] ?? '';
  const args = btf.rawTracepointArgs(name);
  if (!args) return { ok: false, message: `no raw tracepoint ${name} in BTF` };
  return {
    ok: true,
    text: [`rawtracepoint:${name}`, ...args.map((a) => `    ${btf.declaration(a.type, a.name)}`)].join('\n') + '\n',
  };
};

const argsOf: Partial<Record<ProviderName, ArgsLister>> = {
  tracepoint: tracepointArgs,
  kprobe: functionArgs(false),
  kretprobe: functionArgs(true),
  fentry: functionArgs(false),
  fexit: functionArgs(true),
  rawtracepoint: rawTracepointArgs,
};

/** A tracepoint field as C declares it: `const char * filename`, `char comm[16]`. */
function fieldDecl(type: string, name: string): string {
  const arr = /^(.*?)(\[[^\]]*\])$/.exec(type);
  return arr ? `${arr[1]} ${name}${arr[2]}` : `${type} ${name}`;
}

/** `.type NAME`: a kernel type as C (struct, union, enum, typedef; `struct x` or a bare name). */
export function typeAsC(name: string): Answer {
  const n = name.trim();
  if (!n) return { ok: false, message: 'usage: .type NAME, e.g. .type task_struct' };
  const btf = kernelBtf();
  if (!btf) return notYet('kernel types (this kernel has no BTF at /sys/kernel/btf/vmlinux)');
  const id = btf.lookup(n) ?? btf.lookup(`struct ${n}`) ?? btf.lookup(`union ${n}`) ?? btf.lookup(`enum ${n}`);
  if (id === undefined) return { ok: false, message: `no kernel type ${n}` };
  return { ok: true, text: btf.definition(id) + '\n' };
}

/** `.info`: what this kernel supports, the report `scry --info` prints (measured once per boot, cached). */
export function kernelFeatures(): Answer {
  try {
    return { ok: true, text: kernelInfoText() };
  } catch (e) {
    if (e instanceof PrivilegeError) return { ok: false, message: e.message };
    // the full report failed: say what the simple looks can tell
    const yes = (b: boolean) => (b ? 'yes' : 'no');
    let tracefs: string;
    try {
      tracefs = tracefsRoot();
    } catch (err) {
      tracefs = `unavailable (${(err as Error).message})`;
    }
    const rows: [string, string][] = [
      ['kernel', `${release()} (${process.arch})`],
      ['tracefs', tracefs],
      ['BTF', existsSync('/sys/kernel/btf/vmlinux') ? 'yes' : 'no'],
      ['kprobe PMU', yes(hasKprobePmu())],
      ['kprobe_events', yes(hasKprobeEvents())],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    return {
      ok: true,
      text: `the feature report failed: ${(e as Error).message}\n${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}\n`).join('')}`,
    };
  }
}
