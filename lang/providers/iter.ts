// iter:task, iter:task_file …: a BPF iterator, run once over every object; `ctx` (and `args`) are the
// bpf_iter_<target> function's fields, meta first.
import type { BtfParam } from '../btf.ts';
import { closest } from '../suggest.ts';
import { fail, type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedIter extends ResolvedBase {
  readonly provider: 'iter';
  readonly target: string;
  /** the bpf_iter_<target> function's BTF id */
  readonly btfId: number;
  readonly params: readonly BtfParam[];
}

export const iter: ProviderRow<ResolvedIter> = {
  name: 'iter',
  aliases: ['it'],
  usage: 'iter:task|task_file',
  reads: { dPath: true, kfuncs: true, currentTask: true, taskContext: true, memory: 'kernel' },
  context: (a) => ({ params: a.params, ctxArgs: true }),
  resolve(r) {
    const { ap, kernel } = r;
    // bpftrace v0.26's iter:task:NAME pins the iterator for `cat /sys/fs/bpf/NAME`, its printf written with
    // bpf_seq_printf into what cat reads; scry's printf goes to its own ring buffer, which nothing reads then
    if (ap.parts.length === 2 && ap.parts[0] && ap.parts[1])
      return fail(r, `pinning an iterator (${ap.raw}) is not supported`, [
        `run iter:${ap.parts[0]} instead: scry runs it once and prints what it finds`,
      ]);
    if (ap.parts.length !== 1 || !ap.parts[0]) return r.bad('iter needs a target, e.g. iter:task');
    const target = ap.parts[0];
    const btf = kernel.btf();
    if (!btf) return fail(r, 'iter probes need kernel type information (BTF), and this kernel has none');
    const f = btf.funcProto(`bpf_iter_${target}`);
    if (!f) {
      const targets = btf.funcNames('bpf_iter_*').map((n) => n.slice('bpf_iter_'.length));
      const guess = closest(target, targets);
      return fail(r, `unknown iterator '${target}'`, [
        guess ? `did you mean 'iter:${guess}'?` : `this kernel has: ${targets.join(', ')}`,
      ]);
    }
    return [{ provider: 'iter', target, btfId: f.id, params: f.params, ...r.base, text: `iter:${target}` }];
  },
};
