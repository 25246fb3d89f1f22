// uprobe/uretprobe: a function (or address, or source line) in an ELF file, at entry or return; the context is pt_regs.
import type { BtfParam } from '../btf.ts';
import { warning } from '../diagnostics.ts';
import { isGlob } from '../glob.ts';
import { fail, type ProviderRow, type ResolveRequest, type ResolvedBase } from './row.ts';
import { sourceLocation, type SourceLocation } from './uprobe-line.ts';

export interface ResolvedUprobe extends ResolvedBase {
  readonly provider: 'uprobe' | 'uretprobe';
  /** the ELF file, and the file offset and virtual address of the function (or address) in it */
  readonly path: string;
  readonly func: string;
  readonly offset: bigint;
  readonly vaddr: bigint;
  /** uprobe:BIN@FILE:LINE[:COL]: the source line it is on (then `func` is the function holding that code) */
  readonly sourceLine?: string;
  /** uprobe:BIN:ADDRESS: placed by its address (`func` is the function holding it, '' if none does) */
  readonly byAddress?: true;
  /**
   * a uprobe on a function (no offset): its parameters typed from the binary's DWARF, with the ids the checker gave
   * their types (lang/check/user-types.ts) where the probe reads `args`; absent before, and without DWARF
   */
  readonly params?: readonly BtfParam[];
}

/** `uprobe:BIN:WHERE` names an address (hex or decimal: bpftrace reads `uprobe:/bin/bash:10` as 0xa), not a function. */
export function isUprobeAddress(where: string): boolean {
  return /^(0x[0-9a-f]+|\d+)$/i.test(where);
}

/** The point is a function's entry: its parameters are in the argument registers. */
function atEntry(a: ResolvedUprobe): boolean {
  return (
    a.provider === 'uprobe' && a.func !== '' && !a.text.includes('+') && a.sourceLine === undefined && !a.byAddress
  );
}

function uprobeRow(name: 'uprobe' | 'uretprobe'): ProviderRow<ResolvedUprobe> {
  return {
    name,
    aliases: [name === 'uprobe' ? 'u' : 'ur'],
    usage: `${name}:binary:function`,
    reads:
      name === 'uprobe'
        ? { argN: 'pt_regs', ptRegs: true, func: 'name', currentTask: true, taskContext: true, memory: 'user' }
        : { retval: 'pt_regs', ptRegs: true, func: 'name', currentTask: true, taskContext: true, memory: 'user' },
    context: (a) => ({
      binary: a.path,
      funcName: a.func || `0x${a.vaddr.toString(16)}`,
      // v0.26 types them from the binary's DWARF: the function's parameters, read from the argument registers
      ...(a.params
        ? { params: a.params, paramRegs: true as const }
        : {
            argsRefused:
              name === 'uretprobe'
                ? `args is not available in uretprobe probes: a function's parameters are gone when it returns`
                : atEntry(a)
                  ? `args is not available here: no DWARF found for "${a.path}" describing ${a.func}`
                  : `args is not available in a uprobe on ${a.sourceLine !== undefined ? 'a source line' : 'an address or offset'}: only a function's entry has its parameters`,
          }),
    }),
    // only a uprobe at a function's entry has the function's parameters in the argument registers
    userTypes: (a) => ({
      path: a.path,
      ...(atEntry(a) ? { entryOf: a.func } : {}),
    }),
    withParams: (a, params) => ({ ...a, params }),
    resolve(r) {
      const { ap, kernel } = r;
      const source = sourceLocation(ap, name);
      if (source && 'error' in source) return fail(r, source.error, source.hints);
      if (source) return resolveSourceLine(r, source);
      // with -p, an empty binary is every file the process maps (bpftrace's `uprobe::f`), and a left-out one the
      // process's executable (`uprobe:f`, bpftrace v0.26's uprobe_parser)
      const parts = ap.parts.length === 1 && r.pid !== undefined ? [`/proc/${r.pid}/exe`, ap.parts[0]!] : ap.parts;
      if (parts.length !== 2 || (!parts[0] && r.pid === undefined) || !parts[1])
        return r.bad(`${name} needs a binary and a function`);
      const [target, where] = parts as [string, string];
      if (name === 'uretprobe' && /\+/.test(where)) return r.bad('uretprobe does not take an offset');
      const sites = kernel.userProbeSites(target, where, r.pid, r.unsafe);
      if ('error' in sites)
        return sites.missing
          ? r.missing(sites.error, sites.hints ?? [], isGlob(target) || isGlob(where))
          : fail(r, sites.error, sites.hints);
      for (const s of sites) if (s.unchecked) r.diags.push(warning(s.unchecked, ap.span));
      const byAddress = isUprobeAddress(where);
      return sites.map((s) => ({
        provider: name,
        path: s.path,
        func: s.func,
        offset: s.offset,
        vaddr: s.vaddr,
        ...(byAddress ? { byAddress: true as const } : {}),
        ...r.base,
        // an address point is named by its address in decimal, as bpftrace (0.17 and v0.26's AttachPoint::name),
        // and an offset in decimal, none when 0 (uprobe:BIN:f+0x4 is uprobe:BIN:f+4, f+0 is f)
        text: `${name}:${s.shown ?? s.path}:${byAddress ? s.vaddr : `${s.func}${offsetText(where)}`}`,
      }));
    },
  };
}

/** `+N` of `f+N` in decimal as bpftrace v0.26 names it, '' for none or 0. */
function offsetText(where: string): string {
  const plus = where.indexOf('+');
  if (plus < 0) return '';
  const text = where.slice(plus + 1);
  const n = /^(?:0x[0-9a-f]+|\d+)$/i.test(text) ? BigInt(text) : undefined;
  return n === undefined ? `+${text}` : n === 0n ? '' : `+${n}`;
}

export const uprobe = uprobeRow('uprobe');
export const uretprobe = uprobeRow('uretprobe');

/** uprobe:BIN@FILE:LINE[:COL]: the one address the binary's line table gives that line (bpftrace v0.26). */
function resolveSourceLine(r: ResolveRequest, at: SourceLocation): ResolvedUprobe[] {
  const { target, file, line, column } = at;
  const where = `${file}:${line}${column ? `:${column}` : ''}`;
  if (!target) return fail(r, 'Unspecified target binary, cannot attach by source code location.');
  const site = r.kernel.userSourceLineSite?.(target, file, line, column, r.pid, r.unsafe) ?? {
    error: `No DWARF debug info found for '${target}', cannot attach by source code location.`,
  };
  if ('error' in site) return fail(r, site.error, site.hints);
  if (site.unchecked) r.diags.push(warning(site.unchecked, r.ap.span));
  return [
    {
      provider: 'uprobe',
      path: site.path,
      func: site.func,
      offset: site.offset,
      vaddr: site.vaddr,
      sourceLine: where,
      ...r.base,
      // v0.26 names it by its address, in decimal (AttachPoint::name)
      text: `uprobe:${site.shown ?? site.path}:${site.vaddr}`,
    },
  ];
}
