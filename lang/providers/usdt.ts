// usdt:binary:[provider:]probe: a static probe note in an ELF file; argN reads what the note's argument
// specs say (a register, memory, a constant). The context is pt_regs.
import type { UsdtSite } from '../kernel.ts';
import { isGlob } from '../glob.ts';
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedUsdt extends ResolvedBase {
  readonly provider: 'usdt';
  /** the probe's site, semaphore and argument locations */
  readonly site: UsdtSite;
}

export const usdt: ProviderRow<ResolvedUsdt> = {
  name: 'usdt',
  aliases: ['U'],
  usage: 'usdt:binary:[provider:]probe',
  reads: { argN: 'usdt', ptRegs: true, currentTask: true, taskContext: true, memory: 'user' },
  context: (a) => ({ usdt: a.site }),
  resolve(r) {
    const { ap, kernel } = r;
    // usdt:* and an empty binary (usdt::p, usdt:::p) need -p: every file the process maps; an empty
    // provider (usdt:bin::p) is any provider
    // with -p the binary may be left out (usdt:probe: bpftrace v0.26's usdt_parser), every file the process maps
    const parts =
      ap.parts.length === 1 && ap.parts[0] === '*'
        ? ['*', '*']
        : ap.parts.length === 1 && r.pid !== undefined
          ? ['', ap.parts[0]!]
          : ap.parts;
    if (parts.length < 2 || parts.length > 3 || parts.slice(1).some((p, i, all) => !p && i === all.length - 1))
      return r.bad('usdt needs a binary and a probe');
    if (!parts[0] && r.pid === undefined) return r.bad('usdt needs a binary (or -p PID to look in every file it maps)');
    const [target, a, b] = parts as [string, string, string | undefined];
    const provider = b === undefined || a === '' ? undefined : a;
    const sites = kernel.usdtSites(target, provider, b ?? a, r.pid);
    // bpftrace v0.26 expands a usdt point without a provider, or with -p, as it expands a pattern
    const pattern = isGlob(ap.raw) || provider === undefined || r.pid !== undefined;
    if ('error' in sites)
      return sites.missing ? r.missing(sites.error, sites.hints ?? [], pattern) : fail(r, sites.error, sites.hints);
    if (!sites.length)
      return r.missing(`no USDT probe matches ${ap.raw}`, [`list them with: scry -l 'usdt:${target}:*'`], true);
    return sites.map((site) => ({
      provider: 'usdt' as const,
      site,
      ...r.base,
      text: `usdt:${site.shown ?? site.path}:${site.provider}:${site.name}`,
    }));
  },
};
