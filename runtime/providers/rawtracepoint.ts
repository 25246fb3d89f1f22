// rawtracepoint: BPF_RAW_TRACEPOINT_OPEN by name, or a loaded tp_btf program's link.
import type { ResolvedOf } from '../../lang/index.ts';
import { attachTracing } from '../attach/fentry.ts';
import { attachRawTracepoint } from '../attach/raw-tracepoint.ts';
import { vmlinuxBtf } from '../kernel/btf/index.ts';
import { listTracepoints } from '../kernel/tracefs.ts';
import { OwnedFd, ProgType, progLoad, rawTracepointOpen } from '../sys/index.ts';
import { attempt, closing, tinyProgram } from './feature-check.ts';
import type { RuntimeProviderRow } from './row.ts';

export const rawtracepoint: RuntimeProviderRow<ResolvedOf<'rawtracepoint'>> = {
  attach: (p, a) => [a.btfId !== undefined ? attachTracing(p, a.text) : attachRawTracepoint(p, a)],
  info: () =>
    attempt('rawtracepoint', () => {
      const prog = new OwnedFd(
        progLoad({ type: ProgType.RAW_TRACEPOINT, insns: tinyProgram(), license: 'GPL' }),
        'probe',
      );
      try {
        closing(rawTracepointOpen('sys_enter', prog.fd));
      } finally {
        prog.close();
      }
    }),
  listers: [
    {
      provider: 'rawtracepoint',
      family: 'raw tracepoints',
      refusal: () => undefined,
      names: rawTracepointNames,
      module: 'vmlinux',
      details: (name) => {
        const btf = vmlinuxBtf();
        return (btf?.rawTracepointArgs(name) ?? []).map((p) => `    ${btf!.typeName(p.type)} ${p.name}`);
      },
    },
  ],
};

/**
 * The kernel's raw tracepoints are its `btf_trace_<name>` typedefs (one per tracepoint the kernel defines,
 * what BPF_RAW_TRACEPOINT_OPEN accepts). tracefs events are not the same list: syscalls:sys_enter_* are
 * events of the sys_enter tracepoint, and kprobes/uprobes groups are dynamic events. Without BTF, the
 * tracefs events without those.
 */
function rawTracepointNames(): string[] {
  const btf = vmlinuxBtf();
  if (btf) return btf.rawTracepointNames();
  const notTracepoints = new Set(['syscalls', 'ftrace', 'kprobes', 'uprobes']);
  return [
    ...new Set(
      listTracepoints()
        .filter((t) => !notTracepoints.has(t.group))
        .map((t) => t.event),
    ),
  ];
}
