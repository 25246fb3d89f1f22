// Resolves attach points: provider aliases, the shape of each form, wildcard expansion, existence.
import type { AttachPoint } from '../ast.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import type { BtfParam } from '../btf.ts';
import type { KernelInfo, TracepointFormat, UsdtSite } from '../kernel.ts';
import { lookupProvider, providerNames } from '../providers.ts';
import type { Span } from '../source.ts';
import { closest } from '../suggest.ts';
import { globRegExp, isGlob } from '../glob.ts';
import { findPerfEvent, hardwareEvents, softwareEvents } from './perf-events.ts';
import { kprobeStandIns } from '../kprobe-hints.ts';

export type ResolvedAttach =
  | { readonly provider: 'BEGIN' | 'END'; readonly span: Span; readonly text: string }
  | {
      readonly provider: 'tracepoint';
      readonly group: string;
      readonly event: string;
      readonly format?: TracepointFormat;
      readonly span: Span;
      readonly text: string;
    }
  | {
      readonly provider: 'kprobe' | 'kretprobe';
      readonly func: string;
      readonly offset: number;
      readonly module?: string;
      readonly span: Span;
      readonly text: string;
    }
  /**
   * `btfId` (the btf_trace_<event> typedef) and `params` when the kernel's BTF knows the tracepoint: then it
   * loads as a BTF raw tracepoint (tp_btf) with typed `args`; otherwise as a plain raw tracepoint (arg0…).
   */
  | {
      readonly provider: 'rawtracepoint';
      readonly event: string;
      readonly btfId?: number;
      readonly params?: readonly BtfParam[];
      readonly span: Span;
      readonly text: string;
    }
  /** iter:task …: the bpf_iter_<target> function's BTF id and the fields of its context (meta first). */
  | {
      readonly provider: 'iter';
      readonly target: string;
      readonly btfId: number;
      readonly params: readonly BtfParam[];
      readonly span: Span;
      readonly text: string;
    }
  /** uprobe/uretprobe: the ELF file and file offset of the function (or address) in it. */
  | {
      readonly provider: 'uprobe' | 'uretprobe';
      readonly path: string;
      readonly func: string;
      readonly offset: bigint;
      readonly vaddr: bigint;
      readonly span: Span;
      readonly text: string;
    }
  /** usdt: the probe's site, semaphore and argument locations. */
  | { readonly provider: 'usdt'; readonly site: UsdtSite; readonly span: Span; readonly text: string }
  /** fentry/fexit: the kernel function's BTF FUNC id (attach_btf_id), parameters and return type. */
  | {
      readonly provider: 'fentry' | 'fexit';
      readonly func: string;
      readonly module?: string;
      readonly btfId: number;
      readonly params: readonly BtfParam[];
      readonly ret: number;
      readonly span: Span;
      readonly text: string;
    }
  | {
      readonly provider: 'software' | 'hardware';
      /** the event's canonical name and perf_event_attr.config */
      readonly event: string;
      readonly config: number;
      /** sample period: the program runs every `count` events */
      readonly count: number;
      readonly span: Span;
      readonly text: string;
    }
  | {
      readonly provider: 'watchpoint';
      readonly address: bigint;
      readonly length: 1 | 2 | 4 | 8;
      /** some of r, w, x (x alone: an execution breakpoint) */
      readonly mode: string;
      readonly span: Span;
      readonly text: string;
    }
  | {
      readonly provider: 'interval' | 'profile';
      readonly unit: 'hz' | 's' | 'ms' | 'us';
      readonly value: number;
      readonly span: Span;
      readonly text: string;
    };

const timerUnits = ['hz', 's', 'ms', 'us'] as const;

/**
 * An attach point's probes. Where the kernel cannot be asked (tracefs unreadable without root), the
 * runtime's error says why in a sentence: it becomes this attach point's diagnostic, not a crash.
 */
export function resolveAttachPoint(ap: AttachPoint, kernel: KernelInfo, diags: Diagnostic[], pid?: number): ResolvedAttach[] {
  try {
    return resolveOne(ap, kernel, diags, pid);
  } catch (e) {
    if (!isEnvironmentError(e)) throw e;
    diags.push(error(e.message, ap.span, e.hints.length ? [...e.hints] : undefined));
    return [];
  }
}

