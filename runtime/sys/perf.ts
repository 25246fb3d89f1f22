// perf_event_open(2) with a perf_event_attr encoded here (PERF_ATTR_SIZE_VER8, 136 bytes), and the
// perf ioctls scry needs.
import { readFileSync } from 'node:fs';
import { Attr, cString } from './attr.ts';
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_QUERY_BPF,
  PERF_EVENT_IOC_SET_BPF,
  PERF_FLAG_FD_CLOEXEC,
} from './constants.ts';
import { check, SysError } from './errors.ts';
import { native } from './native.ts';

export interface PerfEventSpec {
  /** PerfType.* or a dynamic PMU type (see pmuType()). */
  type: number;
  config: number | bigint;
  /** Sample every n events (ignored when freq). */
  samplePeriod?: number | bigint;
  /** Samples per second; implies freq. */
  sampleFreq?: number | bigint;
  /** Interpret the sample_period/sample_freq slot as a frequency. */
  freq?: boolean;
  sampleType?: number | bigint;
  readFormat?: number | bigint;
  /** Wake a reader every n samples (or, with wakeupWatermark, bytes). */
  wakeupEvents?: number;
  wakeupWatermark?: number;
  disabled?: boolean;
  inherit?: boolean;
  pinned?: boolean;
  excludeUser?: boolean;
  excludeKernel?: boolean;
  excludeHv?: boolean;
  excludeIdle?: boolean;
  /** PERF_TYPE_BREAKPOINT: HW_BREAKPOINT_* access type, address and length (1, 2, 4, 8). */
  bpType?: number;
  bpAddr?: bigint;
  bpLen?: number | bigint;
  config1?: bigint;
  config2?: bigint;
  config3?: bigint;
  /** kprobe/uprobe PMUs: kprobe_func / uprobe_path, passed as a string pointer in config1. */
  probePath?: string;
  /** kprobe/uprobe PMUs: probe_offset (config2). */
  probeOffset?: number | bigint;
  /** -1 for all processes (then cpu must be ≥ 0). */
  pid: number;
  /** -1 for any CPU (then pid must be ≥ 0). */
  cpu: number;
  groupFd?: number;
  /** Default PERF_FLAG_FD_CLOEXEC. */
  flags?: number;
}

const ATTR_SIZE = 136; // PERF_ATTR_SIZE_VER8 (config3, Linux 6.3)
const ATTR_SIZE_VER7 = 128;

// Bit numbers in the u64 flags word at offset 40.
const BIT = {
  disabled: 0n,
  inherit: 1n,
  pinned: 2n,
  excludeUser: 4n,
  excludeKernel: 5n,
  excludeHv: 6n,
  excludeIdle: 7n,
  freq: 10n,
  watermark: 14n,
} as const;

function encode(spec: PerfEventSpec, size: number): Attr {
  const freq = spec.freq ?? spec.sampleFreq !== undefined;
  let bits = 0n;
  for (const key of [
    'disabled',
    'inherit',
    'pinned',
    'excludeUser',
    'excludeKernel',
    'excludeHv',
    'excludeIdle',
  ] as const) {
    if (spec[key]) bits |= 1n << BIT[key];
  }
  if (freq) bits |= 1n << BIT.freq;
  if (spec.wakeupWatermark !== undefined) bits |= 1n << BIT.watermark;
  const a = new Attr(size)
    .u32(0, spec.type)
    .u32(4, size)
    .u64(8, spec.config)
    .u64(16, (freq ? spec.sampleFreq : spec.samplePeriod) ?? 0)
    .u64(24, spec.sampleType ?? 0)
    .u64(32, spec.readFormat ?? 0)
    .u64(40, bits)
    .u32(48, spec.wakeupWatermark ?? spec.wakeupEvents ?? 0)
    .u32(52, spec.bpType ?? 0)
    .u64(56, spec.bpAddr ?? spec.config1 ?? 0n)
    .u64(64, spec.bpLen ?? spec.probeOffset ?? spec.config2 ?? 0n);
  if (spec.probePath !== undefined) a.ptr(56, cString(spec.probePath));
  if (size >= ATTR_SIZE) a.u64(128, spec.config3 ?? 0n);
  return a;
}

/** perf_event_open(2) → fd (caller owns it). */
export function perfEventOpen(spec: PerfEventSpec): number {
  const flags = spec.flags ?? PERF_FLAG_FD_CLOEXEC;
  const open = (size: number): number => {
    const a = encode(spec, size);
    return native().perfEventOpen(a.bytes, spec.pid, spec.cpu, spec.groupFd ?? -1, flags, a.ptrs);
  };
  let ret = open(ATTR_SIZE);
  // Kernels before 6.3 reject a larger attr with E2BIG; retry with the older size when config3 is unused.
  if (ret === -7 && !spec.config3) ret = open(ATTR_SIZE_VER7);
  if (ret < 0)
    throw new SysError(
      `perf_event_open(type ${spec.type}, config ${spec.config}, cpu ${spec.cpu}, pid ${spec.pid})`,
      -ret,
    );
  return ret;
}

export function perfEnable(fd: number): void {
  check(native().ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 'ioctl(PERF_EVENT_IOC_ENABLE)');
}

export function perfDisable(fd: number): void {
  check(native().ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 'ioctl(PERF_EVENT_IOC_DISABLE)');
}

/** Attaches a BPF program (TRACEPOINT, PERF_EVENT or KPROBE type) to a perf event. */
export function perfSetBpf(fd: number, progFd: number): void {
  check(native().ioctl(fd, PERF_EVENT_IOC_SET_BPF, progFd), 'ioctl(PERF_EVENT_IOC_SET_BPF)');
}

/**
 * PERF_EVENT_IOC_QUERY_BPF (Linux 4.16): the ids of the programs attached to the event's tracepoint, whoever
 * attached them (the first 64). PERF_TYPE_TRACEPOINT events only (tracefs kprobe and uprobe events are such);
 * the kprobe and uprobe PMUs' events throw EINVAL (seen on Debian's 6.1).
 */
export function perfQueryBpf(fd: number): number[] {
  const q = new Uint32Array(2 + 64); // ids_len, prog_cnt, ids[]
  q[0] = 64;
  check(native().ioctl(fd, PERF_EVENT_IOC_QUERY_BPF, q), 'ioctl(PERF_EVENT_IOC_QUERY_BPF)');
  return [...q.subarray(2, 2 + Math.min(q[1]!, 64))];
}

/** The perf type number of a dynamic PMU (e.g. 'uprobe', 'kprobe'), undefined when absent. */
export function pmuType(pmu: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(`/sys/bus/event_source/devices/${pmu}/type`, 'utf8'), 10);
  } catch {
    return undefined;
  }
}

/** The config bit of a PMU format flag, e.g. pmuConfigBit('uprobe', 'retprobe') → 0 (from "config:0"). */
export function pmuConfigBit(pmu: string, field: string): number | undefined {
  try {
    const m = /^config:(\d+)\s*$/.exec(readFileSync(`/sys/bus/event_source/devices/${pmu}/format/${field}`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
