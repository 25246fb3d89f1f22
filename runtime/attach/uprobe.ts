// uprobe/uretprobe/usdt: a perf event on the uprobe PMU (Linux 4.17+) with the file path in config1 and the
// file offset in config2, the return-probe flag and (USDT semaphores, Linux 4.20+) the reference counter's
// file offset in config, as the PMU's format files describe them.
//
// One event is enough for every CPU: the kernel runs the BPF program of a uprobe event for every hit that
// passes the event's process filter, whatever CPU the event was opened on. pid -1 therefore opens one event
// with cpu 0 (perf_event_open refuses pid -1 with cpu -1); a pid opens one event with cpu -1. Opening one
// event per CPU would run the program once per event on each hit.
import { readFileSync, statSync } from 'node:fs';
import { ScryRuntimeError } from '../errors.ts';
import type { LoadedProgram } from '../loader.ts';
import { pmuConfigBit, pmuType } from '../sys/index.ts';
import { attachPerfEvent } from './tracepoint.ts';
import type { Attachment } from './types.ts';

export interface UprobeAttachSpec {
  /** the ELF file, as the kernel should open it */
  readonly path: string;
  /** file offset of the instruction to probe (see runtime/kernel/elf: resolveUprobe, UsdtProbe.offset) */
  readonly offset: bigint;
  readonly retprobe: boolean;
  /** the process to trace, or -1 for every process */
  readonly pid: number;
  /** file offset of a USDT semaphore, which the kernel increments in every process while attached */
  readonly refCtrOffset?: bigint;
  /** e.g. 'uprobe:/bin/bash:readline', for messages */
  readonly description: string;
  /** the cookie this attachment carries, where it is not the program's own (one program on many functions) */
  readonly cookie?: bigint;
}

/** A config field of a PMU format, e.g. 'config:32-63' → { shift: 32, bits: 32 }; undefined when absent. */
export function pmuConfigField(pmu: string, field: string): { shift: number; bits: number } | undefined {
  try {
    const m = /^config:(\d+)(?:-(\d+))?\s*$/.exec(
      readFileSync(`/sys/bus/event_source/devices/${pmu}/format/${field}`, 'utf8'),
    );
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return { shift: lo, bits: hi - lo + 1 };
  } catch {
    return undefined;
  }
}

/** The perf_event_attr config word for a uprobe: the retprobe bit and the ref_ctr_offset field. */
export function uprobeConfig(
  spec: Pick<UprobeAttachSpec, 'retprobe' | 'refCtrOffset' | 'description'>,
  fail: (why: string) => Error,
): bigint {
  let config = 0n;
  if (spec.retprobe) {
    const bit = pmuConfigBit('uprobe', 'retprobe');
    if (bit === undefined) throw fail("this kernel's uprobe PMU has no retprobe flag");
    config |= 1n << BigInt(bit);
  }
  if (spec.refCtrOffset !== undefined && spec.refCtrOffset !== 0n) {
    const field = pmuConfigField('uprobe', 'ref_ctr_offset');
    if (!field)
      throw fail('this kernel cannot maintain USDT semaphores (the uprobe PMU has no ref_ctr_offset, Linux 4.20+)');
    if (spec.refCtrOffset >= 1n << BigInt(field.bits))
      throw fail(`semaphore offset 0x${spec.refCtrOffset.toString(16)} does not fit the uprobe PMU's ref_ctr_offset`);
    config |= spec.refCtrOffset << BigInt(field.shift);
  }
  return config;
}

/** Attaches a loaded kprobe-type program to a user-space location. */
export function attachUprobe(prog: LoadedProgram, spec: UprobeAttachSpec): Attachment {
  const span = prog.spec.attach.span;
  const fail = (why: string, hints: string[] = [], cause?: unknown) =>
    new ScryRuntimeError(
      `cannot attach ${spec.description}: ${why}`,
      span,
      hints,
      cause === undefined ? undefined : { cause },
    );
  const type = pmuType('uprobe');
  if (type === undefined)
    throw fail('this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe, Linux 4.17+)');
  // Plain reasons for what perf_event_open would only call ENOENT / ESRCH.
  try {
    if (!statSync(spec.path).isFile()) throw fail(`${spec.path} is not a regular file`);
  } catch (e) {
    if (e instanceof ScryRuntimeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(
      code === 'ENOENT' ? `${spec.path} does not exist` : `cannot access ${spec.path}: ${(e as Error).message}`,
      [],
      e,
    );
  }
  if (spec.pid >= 0) {
    try {
      statSync(`/proc/${spec.pid}`);
    } catch (e) {
      throw fail(`there is no process with pid ${spec.pid}`, [], e);
    }
  }
  const config = uprobeConfig(spec, (why) => fail(why));
  return attachPerfEvent(
    prog,
    {
      type,
      config,
      samplePeriod: 1n,
      probePath: spec.path,
      probeOffset: spec.offset,
      pid: spec.pid >= 0 ? spec.pid : -1,
      cpu: spec.pid >= 0 ? -1 : 0,
    },
    spec.description,
    spec.cookie !== undefined ? { cookie: spec.cookie } : {},
  );
}
