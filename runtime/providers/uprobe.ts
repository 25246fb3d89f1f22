// uprobe/uretprobe and usdt: perf events on the uprobe PMU, in the -p process or in every process.
// Their names are per binary: -l uprobe:BINARY:PATTERN reads them from that file (or a library or program
// found as ld.so and the shell would); names come from a file anyone may have written, so their control
// characters print escaped (printable.ts).
import type { ResolvedOf } from '../../lang/index.ts';
import { globRegExp } from '../../lang/index.ts';
import type { Attachment } from '../attach/types.ts';
import { attachUprobe } from '../attach/uprobe.ts';
import { attachUprobeMulti } from '../attach/uprobe-multi.ts';
import { hasUprobeMulti } from '../features.ts';
import {
  expandTargets,
  listUprobeFunctions,
  openTarget,
  targetDwarf,
  targetUsdtProbes,
  type TargetFile,
} from '../kernel/elf/index.ts';
import { printable } from '../printable.ts';
import { pmuType } from '../sys/index.ts';
import type { RuntimeProviderRow } from './row.ts';

/** The files a listed binary names (wildcards expanded, `*` with -p: every file the process maps), as shown. */
function listedFiles(binary: string, pid: number | undefined): { shown: string; file: TargetFile }[] {
  return expandTargets(binary, pid).map((t) => {
    const file = openTarget(t, pid !== undefined ? { pid } : {});
    return { shown: t.includes('/') ? t : file.path, file };
  });
}

/**
 * The functions of a binary matching a glob, the binary shown as written; -v: each one's parameters from the
 * file's DWARF (or its debug file's, or their split units' .dwo/.dwp), as bpftrace v0.26 lists them, and a warning
 * for a file without any or with split units not found.
 */
function listFunctions(
  provider: string,
  binary: string,
  pattern: string,
  verbose: boolean,
  pid: number | undefined,
  warn: (message: string) => void,
): string[] {
  return listedFiles(binary, pid).flatMap(({ shown, file }) => {
    const functions = listUprobeFunctions(file, pattern);
    const dwarf = verbose && functions.length ? targetDwarf(file) : undefined;
    if (verbose && functions.length && !dwarf) warn(`No DWARF found for "${shown}", cannot show parameter info`);
    const lines = functions.flatMap((f) => [
      printable(`${provider}:${shown}:${f}`),
      ...(dwarf?.functionParams(f) ?? []).map((p) => printable(`    ${p}`)),
    ]);
    for (const w of dwarf?.splitWarnings(shown) ?? []) warn(printable(w));
    return lines;
  });
}

/** The USDT probes of a binary matching `[provider:]name` globs; with -v, their argument specs. */
function listUsdt(_provider: string, binary: string, pattern: string, verbose: boolean, pid?: number): string[] {
  const re = globRegExp(pattern.includes(':') ? pattern.replace(/^:/, '*:') : `*:${pattern}`);
  const out: string[] = [];
  for (const { shown, file } of listedFiles(binary, pid)) {
    const sorted = [...targetUsdtProbes(file)].sort((a, b) =>
      `${a.provider}:${a.name}` < `${b.provider}:${b.name}` ? -1 : 1,
    );
    for (const u of sorted) {
      if (!re.test(`${u.provider}:${u.name}`)) continue;
      out.push(printable(`usdt:${shown}:${u.provider}:${u.name}`));
      if (verbose)
        u.argsText
          .split(/\s+/)
          .filter(Boolean)
          .forEach((a, i) => out.push(printable(`    arg${i}: ${a}`)));
    }
  }
  return out;
}

export const uprobe: RuntimeProviderRow<ResolvedOf<'uprobe'>> = {
  newestFirst: true,
  attach: (p, a, ctx) => {
    const all = [a, ...((p.spec.alsoAttach ?? []) as ResolvedOf<'uprobe'>[])];
    // the cookie of each (the program reads `probe` from it), where it reads one
    const first = p.spec.attachCookie;
    const cookies = first === undefined ? undefined : [first, ...(p.spec.alsoAttachCookies ?? [])];
    if (cookies && cookies.length !== all.length)
      throw new Error(`${a.text}: ${cookies.length} cookies for ${all.length} functions`);
    const pid = ctx.pid ?? -1;
    const retprobe = a.provider === 'uretprobe';
    // one program on many functions of one file (compiler/attach-groups.ts): one link where the kernel has them
    if (all.length > 1 && hasUprobeMulti())
      return [
        attachUprobeMulti(p, {
          path: a.path,
          offsets: all.map((x) => x.offset),
          retprobe,
          pid,
          description: `${a.text} and ${all.length - 1} more`,
          ...(cookies ? { cookies } : {}),
        }),
      ];
    const out: Attachment[] = [];
    try {
      all.forEach((x, i) => {
        const cookie = cookies?.[i];
        out.push(
          attachUprobe(p, {
            path: x.path,
            offset: x.offset,
            retprobe,
            pid,
            description: x.text,
            ...(cookie !== undefined ? { cookie } : {}),
          }),
        );
      });
    } catch (e) {
      for (const done of out) done.close();
      throw e;
    }
    return out;
  },
  listBinary: listFunctions,
  info: () => ({
    name: 'uprobe',
    ok: pmuType('uprobe') !== undefined,
    ...(pmuType('uprobe') !== undefined ? {} : { note: 'no uprobe PMU' }),
  }),
};

export const usdt: RuntimeProviderRow<ResolvedOf<'usdt'>> = {
  newestFirst: true,
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
