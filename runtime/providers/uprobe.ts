// uprobe/uretprobe and usdt: perf events on the uprobe PMU, in the -p process or in every process.
// Their names are per binary: -l uprobe:BINARY:PATTERN reads them from that file (or a library or program
// found as ld.so and the shell would); names come from a file anyone may have written, so their control
// characters print escaped (printable.ts).
import type { ResolvedOf } from '../../lang/index.ts';
import { globRegExp } from '../../lang/index.ts';
import { attachUprobe } from '../attach/uprobe.ts';
import { listUprobeFunctions, openTarget, targetUsdtProbes } from '../kernel/elf/index.ts';
import { printable } from '../printable.ts';
import { pmuType } from '../sys/index.ts';
import type { RuntimeProviderRow } from './row.ts';

/** The functions of a binary matching a glob. */
function listFunctions(provider: string, binary: string, pattern: string): string[] {
  const file = openTarget(binary);
  return listUprobeFunctions(file, pattern).map((f) => printable(`${provider}:${file.path}:${f}`));
}

/** The USDT probes of a binary matching `[provider:]name` globs; with -v, their argument specs. */
function listUsdt(_provider: string, binary: string, pattern: string, verbose: boolean): string[] {
  const file = openTarget(binary);
  const re = globRegExp(pattern.includes(':') ? pattern : `*:${pattern}`);
  const out: string[] = [];
  const sorted = [...targetUsdtProbes(file)].sort((a, b) =>
    `${a.provider}:${a.name}` < `${b.provider}:${b.name}` ? -1 : 1,
  );
  for (const u of sorted) {
    if (!re.test(`${u.provider}:${u.name}`)) continue;
    out.push(printable(`usdt:${file.path}:${u.provider}:${u.name}`));
    if (verbose)
      u.argsText
        .split(/\s+/)
        .filter(Boolean)
        .forEach((a, i) => out.push(printable(`    arg${i}: ${a}`)));
  }
  return out;
}

export const uprobe: RuntimeProviderRow<ResolvedOf<'uprobe'>> = {
  attach: (p, a, ctx) => [
    attachUprobe(p, {
      path: a.path,
      offset: a.offset,
      retprobe: a.provider === 'uretprobe',
      pid: ctx.pid ?? -1,
      description: a.text,
    }),
  ],
  listBinary: listFunctions,
  info: () => ({
    name: 'uprobe',
    ok: pmuType('uprobe') !== undefined,
    ...(pmuType('uprobe') !== undefined ? {} : { note: 'no uprobe PMU' }),
  }),
};

export const usdt: RuntimeProviderRow<ResolvedOf<'usdt'>> = {
  attach: (p, a, ctx) => [
    attachUprobe(p, {
      path: a.site.path,
      offset: a.site.offset,
      retprobe: false,
      pid: ctx.pid ?? -1,
      ...(a.site.semaphoreOffset !== undefined ? { refCtrOffset: a.site.semaphoreOffset } : {}),
      description: a.text,
    }),
  ],
  listBinary: listUsdt,
};
