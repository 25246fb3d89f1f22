// kprobe/kretprobe: through the kprobe PMU (Linux 4.17+), or through tracefs kprobe_events where there is no
// PMU (or SCRY_KPROBE_LEGACY=1, which tests use to exercise that path). Kernels built without CONFIG_KPROBES
// (like the development machine's) get a plain refusal that names a syscall tracepoint doing the same job,
// before anything is attached.
import { appendFileSync, readFileSync } from 'node:fs';
import type { ResolvedOf } from '../../lang/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import { hasKprobeEvents, hasKprobes } from '../features.ts';
import { fentryAlternative, kprobeAlternatives } from './alternatives.ts';
import { tracefsRoot } from '../kernel/tracefs.ts';
import type { LoadedProgram } from '../loader.ts';
import { PerfType, perfEventOpen, pmuConfigBit, pmuType } from '../sys/index.ts';
import { attachPerfEvent } from './tracepoint.ts';
import type { Attachment } from './types.ts';

type Kprobe = ResolvedOf<'kprobe'>;

/** Throws unless kprobes can be attached here; called for every kprobe before any probe is attached. */
export function requireKprobes(k: Kprobe): void {
  if (!hasKprobes())
    throw new ScryRuntimeError(
      `kprobes are not available on this kernel (it was built without CONFIG_KPROBES), so ${k.text} cannot be attached`,
      k.span,
      [...fentryAlternative(k), ...kprobeAlternatives(k)],
    );
  if (/[*?]/.test(k.func))
    throw new ScryRuntimeError(`${k.text}: wildcards in kprobe function names are not supported yet`, k.span, [
      'name one function, e.g. kprobe:vfs_read; several probes can share one block: kprobe:vfs_read, kprobe:vfs_write { … }',
    ]);
}

/** Where the probe goes, as the kernel spells it: [MODULE:]FUNCTION[+OFFSET], or 0xADDRESS. */
function target(k: Kprobe, withOffset: boolean): string {
  if (k.address !== undefined) return `0x${k.address.toString(16)}`;
  return `${k.module ? `${k.module}:` : ''}${k.func}${withOffset && k.offset ? `+${k.offset}` : ''}`;
}

export function attachKprobe(p: LoadedProgram, k: Kprobe): Attachment {
  requireKprobes(k);
  const type = process.env.SCRY_KPROBE_LEGACY === '1' ? undefined : pmuType('kprobe');
  return type === undefined ? attachLegacy(p, k) : attachPmu(p, k, type);
}

/** The kprobe PMU (Linux 4.17+): the function name goes in config1 (as a pointer), the offset in config2. */
function attachPmu(p: LoadedProgram, k: Kprobe, type: number): Attachment {
  // The retprobe flag's bit comes from the PMU's format directory ("config:0" on every kernel so far).
  const retBit = k.provider === 'kretprobe' ? (pmuConfigBit('kprobe', 'retprobe') ?? 0) : undefined;
  // One event is enough: the kprobe fires on every CPU and runs the program wherever it fires.
  const attr = {
    type,
    config: retBit === undefined ? 0n : 1n << BigInt(retBit),
    // an address goes in config2 with no function name (the PMU's kprobe_addr)
    ...(k.address !== undefined ? { probeOffset: k.address } : { probePath: target(k, false), probeOffset: k.offset }),
    samplePeriod: 1n,
    pid: -1,
    cpu: 0,
  };
  return attachKprobeEvent(p, k, attr);
}

let legacySeq = 0;

/**
 * tracefs kprobe_events (Linux 4.1+ for BPF on it): define `p:kprobes/scry_<pid>_<n> target`, open its
 * tracepoint id with perf, and remove the definition again on close (or when attaching fails).
 */
