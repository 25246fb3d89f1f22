// fentry/fexit (Linux 5.5+, BPF trampolines) and BTF raw tracepoints (tp_btf): tracing programs that name
// their target by BTF id when loaded and attach with BPF_RAW_TRACEPOINT_OPEN without a name.
// Some kernels refuse tracing programs outright (here: BPF_PROG_LOAD says EPERM); that is found out with a
// one-instruction program before anything is created, and said plainly with what works instead.
import type { ResolvedOf } from '../../lang/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import { fentryRefusal, hasKprobes } from '../features.ts';
import { vmlinuxBtf } from '../kernel/btf/index.ts';
import type { LoadedProgram } from '../loader.ts';
import { AttachType, linkCreate, OwnedFd, rawTracepointOpen } from '../sys/index.ts';
import { kprobeAlternatives } from './alternatives.ts';
import type { Attachment } from './types.ts';

type Fentry = ResolvedOf<'fentry'>;

/** Throws, before anything is loaded, when this kernel will not run fentry/fexit programs. */
export function requireFentry(a: Fentry): void {
  // a module function's id means something only with the module's BTF object: ask about a vmlinux function
  // so does a BPF program's function, whose id is in that program's BTF
  const probeId =
    a.module === undefined && a.bpfProgram === undefined ? a.btfId : vmlinuxBtf()?.funcProto('vfs_read')?.id;
  const why = probeId === undefined ? undefined : fentryRefusal(a.provider, probeId);
  if (why === undefined) return;
  const refusal = `this kernel refuses ${a.provider} programs (loading one${a.bpfProgram === undefined ? ` for ${a.func}` : ''} fails with ${why}${why === 'EPERM' ? ': BPF trampolines are not allowed here' : ''}), so ${a.text} cannot be attached`;
  // nothing else sees a BPF program's functions run
  if (a.bpfProgram !== undefined) throw new ScryRuntimeError(refusal, a.span);
  const asKprobe = {
    ...a,
    provider: a.provider === 'fentry' ? ('kprobe' as const) : ('kretprobe' as const),
    offset: 0,
  };
  const hints = hasKprobes()
    ? [`use ${asKprobe.provider}:${a.func} instead: it sees the same calls`]
    : kprobeAlternatives(asKprobe);
  throw new ScryRuntimeError(refusal, a.span, hints);
}

/**
 * Attaches a loaded fentry/fexit or tp_btf program (its target was fixed when it was loaded), with its cookie
 * where it reads one: a trampoline's link made by BPF_LINK_CREATE (Linux 5.19; BPF_RAW_TRACEPOINT_OPEN takes
 * none for it), a tp_btf link by BPF_RAW_TRACEPOINT_OPEN (6.10).
 */
export function attachTracing(p: LoadedProgram, text: string): Attachment {
  let link: OwnedFd;
  const { attach, attachCookie } = p.spec;
  const trampoline = attach.provider === 'fentry' || attach.provider === 'fexit';
  try {
    const fd =
      trampoline && attachCookie !== undefined
        ? linkCreate({
            progFd: p.fd.fd,
            targetFd: 0,
            attachType: attach.provider === 'fentry' ? AttachType.TRACE_FENTRY : AttachType.TRACE_FEXIT,
            tracingCookie: attachCookie,
          })
        : rawTracepointOpen(null, p.fd.fd, attachCookie);
    link = new OwnedFd(fd, `link ${text}`);
  } catch (e) {
    throw new ScryRuntimeError(`cannot attach ${text}: ${(e as Error).message}`, p.spec.attach.span, [], { cause: e });
  }
  return { description: text, close: () => link.close(), runsMayOutliveClose: true };
}
