// tracepoint: a perf tracepoint event; listed from tracefs, with the format's fields under -v.
import type { ResolvedOf } from '../../lang/index.ts';
import { attachTracepoint } from '../attach/tracepoint.ts';
import { listTracepoints, tracefsRoot, tracepointFormat, tracepointId } from '../kernel/tracefs.ts';
import { PerfType, perfEventOpen } from '../sys/index.ts';
import { attempt, closing } from './feature-check.ts';
import type { RuntimeProviderRow } from './row.ts';

export const tracepoint: RuntimeProviderRow<ResolvedOf<'tracepoint'>> = {
  attach: (p, a) => [attachTracepoint(p, a)],
  info: () =>
    attempt('tracepoint', () => {
      const tp = tracepointId('syscalls', 'sys_enter_getppid') ?? tracepointId('sched', 'sched_switch');
      if (tp === undefined) throw new Error(`no tracefs at ${tracefsRoot()}`);
      closing(perfEventOpen({ type: PerfType.TRACEPOINT, config: BigInt(tp), pid: -1, cpu: 0 }));
    }),
  listers: [
    {
      provider: 'tracepoint',
      family: 'tracepoints',
      refusal: () => undefined,
      names: () => listTracepoints().map((t) => `${t.group}:${t.event}`),
      details: (name) => {
        const [group, event] = name.split(':');
        const f = tracepointFormat(group!, event!);
        return (f?.fields ?? []).filter((x) => !x.common).map((x) => `    ${fieldDecl(x.type, x.name)}`);
      },
    },
  ],
};

/** `char[16] comm` is declared `char comm[16]`, as bpftrace -lv prints it. */
function fieldDecl(type: string, name: string): string {
  const arr = /^(.*?)\s*(\[\d*\])$/.exec(type);
  if (arr && !type.startsWith('__data_loc')) return `${arr[1]} ${name}${arr[2]}`;
  return `${type} ${name}`;
}
