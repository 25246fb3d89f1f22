// kprobe/kretprobe. Kernels built without CONFIG_KPROBES (like this one) get a plain refusal that names a
// syscall tracepoint doing the same job, before anything is attached.
import type { ResolvedAttach } from '../../lang/check/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import { hasKprobes } from '../features.ts';
import { tracepointId } from '../kernel/tracefs.ts';
import type { LoadedProgram } from '../loader.ts';
import { pmuConfigBit, pmuType } from '../sys/index.ts';
import { attachPerfEvent } from './tracepoint.ts';
import type { Attachment } from './types.ts';

type Kprobe = Extract<ResolvedAttach, { provider: 'kprobe' | 'kretprobe' }>;

/** Throws unless kprobes can be attached here; called for every kprobe before any probe is attached. */
export function requireKprobes(k: Kprobe): void {
  if (hasKprobes()) return;
  throw new ScryRuntimeError(
    `kprobes are not available on this kernel (it was built without CONFIG_KPROBES), so ${k.text} cannot be attached`,
    k.span,
    kprobeAlternatives(k),
  );
}

/** Syscall tracepoints that observe what a kernel function named like a syscall does. */
export function kprobeAlternatives(k: Kprobe): string[] {
  const phase = k.provider === 'kretprobe' ? 'exit' : 'enter';
  const name = k.func.replace(/^(__x64_sys_|__ia32_sys_|__se_sys_|__do_sys_|ksys_|sys_|vfs_|do_)/, '');
  const found: string[] = [];
  for (const candidate of [name, `${name}at`, name.replace(/at$/, '')]) {
    const event = `sys_${phase}_${candidate}`;
    const probe = `tracepoint:syscalls:${event}`;
    if (!found.includes(probe) && tracepointId('syscalls', event) !== undefined) found.push(probe);
  }
  if (found.length) return [`use ${found.join(' or ')} instead, e.g. scry -e '${found[0]} { @[comm] = count(); }'`];
  return [`look for a tracepoint instead: scry -l 'tracepoint:*${name}*'`];
}

/** Attaches through the kprobe PMU (Linux 4.17+): function name and offset go in config1/config2. */
export function attachKprobe(p: LoadedProgram, k: Kprobe): Attachment {
  requireKprobes(k);
  const type = pmuType('kprobe');
  if (type === undefined)
    throw new ScryRuntimeError(`${k.text}: this kernel has no kprobe PMU (Linux 4.17+), and scry does not use tracefs kprobe_events yet`, k.span);
  const retBit = pmuConfigBit('kprobe', 'retprobe') ?? 0;
  const func = k.module ? `${k.module}:${k.func}` : k.func;
  return attachPerfEvent(
    p,
    { type, config: k.provider === 'kretprobe' ? 1n << BigInt(retBit) : 0n, probePath: func, probeOffset: k.offset, pid: -1, cpu: 0 },
    k.text,
  );
}
