// kprobe/kretprobe: any kernel function (from kallsyms), at entry (+offset) or return; the context is pt_regs.
import { warning } from '../diagnostics.ts';
import { closest } from '../suggest.ts';
import { globRegExp, isGlob, plainPart } from '../glob.ts';
import type { KernelFunction, KernelInfo } from '../kernel.ts';
import { kprobeStandIns } from '../kprobe-hints.ts';
import type { Span } from '../source.ts';
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedKprobe extends ResolvedBase {
  readonly provider: 'kprobe' | 'kretprobe';
  readonly func: string;
  readonly offset: number;
  readonly module?: string;
  /** kprobe:ADDRESS (--unsafe): the kernel address itself, no function named (`func` is empty) */
  readonly address?: bigint;
}

function kprobeRow(name: 'kprobe' | 'kretprobe'): ProviderRow<ResolvedKprobe> {
  return {
    name,
    aliases: [name === 'kprobe' ? 'k' : 'kr'],
    usage: name === 'kprobe' ? 'kprobe:function[+offset]' : 'kretprobe:function',
    reads:
      name === 'kprobe'
        ? { argN: 'pt_regs', func: 'pt_regs', ptRegs: true, override: true, currentTask: true, memory: 'kernel' }
        : { retval: 'pt_regs', func: 'func_ip', ptRegs: true, currentTask: true, memory: 'kernel' },
    resolve: (r) => resolveKprobe(r, name),
  };
}

export const kprobe = kprobeRow('kprobe');
export const kretprobe = kprobeRow('kretprobe');

function resolveKprobe(
  r: Parameters<ProviderRow<ResolvedKprobe>['resolve']>[0],
  name: 'kprobe' | 'kretprobe',
): ResolvedKprobe[] {
  const { ap, kernel } = r;
  if (ap.parts.length < 1 || ap.parts.length > 2) return r.bad(`${name} needs a function`);
  const module = ap.parts.length === 2 ? ap.parts[0] : undefined;
  const spec = ap.parts[ap.parts.length - 1]!;
  // kprobe:ADDRESS: the kernel gets the address unchecked, so only with --unsafe (bpftrace v0.26's rule and words)
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(spec) && module === undefined) {
    if (!r.unsafe)
      return fail(r, 'Probing by address requires --unsafe', [
        `name the function instead (${name}:vfs_read), or pass --unsafe if the address is right`,
      ]);
    const address = BigInt(spec);
    // named by the address in decimal, as bpftrace v0.26 names it
    return [{ provider: name, func: '', offset: 0, address, ...r.base, text: `${name}:${address}` }];
  }
  const m = /^([A-Za-z_.*?][\w.*?]*)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(spec);
  if (!m) return r.bad(`invalid ${name} function '${spec}'`);
  if (m[2] && name === 'kretprobe') return r.bad('kretprobe does not take an offset');
  const offset = m[2] ? Number(m[2]) : 0;
  // kprobe:MODULE:func: the module must be loaded, which its functions in the kernel's list say (v0.26's words)
  if (module !== undefined && module !== 'vmlinux' && !isGlob(module)) {
    const ofModule = functionsNaming(kernel, module);
    if (ofModule && !ofModule.some((f) => f.module === module))
      return fail(r, `specified module ${module} in probe ${name}:${module}:${spec} is not loaded.`, [
        `load it first (modprobe ${module}), or leave the module out: ${name}:${spec}`,
      ]);
  }
  const listed = functionsNaming(kernel, m[1]!);
  const known = listed ?? [];
  // the kernel's own functions are in the module `vmlinux` (bpftrace v0.26: kprobe:vmlinux:vfs_read, vmlinu*:…)
  const moduleOf = (f: { module?: string }) => f.module ?? 'vmlinux';
  const inModule = (f: { module?: string }) =>
    module === undefined || (isGlob(module) ? globRegExp(module).test(moduleOf(f)) : moduleOf(f) === module);
  const one = (func: string, mod: string | undefined): ResolvedKprobe => ({
    provider: name,
    func,
    offset,
    module: mod,
    ...r.base,
    text: `${name}:${mod ? mod + ':' : ''}${func}${offset ? `+${m[2]}` : ''}`,
  });
  if (isGlob(m[1]!) || (module !== undefined && isGlob(module))) {
    if (offset) return r.bad('a wildcard cannot take an offset');
    const re = globRegExp(m[1]!);
    const seen = new Set<string>();
    const hits = known.filter((f) => re.test(f.name) && inModule(f) && !seen.has(f.name) && seen.add(f.name));
    if (!hits.length)
      return r.missing(`no kernel function matches ${ap.raw}`, [`list them with: scry -l '${name}:*'`], true);
    return hits.map((f) => one(f.name, module === undefined ? undefined : f.module));
  }
  // the kernel may not list its functions (then attaching says whether one exists)
  if (listed && !known.some((f) => f.name === m[1] && inModule(f))) {
    // --unsafe attaches anyway (a kernel may allow notrace functions)
    const none = r.unsafe
      ? undefined
      : r.missing(
          `unknown kernel function ${module ? `${module}:` : ''}${m[1]}`,
          unknownFunctionHints(m[1]!, name, kernel.kernelFunctions(), ap.span, kernel),
          false,
        );
    // bpftrace v0.26's warning in its words, where kprobes attach at all
    if (kernel.kprobesAttach?.() !== false)
      r.diags.push(
        warning(
          `${m[1]} is not traceable (either non-existing, inlined, or marked as "notrace"); attaching to it will likely fail`,
          ap.span,
        ),
      );
    if (none) return none;
  }
  return [one(m[1]!, module === 'vmlinux' ? undefined : module)];
}

/**
 * The kernel's functions a name or wildcard may match: those with its longest plain part in them, where the kernel
 * can find them so (kernelFunctionsWith), else all; undefined when the kernel does not list its functions.
 */
function functionsNaming(kernel: KernelInfo, spec: string): readonly KernelFunction[] | undefined {
  const literal = plainPart(spec);
  if (literal && kernel.kernelFunctionsWith) return kernel.kernelFunctionsWith(literal);
  const all = kernel.kernelFunctions();
  return all.length ? all : undefined;
}

/**
 * A kprobe on a function this kernel does not have: the tracepoints that see what the function did (the
 * table in lang/kprobe-hints.ts) and, for a function renamed here (kmem_cache_alloc is
 * kmem_cache_alloc_noprof since Linux 6.10), its name; otherwise the closest name, as for any typo.
 */
function unknownFunctionHints(
  func: string,
  provider: 'kprobe' | 'kretprobe',
  known: readonly { readonly name: string }[],
  span: Span,
  kernel: KernelInfo,
): string[] {
  const standIns = kprobeStandIns({ func, provider, span }, kernel);
  if (kernel.kprobesAttach?.() === false) {
    // another kernel function would not attach either: only what does attach here is worth naming
    const none = `no ${provider} attaches on this kernel (built without CONFIG_KPROBES)`;
    return standIns.length ? [none, ...standIns] : [none, `trace a tracepoint instead: scry -l 'tracepoint:*'`];
  }
  const renamed = known.find((f) => f.name === `${func}_noprof`)?.name;
  if (standIns.length) return renamed ? [...standIns, `this kernel calls the function ${renamed}`] : standIns;
  const guess = renamed ?? closest(func, [...new Set(known.map((f) => f.name))]);
  return [guess ? `did you mean '${provider}:${guess}'?` : `list them with: scry -l '${provider}:*'`];
}
