// What attaches instead of a probe this kernel refuses: fentry for a kprobe, a tracepoint for either.
// One module for both directions, so the kprobe and fentry attach code do not import each other.
import type { ResolvedOf } from '../../lang/index.ts';
import { kprobeStandInHints } from '../../lang/index.ts';
import { fentryRefusal } from '../features.ts';
import { vmlinuxBtf } from '../kernel/btf/index.ts';
import { listTracepoints, tracepointFormat } from '../kernel/tracefs.ts';

type Kprobe = ResolvedOf<'kprobe'>;

/** fentry/fexit on the same function, where this kernel runs them (they see the same calls, with typed args). */
export function fentryAlternative(k: Kprobe): string[] {
  if (k.module || k.offset) return [];
  const f = vmlinuxBtf()?.funcProto(k.func);
  const kind = k.provider === 'kretprobe' ? 'fexit' : 'fentry';
  if (!f || fentryRefusal(kind, f.id) !== undefined) return [];
  return [
    `use ${kind}:${k.func} instead: it attaches to the same function, e.g. scry -e '${kind}:${k.func} { @[comm] = count(); }'`,
  ];
}

/**
 * What attaches instead of a kprobe here: the tracepoints lang/kprobe-hints.ts knows for the function
 * (each one this kernel has), with the user's probe rewritten where that is exact.
 */
export function kprobeAlternatives(k: Kprobe): string[] {
  // an address names no function a tracepoint could stand in for
  if (k.address !== undefined) return [`trace a tracepoint instead: scry -l 'tracepoint:*'`];
  return kprobeStandInHints(k, { tracepoints: listTracepoints, tracepointFormat });
}
