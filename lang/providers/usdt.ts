// usdt:binary:[provider:]probe: a static probe note in an ELF file; argN reads what the note's argument
// specs say (a register, memory, a constant). The context is pt_regs.
import type { UsdtSite } from '../kernel.ts';
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
  reads: { argN: 'usdt', ptRegs: true },
  context: (a) => ({ usdt: a.site }),
  resolve(r) {
    const { ap, kernel } = r;
    if (ap.parts.length < 2 || ap.parts.length > 3 || ap.parts.some((p) => !p))
      return r.bad('usdt needs a binary and a probe');
    const [target, a, b] = ap.parts as [string, string, string | undefined];
    const sites = kernel.usdtSites(target, b === undefined ? undefined : a, b ?? a, r.pid);
    if ('error' in sites) return fail(r, sites.error, sites.hints);
    if (!sites.length) fail(r, `no USDT probe matches ${ap.raw}`, [`list them with: scry -l 'usdt:${target}:*'`]);
    return sites.map((site) => ({
      provider: 'usdt' as const,
      site,
      ...r.base,
      text: `usdt:${site.path}:${site.provider}:${site.name}`,
    }));
  },
};