function attachLegacy(p: LoadedProgram, k: Kprobe): Attachment {
  if (!hasKprobeEvents())
    throw new ScryRuntimeError(
      `cannot attach ${k.text}: this kernel has neither a kprobe PMU nor tracefs kprobe_events`,
      k.span,
    );
  const root = tracefsRoot();
  const events = `${root}/kprobe_events`;
  const name = `scry_${process.pid}_${legacySeq++}`;
  const definition = `${k.provider === 'kretprobe' ? 'r' : 'p'}:kprobes/${name} ${target(k, true)}`;
  try {
    // Append, never truncate: opening kprobe_events with O_TRUNC deletes every kprobe event on the system.
    appendFileSync(events, `${definition}\n`);
  } catch (e) {
    const why = lastTracefsError(root);
    const msg = `cannot attach ${k.text}: writing '${definition}' to ${events}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    throw new ScryRuntimeError(
      `${msg}${why ? ` (${why})` : ''}`,
      k.span,
      attachHints(k, (e as NodeJS.ErrnoException).code),
      { cause: e },
    );
  }
  const remove = () => removeLegacy(events, name);
  let id: number;
  try {
    id = Number.parseInt(readFileSync(`${root}/events/kprobes/${name}/id`, 'utf8'), 10);
  } catch (e) {
    remove();
    throw new ScryRuntimeError(
      `cannot attach ${k.text}: kprobe event ${name} has no id: ${(e as Error).message}`,
      k.span,
      [],
      { cause: e },
    );
  }
  let attached: Attachment;
  try {
    attached = attachKprobeEvent(p, k, {
      type: PerfType.TRACEPOINT,
      config: BigInt(id),
      samplePeriod: 1n,
      pid: -1,
      cpu: 0,
    });
  } catch (e) {
    remove();
    throw e;
  }
  // no release(): the definition can be removed only once the perf event is closed, so close() closes it here
  return {
    description: k.text,
    close: () => {
      attached.close();
      remove();
    },
  };
}

/** Removes a kprobe event this process defined. The perf event is closed first; retried while busy. */
function removeLegacy(events: string, name: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      appendFileSync(events, `-:kprobes/${name}\n`);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // already gone
      if (code === 'EBUSY' && attempt < 20) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      // Teardown goes on: say what is left behind and how to remove it.
      process.stderr.write(
        `WARNING: could not remove kprobe event ${name} (${code}); remove it with: echo '-:kprobes/${name}' >> ${events}\n`,
      );
      return;
    }
  }
}

/** The reason tracefs logged for the last failed command ("error: Failed to register probe event"), if any. */
function lastTracefsError(root: string): string | undefined {
  try {
    const lines = readFileSync(`${root}/error_log`, 'utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = /\berror:\s*(.*)$/.exec(lines[i]!);
      if (m) return m[1]!.trim();
    }
  } catch {
    // error_log is Linux 5.4+
  }
  return undefined;
}

/** The kprobe PMU's and the legacy path's attach: errors point at the kprobe, with hints by errno. */
function attachKprobeEvent(p: LoadedProgram, k: Kprobe, attr: Parameters<typeof perfEventOpen>[0]): Attachment {
  // a kprobe's program runs inside an RCU read-side section (trace_call_bpf): see attachPerfEvent
  return attachPerfEvent(p, attr, k.text, {
    inRcuReadSection: true,
    span: k.span,
    hints: (code) => attachHints(k, code),
  });
}

function attachHints(k: Kprobe, code: string | undefined): string[] {
  if (k.address !== undefined)
    return code === 'EINVAL' || code === 'ENOENT' || code === 'EILSEQ'
      ? [`no instruction the kernel can probe starts at ${target(k, false)}; see /proc/kallsyms`]
      : [];
  switch (code) {
    case 'ENOENT':
      return [
        k.module
          ? `is module ${k.module} loaded, and does it have a function ${k.func}? see /proc/kallsyms`
          : `the kernel has no function ${k.func} (it may be inlined or static under another name); see /proc/kallsyms`,
      ];
    case 'EILSEQ':
      return [`offset ${k.offset} is not at an instruction boundary of ${k.func}`];
    case 'EINVAL':
      return [
        `${k.func} may not be probeable (notrace, or on the kprobe blocklist: /sys/kernel/debug/kprobes/blacklist)`,
      ];
    case 'EPERM':
    case 'EACCES':
      return ['kprobes need root (CAP_PERFMON and CAP_BPF, or CAP_SYS_ADMIN)'];
    default:
      return [];
  }
}