/** The runtime's environment failures (ScryRuntimeError, which lang cannot import) carry hints; bugs do not. */
function isEnvironmentError(e: unknown): e is Error & { readonly hints: readonly string[] } {
  return e instanceof Error && Array.isArray((e as { hints?: unknown }).hints);
}

function resolveOne(ap: AttachPoint, kernel: KernelInfo, diags: Diagnostic[], pid?: number): ResolvedAttach[] {
  const info = lookupProvider(ap.provider);
  if (!info) {
    const guess = closest(ap.provider, providerNames());
    diags.push(error(`unknown probe type '${ap.provider}'`, ap.span, guess ? [`did you mean '${guess}'?`] : undefined));
    return [];
  }
  const bad = (why: string) => {
    diags.push(error(`${why}`, ap.span, [`the form is ${info.usage}`]));
    return [];
  };
  const base = { span: ap.span, text: ap.raw };
  switch (info.name) {
    case 'BEGIN':
    case 'END':
      if (ap.parts.length) return bad(`${info.name} takes no arguments`);
      return [{ provider: info.name, ...base, text: info.name }];
    case 'tracepoint': {
      if (ap.parts.length !== 2 || !ap.parts[0] || !ap.parts[1]) return bad('tracepoint needs a group and an event');
      const [group, event] = ap.parts as [string, string];
      if (isGlob(group) || isGlob(event)) {
        const g = globRegExp(group);
        const e = globRegExp(event);
        const hits = kernel.tracepoints().filter((t) => g.test(t.group) && e.test(t.event));
        if (!hits.length) diags.push(error(`no tracepoint matches ${ap.raw}`, ap.span, ['list them with: scry -l "tracepoint:*"']));
        return hits.map((t) => ({
          provider: 'tracepoint' as const,
          group: t.group,
          event: t.event,
          format: kernel.tracepointFormat(t.group, t.event),
          ...base,
          text: `tracepoint:${t.group}:${t.event}`,
        }));
      }
      // names that cannot be a tracefs directory are unknown without asking (ENAMETOOLONG, `..`)
      const format = isFileName(group) && isFileName(event) ? kernel.tracepointFormat(group, event) : undefined;
      if (!format) {
        const all = kernel.tracepoints();
        const guess = closest(`${group}:${event}`, all.map((t) => `${t.group}:${t.event}`));
        diags.push(
          error(`unknown tracepoint ${group}:${event}`, ap.span, guess ? [`did you mean 'tracepoint:${guess}'?`] : [
            `list them with: scry -l "tracepoint:${group}:*"`,
          ]),
        );
        return [];
      }
      return [{ provider: 'tracepoint', group, event, format, ...base, text: `tracepoint:${group}:${event}` }];
    }
    case 'kprobe':
    case 'kretprobe': {
      if (ap.parts.length < 1 || ap.parts.length > 2) return bad(`${info.name} needs a function`);
      const module = ap.parts.length === 2 ? ap.parts[0] : undefined;
      const spec = ap.parts[ap.parts.length - 1]!;
      const m = /^([A-Za-z_.*?][\w.*?]*)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(spec);
      if (!m) return bad(`invalid ${info.name} function '${spec}'`);
      if (m[2] && info.name === 'kretprobe') return bad('kretprobe does not take an offset');
      const offset = m[2] ? Number(m[2]) : 0;
      const known = kernel.kernelFunctions();
      const inModule = (f: { module?: string }) => module === undefined || (isGlob(module) ? f.module !== undefined && globRegExp(module).test(f.module) : f.module === module);
      const one = (func: string, mod: string | undefined) => ({
        provider: info.name as 'kprobe' | 'kretprobe',
        func,
        offset,
        module: mod,
        ...base,
        text: `${info.name}:${mod ? mod + ':' : ''}${func}${offset ? `+${m[2]}` : ''}`,
      });
      if (isGlob(m[1]!) || (module !== undefined && isGlob(module))) {
        if (offset) return bad('a wildcard cannot take an offset');
        const re = globRegExp(m[1]!);
        const seen = new Set<string>();
        const hits = known.filter((f) => re.test(f.name) && inModule(f) && !seen.has(f.name) && seen.add(f.name));
        if (!hits.length) diags.push(error(`no kernel function matches ${ap.raw}`, ap.span, [`list them with: scry -l '${info.name}:*'`]));
        return hits.map((f) => one(f.name, module === undefined ? undefined : f.module));
      }
      // the kernel may not list its functions (then attaching says whether one exists)
      if (known.length && !known.some((f) => f.name === m[1] && inModule(f))) {
        diags.push(error(`unknown kernel function ${module ? `${module}:` : ''}${m[1]}`, ap.span, unknownFunctionHints(m[1]!, info.name, known, ap.span, kernel)));
        return [];
      }
      return [one(m[1]!, module)];
    }
    case 'interval':
    case 'profile': {
      if (ap.parts.length !== 2) return bad(`${info.name} needs a unit and a number`);
      const unit = ap.parts[0] as (typeof timerUnits)[number];
      if (!timerUnits.includes(unit)) return bad(`invalid ${info.name} unit '${ap.parts[0]}'`);
      const value = Number(ap.parts[1]);
      if (!/^\d+$/.test(ap.parts[1]!) || value <= 0) return bad(`invalid ${info.name} rate '${ap.parts[1]}'`);
      return [{ provider: info.name, unit, value, ...base, text: `${info.name}:${unit}:${value}` }];
    }
    case 'rawtracepoint': {
      if (ap.parts.length < 1 || ap.parts.length > 2 || !ap.parts[ap.parts.length - 1]) return bad('rawtracepoint needs an event');
      const event = ap.parts[ap.parts.length - 1]!;
      const btf = kernel.btf();
      const names = rawTracepointNames(kernel);
      const hits = isGlob(event) ? names.filter((n) => globRegExp(event).test(n)) : names.includes(event) ? [event] : [];
      if (!hits.length) {
        diags.push(error(`no raw tracepoint matches ${event}`, ap.span, rawTracepointHints(event, names, kernel)));
        return [];
      }
      return hits.map((e) => {
        const tp = btf?.rawTracepoint(e);
        return { provider: 'rawtracepoint' as const, event: e, ...(tp ? { btfId: tp.id, params: tp.params } : {}), ...base, text: `rawtracepoint:${e}` };
      });
    }
    case 'uprobe':
    case 'uretprobe': {
      if (ap.parts.length !== 2 || !ap.parts[0] || !ap.parts[1]) return bad(`${info.name} needs a binary and a function`);
      const [target, where] = ap.parts as [string, string];
      if (info.name === 'uretprobe' && /\+/.test(where)) return bad('uretprobe does not take an offset');
      const sites = kernel.userProbeSites(target, where, pid);
      if ('error' in sites) {
        diags.push(error(sites.error, ap.span, sites.hints ? [...sites.hints] : undefined));
        return [];
      }
      return sites.map((s) => ({
        provider: info.name as 'uprobe' | 'uretprobe',
        path: s.path,
        func: s.func,
        offset: s.offset,
        vaddr: s.vaddr,
        ...base,
        text: `${info.name}:${s.path}:${s.func || `0x${s.vaddr.toString(16)}`}${s.func && /\+/.test(where) ? where.slice(where.indexOf('+')) : ''}`,
      }));
    }
    case 'usdt': {
      if (ap.parts.length < 2 || ap.parts.length > 3 || ap.parts.some((p) => !p)) return bad('usdt needs a binary and a probe');
      const [target, a, b] = ap.parts as [string, string, string | undefined];
      const sites = kernel.usdtSites(target, b === undefined ? undefined : a, b ?? a, pid);
      if ('error' in sites) {
        diags.push(error(sites.error, ap.span, sites.hints ? [...sites.hints] : undefined));
        return [];
      }
      if (!sites.length) diags.push(error(`no USDT probe matches ${ap.raw}`, ap.span, [`list them with: scry -l 'usdt:${target}:*'`]));
      return sites.map((site) => ({ provider: 'usdt' as const, site, ...base, text: `usdt:${site.path}:${site.provider}:${site.name}` }));
    }
    case 'iter': {
      if (ap.parts.length !== 1 || !ap.parts[0]) return bad('iter needs a target, e.g. iter:task');
      const target = ap.parts[0];
      const btf = kernel.btf();
      if (!btf) {
        diags.push(error('iter probes need kernel type information (BTF), and this kernel has none', ap.span));
        return [];
      }
      const f = btf.funcProto(`bpf_iter_${target}`);
      if (!f) {
        const targets = btf.funcNames('bpf_iter_*').map((n) => n.slice('bpf_iter_'.length));
        const guess = closest(target, targets);
        diags.push(error(`unknown iterator '${target}'`, ap.span, [guess ? `did you mean 'iter:${guess}'?` : `this kernel has: ${targets.join(', ')}`]));
        return [];
      }
      return [{ provider: 'iter', target, btfId: f.id, params: f.params, ...base, text: `iter:${target}` }];
    }
    case 'fentry':
    case 'fexit': {
      if (ap.parts.length < 1 || ap.parts.length > 2 || !ap.parts[ap.parts.length - 1]) return bad(`${info.name} needs a kernel function`);
      const module = ap.parts.length === 2 ? ap.parts[0] : undefined;
      const name = ap.parts[ap.parts.length - 1]!;
      const btf = kernel.btf();
      if (!btf) {
        diags.push(error(`${info.name} probes need kernel type information (BTF), and this kernel has none`, ap.span, ['use kprobe/kretprobe or a tracepoint instead']));
        return [];
      }
      const out: ResolvedAttach[] = [];
      if (isGlob(name)) {
        // wildcards look in vmlinux, or in the one module named
        const where = module === undefined || module === 'vmlinux' ? btf : kernel.moduleBtf(module);
        if (!where) {
          diags.push(error(`no BTF for module ${module} (is it loaded? see /sys/kernel/btf)`, ap.span));
          return [];
        }
        for (const n of where.funcNames(name)) {
          const f = where.funcProto(n)!;
          out.push({ provider: info.name, func: n, ...(module && module !== 'vmlinux' ? { module } : {}), btfId: f.id, params: f.params, ret: f.ret, ...base, text: `${info.name}:${module && module !== 'vmlinux' ? `${module}:` : ''}${n}` });
        }
      } else {
        const found = kernel.functionBtf(name, module);
        const f = found?.btf.funcProto(name);
        if (!found || !f) {
          const guess = closest(name, btf.funcNames(`${name.slice(0, 3)}*`));
          diags.push(error(`no kernel function ${module ? `${module}:` : ''}${name} in BTF`, ap.span, [guess ? `did you mean '${info.name}:${guess}'?` : `list them with: scry -l '${info.name}:*'`]));
          return [];
        }
        const mod = found.module === 'vmlinux' ? undefined : found.module;
        out.push({ provider: info.name, func: name, ...(mod ? { module: mod } : {}), btfId: f.id, params: f.params, ret: f.ret, ...base, text: `${info.name}:${mod ? `${mod}:` : ''}${name}` });
      }
      if (!out.length) diags.push(error(`no kernel function matches ${ap.raw}`, ap.span, [`list them with: scry -l '${info.name}:*'`]));
      return out;
    }
    case 'software':
    case 'hardware': {
      if (ap.parts.length < 1 || ap.parts.length > 2) return bad(`${info.name} needs an event`);
      const table = info.name === 'software' ? softwareEvents : hardwareEvents;
      const ev = findPerfEvent(table, ap.parts[0]!);
      if (!ev) {
        const guess = closest(ap.parts[0]!, table.flatMap((e) => [e.name, ...e.aliases]));
        diags.push(error(`unknown ${info.name} event '${ap.parts[0]}'`, ap.span, [guess ? `did you mean '${guess}'?` : `the events are ${table.map((e) => e.name).join(', ')}`]));
        return [];
      }
      const countText = ap.parts[1];
      if (countText !== undefined && (!/^\d+$/.test(countText) || Number(countText) <= 0)) return bad(`invalid ${info.name} count '${countText}'`);
      const count = countText === undefined ? ev.defaultCount : Number(countText);
      return [{ provider: info.name, event: ev.name, config: ev.config, count, ...base, text: `${info.name}:${ev.name}:${count}` }];
    }
    case 'watchpoint': {
      if (ap.parts.length !== 3) return bad('watchpoint needs an address, a length and a mode');
      const [addrText, lenText, mode] = ap.parts as [string, string, string];
      if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(addrText)) return bad(`invalid watchpoint address '${addrText}'`);
      const length = Number(lenText);
      if (![1, 2, 4, 8].includes(length)) return bad(`watchpoint length must be 1, 2, 4 or 8, got '${lenText}'`);
      if (!/^(r|w|x|rw|wr)$/.test(mode)) return bad(`invalid watchpoint mode '${mode}' (r, w, rw or x)`);
      const address = BigInt(addrText);
      return [{ provider: 'watchpoint', address, length: length as 1 | 2 | 4 | 8, mode, ...base, text: `watchpoint:0x${address.toString(16)}:${length}:${mode}` }];
    }
    default:
      diags.push(
        error(`scry does not support ${info.name} probes yet`, ap.span, [
          'supported now: BEGIN, END, tracepoint, rawtracepoint, kprobe, kretprobe, uprobe, uretprobe, usdt, fentry, fexit, iter, interval, profile, software, hardware, watchpoint',
        ]),
      );
      return [];
  }
}

