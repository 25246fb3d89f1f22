// kprobe/kretprobe: refused up front without CONFIG_KPROBES (naming what attaches instead); attached
// through the kprobe PMU or tracefs; listed from kallsyms where kprobes exist.
import type { KernelFunction, ResolvedOf } from '../../lang/index.ts';
import { attachKprobe, requireKprobes } from '../attach/kprobe.ts';
import { hasKprobeEvents, hasKprobePmu, kprobeRefusal } from '../features.ts';
import { vmlinuxBtf } from '../kernel/btf/index.ts';
import { kernelFunctions, kernelFunctionsWith } from '../kernel/functions.ts';
import type { Lister, RuntimeProviderRow } from './row.ts';

const nameOf = (f: KernelFunction) => `${f.module ? `${f.module}:` : ''}${f.name}`;
// kprobe and kretprobe share one name list: the listing reads it once (it caches by this function) and sorts what it prints
const kernelFunctionNames = () => kernelFunctions().map(nameOf);
const kernelFunctionNamesWith = (literal: string) => (kernelFunctionsWith(literal) ?? []).map(nameOf);

/**
 * -lv: a kernel function's arguments as bpftrace v0.26 lists them for kprobes, from BTF: `TYPE argN` (floating
 * point ones are not argN: they travel in other registers), or for kretprobes the return type (`TYPE retval`).
 */
function kprobeDetails(provider: 'kprobe' | 'kretprobe', name: string): string[] {
  const btf = vmlinuxBtf();
  // a module's function (module:name) is typed by the module's BTF, not read here
  const own = name.startsWith('vmlinux:') ? name.slice('vmlinux:'.length) : name;
  const f = own.includes(':') ? undefined : btf?.funcProto(own);
  if (!btf || !f) return [];
  if (provider === 'kretprobe') return [f.ret ? `    ${btf.typeName(f.ret)} retval` : '    void'];
  const ints = f.params.filter((p) => btf.kind(p.type) !== 'float');
  return ints.map((p, i) => `    ${btf.typeName(p.type)} arg${i}`);
}

const lister = (provider: 'kprobe' | 'kretprobe'): Lister => ({
  provider,
  family: 'kprobe/kretprobe functions',
  refusal: kprobeRefusal,
  names: kernelFunctionNames,
  namesWith: kernelFunctionNamesWith,
  moduleNames: true,
  details: (name) => kprobeDetails(provider, name),
});

export const kprobe: RuntimeProviderRow<ResolvedOf<'kprobe'>> = {
  // kprobes on one address run newest first (the kernel adds each at the head of the address's list); a
  // kretprobe's handlers run in the order they were attached (bpftrace v0.26 attaches them the same way)
  newestFirst: true,
  require: requireKprobes,
  attach: (p, a) => [attachKprobe(p, a)],
  listers: [lister('kprobe')],
  info: () => ({
    name: 'kprobe',
    ok: hasKprobePmu() || hasKprobeEvents(),
    ...(hasKprobePmu() || hasKprobeEvents() ? {} : { note: 'kernel built without CONFIG_KPROBES' }),
  }),
};

export const kretprobe: RuntimeProviderRow<ResolvedOf<'kretprobe'>> = {
  require: kprobe.require!,
  attach: kprobe.attach,
  listers: [lister('kretprobe')],
};
