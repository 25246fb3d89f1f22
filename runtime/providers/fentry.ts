// fentry/fexit: refused up front where the kernel will not load tracing programs; attached by a link to
// the loaded program; listed from BTF (with typed arguments under -v) where they load.
import type { ResolvedOf } from '../../lang/index.ts';
import { attachTracing, requireFentry } from '../attach/fentry.ts';
import { fentryRefusal } from '../features.ts';
import { vmlinuxBtf } from '../kernel/btf/index.ts';
import { bpfProgramFunctions } from '../kernel/bpf-programs.ts';
import { attempt } from './feature-check.ts';
import type { Lister, RuntimeProviderRow } from './row.ts';

/** fentry/fexit: why a tiny program on vfs_read does not load (its errno), as info-probes.ts asks. */
function fentryRefused(kind: 'fentry' | 'fexit'): string | undefined {
  const btf = vmlinuxBtf();
  if (!btf) return 'this kernel has no BTF';
  const target = btf.funcProto('vfs_read');
  const why = target && fentryRefusal(kind, target.id);
  return why ? `the kernel refuses fentry/fexit programs (${why})` : undefined;
}

// fentry and fexit share one name list: the listing reads it once (it caches by this function) and sorts what it prints
const btfFunctionNames = () => vmlinuxBtf()?.funcNames(undefined, false) ?? [];

const lister = (provider: 'fentry' | 'fexit'): Lister => ({
  provider,
  family: 'fentry/fexit functions',
  refusal: () => fentryRefused(provider),
  names: btfFunctionNames,
  module: 'vmlinux',
  details: (name) => {
    const btf = vmlinuxBtf();
    const f = btf?.funcProto(name);
    if (!btf || !f) return [];
    const lines = f.params.map((p) => `    ${btf.typeName(p.type)} ${p.name}`);
    if (provider === 'fexit') lines.push(`    ${btf.typeName(f.ret)} retval`);
    return lines;
  },
});

/**
 * fentry:bpf:ID:NAME: the functions of the BPF programs loaded now, listed only for a pattern that names `bpf`
 * (`-l 'fentry:bpf:*'`), as bpftrace v0.26 lists them: enumerating every program is not what `-l 'fentry:*'` asks.
 */
const programLister = (provider: 'fentry' | 'fexit'): Lister => ({
  provider,
  family: 'BPF program functions',
  refusal: () => fentryRefused(provider),
  names: runningProgramFunctions,
  module: 'bpf',
  onlyNamingModule: true,
  live: true,
});

const runningProgramFunctions = () => bpfProgramFunctions().map((f) => `${f.progId}:${f.name}`);

export const fentry: RuntimeProviderRow<ResolvedOf<'fentry'>> = {
  // a trampoline runs its programs newest first (the kernel adds each link at the head of its list)
  newestFirst: true,
  require: requireFentry,
  attach: (p, a) => [attachTracing(p, a.text)],
  listers: [lister('fentry'), programLister('fentry')],
  // loading a program on a vmlinux function needs its BTF id: info.ts supplies that probe when there is BTF
  info: (probes) =>
    probes.fentry ? attempt('fentry/fexit', probes.fentry) : { name: 'fentry/fexit', ok: false, note: 'no kernel BTF' },
};

export const fexit: RuntimeProviderRow<ResolvedOf<'fexit'>> = {
  newestFirst: true,
  require: fentry.require!,
  attach: fentry.attach,
  listers: [lister('fexit'), programLister('fexit')],
};