/**
 * The raw tracepoints BPF_RAW_TRACEPOINT_OPEN accepts: with BTF, one `btf_trace_<name>` typedef per
 * tracepoint the kernel defines; without, the tracefs events other than syscall events (sys_enter_openat is
 * an event of the sys_enter tracepoint) and dynamic kprobe/uprobe events.
 */
function rawTracepointNames(kernel: KernelInfo): string[] {
  const btf = kernel.btf();
  if (btf) return btf.rawTracepointNames();
  const notTracepoints = new Set(['syscalls', 'ftrace', 'kprobes', 'uprobes']);
  return [...new Set(kernel.tracepoints().filter((t) => !notTracepoints.has(t.group)).map((t) => t.event))];
}

/** What to try instead of a raw tracepoint that is not there: the syscall tracepoint it was named after. */
function rawTracepointHints(event: string, names: readonly string[], kernel: KernelInfo): string[] {
  const sys = /^sys_(enter|exit)_\w+$/.exec(event);
  if (sys && kernel.tracepoints().some((t) => t.group === 'syscalls' && t.event === event)) {
    return [
      `${event} is a syscall event, not a raw tracepoint: use tracepoint:syscalls:${event}, or rawtracepoint:sys_${sys[1]} (every syscall; the number is in its arguments)`,
    ];
  }
  const guess = isGlob(event) ? undefined : closest(event, [...names]);
  return [guess ? `did you mean 'rawtracepoint:${guess}'?` : `list them with: scry -l 'rawtracepoint:*'`];
}

/**
 * A kprobe on a function this kernel does not have: the tracepoints that see what the function did (the
 * table in lang/kprobe-hints.ts) and, for a function renamed here (kmem_cache_alloc is
 * kmem_cache_alloc_noprof since Linux 6.10), its name; otherwise the closest name, as for any typo.
 */
function unknownFunctionHints(func: string, provider: 'kprobe' | 'kretprobe', known: readonly { readonly name: string }[], span: Span, kernel: KernelInfo): string[] {
  const standIns = kprobeStandIns({ func, provider, span }, kernel);
  const renamed = known.find((f) => f.name === `${func}_noprof`)?.name;
  if (standIns.length) return renamed ? [...standIns, `this kernel calls the function ${renamed}`] : standIns;
  const guess = renamed ?? closest(func, [...new Set(known.map((f) => f.name))]);
  return [guess ? `did you mean '${provider}:${guess}'?` : `list them with: scry -l '${provider}:*'`];
}

/** A name that can be one directory entry (NAME_MAX is 255 bytes). */
function isFileName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && Buffer.byteLength(name) <= 255;
}
