// iter:task, iter:task_file …: a BPF iterator, run once over every object; `ctx` (and `args`) are the
// bpf_iter_<target> function's fields, meta first. iter:task:NAME pins it in the BPF filesystem instead
// (/sys/fs/bpf/NAME, or the absolute path given), for `cat` to run whenever it is read, as bpftrace v0.26 does.
import type { BtfParam } from '../btf.ts';
import { closest } from '../suggest.ts';
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedIter extends ResolvedBase {
  readonly provider: 'iter';
  readonly target: string;
  /** the bpf_iter_<target> function's BTF id */
  readonly btfId: number;
  readonly params: readonly BtfParam[];
  /** iter:TARGET:PIN: the path the iterator is pinned at (absolute) */
  readonly pin?: string;
}

/** Where bpftrace pins a relative iter:TARGET:NAME. */
const BPFFS = '/sys/fs/bpf';

export const iter: ProviderRow<ResolvedIter> = {
  name: 'iter',
  aliases: ['it'],
  usage: 'iter:TARGET[:PIN]',
  reads: { dPath: true, kfuncs: true, currentTask: true, taskContext: true, foreignTask: true, memory: 'kernel' },
  context: (a) => ({ params: a.params, ctxArgs: true, ...(a.pin ? { pinnedTo: a.pin } : {}) }),
  resolve(r) {
    const { ap, kernel } = r;
    if (ap.parts.length < 1 || ap.parts.length > 2 || !ap.parts[0] || ap.parts[1] === '')
      return r.bad('iter needs a target, and may name where to pin it: iter:task or iter:task:NAME');
    const [target, pinned] = ap.parts as [string, string | undefined];
    if (/[*?[]/.test(ap.raw)) return r.bad('iter probes take no wildcards');
    const pin = pinned === undefined ? undefined : pinned.startsWith('/') ? pinned : `${BPFFS}/${pinned}`;
    const btf = kernel.btf();
    if (!btf) return fail(r, 'iter probes need kernel type information (BTF), and this kernel has none');
    // an iterator target is a bpf_iter_<target> function with its context struct bpf_iter__<target> (the
    // open-coded iterator kfuncs, bpf_iter_<x>_new/_next/_destroy, have none: not targets a link can name)
    const isTarget = (t: string) => btf.find(`bpf_iter__${t}`, 'struct') !== undefined;
    const f = isTarget(target) ? btf.funcProto(`bpf_iter_${target}`) : undefined;
    if (!f) {
      const targets = btf
        .funcNames('bpf_iter_*')
        .map((n) => n.slice('bpf_iter_'.length))
        .filter(isTarget);
      const guess = closest(target, targets);
      return fail(r, `unknown iterator '${target}'`, [
        guess ? `did you mean 'iter:${guess}'?` : `this kernel has: ${targets.join(', ')}`,
      ]);
    }
    return [
      {
        provider: 'iter',
        target,
        btfId: f.id,
        params: f.params,
        ...(pin ? { pin } : {}),
        ...r.base,
        text: pinned === undefined ? `iter:${target}` : `iter:${target}:${pinned}`,
      },
    ];
  },
};
