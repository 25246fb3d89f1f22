// uprobe/uretprobe: a function (or address) in an ELF file, at entry or return; the context is pt_regs.
import { warning } from '../diagnostics.ts';
import { isGlob } from '../glob.ts';
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedUprobe extends ResolvedBase {
  readonly provider: 'uprobe' | 'uretprobe';
  /** the ELF file, and the file offset and virtual address of the function (or address) in it */
  readonly path: string;
  readonly func: string;
  readonly offset: bigint;
  readonly vaddr: bigint;
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
      // v0.26 types them from the binary's DWARF; scry reads DWARF for listing and stacks, not for args yet
      argsRefused: `args is not supported in ${name} probes: scry does not read their types from DWARF`,
    }),
    resolve(r) {
      const { ap, kernel } = r;
      // with -p, an empty binary is every file the process maps (bpftrace's `uprobe::f`)
      if (ap.parts.length !== 2 || (!ap.parts[0] && r.pid === undefined) || !ap.parts[1])
        return r.bad(`${name} needs a binary and a function`);
      const [target, where] = ap.parts as [string, string];
      if (name === 'uretprobe' && /\+/.test(where)) return r.bad('uretprobe does not take an offset');
      const sites = kernel.userProbeSites(target, where, r.pid, r.unsafe);
      if ('error' in sites)
        return sites.missing
          ? r.missing(sites.error, sites.hints ?? [], isGlob(target) || isGlob(where))
          : fail(r, sites.error, sites.hints);
      for (const s of sites) if (s.unchecked) r.diags.push(warning(s.unchecked, ap.span));
      return sites.map((s) => ({
        provider: name,
        path: s.path,
        func: s.func,
        offset: s.offset,
        vaddr: s.vaddr,
        ...r.base,
        text: `${name}:${s.shown ?? s.path}:${s.func || `0x${s.vaddr.toString(16)}`}${s.func && /\+/.test(where) ? where.slice(where.indexOf('+')) : ''}`,
      }));
    },
  };
}

export const uprobe = uprobeRow('uprobe');
export const uretprobe = uprobeRow('uretprobe');
