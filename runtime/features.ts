// What this kernel can do, each answer from a small real look (not a version guess), cached.
import { existsSync } from 'node:fs';
import { vmlinuxBtf } from './kernel/btf/index.ts';
import { tracefsRoot } from './kernel/tracefs.ts';
import {
  alu64Imm,
  alu64Reg,
  BPF_FUNC,
  call,
  encode,
  exit,
  ldx,
  functionsBtf,
  kfuncCall,
  jmpImm,
  label,
  ldFuncAddr,
  ldMapFd,
  mov64Imm,
  mov64Reg,
  patchMapFd,
  R0,
  R1,
  R2,
  R3,
  R4,
  R10,
  st,
  taskCommFrom,
  taskCommProbe,
  type CookieCarrier,
} from '../compiler/index.ts';
import {
  AttachType,
  BPF_F_NO_PREALLOC,
  btfLoad,
  funcInfoRecords,
  linkCreate,
  mapCreate,
  MapType,
  OwnedFd,
  PerfHwConfig,
  PerfType,
  perfEventOpen,
  ProgType,
  progLoad,
  ProgLoadError,
  progTestRun,
  type ProgLoadSpec,
  type SysError,
} from './sys/index.ts';

const cache = new Map<string, boolean | string | number | undefined>();

/** What `--no-feature` may name (bpftrace v0.26's list; scry uses uprobe_multi, and has no kprobe_multi to leave). */
export const OPTIONAL_FEATURES = ['kprobe_multi', 'kprobe_session', 'uprobe_multi'] as const;
export type OptionalFeature = (typeof OPTIONAL_FEATURES)[number];

/** `--no-feature uprobe_multi`: this process does without it, as if the kernel had none. */
export function withoutFeature(feature: OptionalFeature): void {
  if (feature === 'uprobe_multi') cache.set('uprobe_multi', false);
}

function cached<T extends boolean | string | number | undefined>(key: string, probe: () => T): T {
  if (cache.has(key)) return cache.get(key) as T;
  const v = probe();
  cache.set(key, v);
  return v;
}

/** kprobe PMU (Linux 4.17+): perf_event_open with the dynamic "kprobe" type. */
export function hasKprobePmu(): boolean {
  return cached('kprobe-pmu', () => existsSync('/sys/bus/event_source/devices/kprobe/type'));
}

/** Legacy tracefs kprobe_events; needs CONFIG_KPROBE_EVENTS. */
export function hasKprobeEvents(): boolean {
  return cached('kprobe-events', () => {
    try {
      return existsSync(`${tracefsRoot()}/kprobe_events`);
    } catch {
      return false;
    }
  });
}

export function hasKprobes(): boolean {
  return hasKprobePmu() || hasKprobeEvents();
}

/** Why kprobes cannot attach here (a clause), or undefined when they can. */
export function kprobeRefusal(): string | undefined {
  return hasKprobes() ? undefined : 'this kernel has no kprobes (CONFIG_KPROBES off)';
}

/**
 * Hardware perf events (PERF_TYPE_HARDWARE, Linux 2.6.31+): opening a cycles counter on CPU 0; a VM without
 * a virtual PMU says ENOENT. The errno name, or undefined when it opens.
 */
export function hardwareEventRefusal(): string | undefined {
  return cached('hardware', () => {
    try {
      new OwnedFd(
        perfEventOpen({
          type: PerfType.HARDWARE,
          config: BigInt(PerfHwConfig.CPU_CYCLES),
          samplePeriod: 1_000_000n,
          pid: -1,
          cpu: 0,
        }),
        'feature probe',
      ).close();
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code ?? (e as Error).message;
    }
  });
}

const fentryRefusals = new Map<string, string | undefined>();

/** Why fentry/fexit programs for `btfId` cannot load here (an errno name), or undefined when they can. */
export function fentryRefusal(kind: 'fentry' | 'fexit', btfId: number): string | undefined {
  const key = `${kind}:${btfId}`;
  if (fentryRefusals.has(key)) return fentryRefusals.get(key);
  let why: string | undefined;
  try {
    const insns = encode([mov64Imm(R0, 0), exit()]).bytes;
    new OwnedFd(
      progLoad({
        type: ProgType.TRACING,
        insns,
        license: 'GPL',
        expectedAttachType: kind === 'fentry' ? AttachType.TRACE_FENTRY : AttachType.TRACE_FEXIT,
        attachBtfId: btfId,
      }),
      'fentry probe',
    ).close();
  } catch (e) {
    why = (e as SysError).code ?? (e as Error).message;
  }
  fentryRefusals.set(key, why);
  return why;
}

/**
 * Whether this kernel makes uprobe_multi links (BPF_TRACE_UPROBE_MULTI, Linux 6.6+): a program loaded for
 * them, linked to "/" (no regular file), gets EBADF from a kernel that has them and EINVAL (or a refused
 * load) from one that does not.
 */
export function hasUprobeMulti(): boolean {
  return cached('uprobe_multi', () => {
    let prog: OwnedFd | undefined;
    try {
      const insns = encode([mov64Imm(R0, 0), exit()]).bytes;
      prog = new OwnedFd(
        progLoad({ type: ProgType.KPROBE, insns, license: 'GPL', expectedAttachType: AttachType.TRACE_UPROBE_MULTI }),
        'uprobe_multi probe',
      );
      new OwnedFd(
        linkCreate({
          progFd: prog.fd,
          targetFd: 0,
          attachType: AttachType.TRACE_UPROBE_MULTI,
          uprobeMulti: { path: '/', offsets: [0n], flags: 0, pid: 0 },
        }),
        'uprobe_multi probe link',
      ).close();
      return true;
    } catch (e) {
      return (e as SysError).code === 'EBADF';
    } finally {
      prog?.close();
    }
  });
}

/**
 * Whether hash maps may allocate their elements as keys arrive (BPF_F_NO_PREALLOC) in every kind of tracing
 * program: Linux 6.1 gave them an allocator that is safe in any context (bpf_mem_alloc) and dropped the verifier's
 * refusal of such maps in perf_event programs (kprobes and tracepoints loaded with them before, with a warning in
 * the kernel log: unsafe there). A perf_event program using a per-CPU hash made so loads from 6.1 on.
 */
export function hasLazyHashMaps(): boolean {
  return cached('lazy-hash-maps', () => {
    let map: OwnedFd | undefined;
    try {
      map = new OwnedFd(
        mapCreate({ type: MapType.PERCPU_HASH, keySize: 8, valueSize: 8, maxEntries: 1, flags: BPF_F_NO_PREALLOC }),
        'lazy hash map probe',
      );
      const insns = encode([ldMapFd(R1, 'probe'), mov64Imm(R0, 0), exit()]).bytes;
      patchMapFd(insns, 0, map.fd);
      new OwnedFd(progLoad({ type: ProgType.PERF_EVENT, insns, license: 'GPL' }), 'lazy hash map probe').close();
      return true;
    } catch {
      return false;
    } finally {
      map?.close();
    }
  });
}

/**
 * BPF cpu v4's signed division and modulo (BPF_SDIV/BPF_SMOD, Linux 6.6): a socket filter doing r0 s/= 1 and
 * r0 s%= 3 loads; an older verifier refuses the nonzero offset field of a division (EINVAL).
 */
export function hasSignedDivision(): boolean {
  return cached('sdiv', () =>
    programLoads(ProgType.SOCKET_FILTER, [mov64Imm(R0, 1), alu64Imm('sdiv', R0, 1), alu64Imm('smod', R0, 3), exit()]),
  );
}

/**
 * Whether programs of a type may call the kfunc `name` (the vmlinux BTF id `btfId`), as bpftrace v0.26's
 * kfunc_allowed asks: a program that calls it loads, or fails on anything but the verifier's "calling kernel
 * function NAME is not allowed" (its arguments, a tracing program's missing target). The kernel registers each
 * kfunc set for some program types only, and that is not in BTF: bpf_task_from_pid is allowed in tracepoint,
 * perf event, tracing and XDP programs on Linux 6.18, not in kprobe or raw tracepoint ones.
 */
export function kfuncAllowed(name: string, btfId: number, progType: number): boolean {
  return cached(`kfunc ${name} ${progType}`, () => {
    const log = new Uint8Array(4096);
    try {
      const insns = encode([kfuncCall(btfId), mov64Imm(R0, 0), exit()]).bytes;
      new OwnedFd(progLoad({ type: progType, insns, license: 'GPL', logBuf: log }), 'kfunc probe').close();
      return true;
    } catch (e) {
      if (!(e instanceof ProgLoadError)) return false;
      return !e.log.includes(`calling kernel function ${name} is not allowed`);
    }
  });
}

/**
 * Whether an attachment made by `carrier` carries a cookie the program reads: a perf event's BPF link (Linux
 * 5.15) where a tracepoint program may call bpf_get_attach_cookie, a raw tracepoint's link (6.10, the same
 * commit let raw tracepoint and tp_btf programs call it) where a raw tracepoint program may, a trampoline's
 * link (5.19) where an fentry program on vfs_read may. Asked by the compiler only for a probe of several attach
 * points that keys a map by `probe` (compile.ts attachCookies).
 */
export function hasAttachCookies(carrier: CookieCarrier = 'perf-link'): boolean {
  const reads = [call(BPF_FUNC.get_attach_cookie), mov64Imm(R0, 0), exit()];
  return cached(`attach_cookie ${carrier}`, () => {
    if (carrier === 'perf-link') return programLoads(ProgType.TRACEPOINT, reads);
    if (carrier === 'raw-tracepoint') return programLoads(ProgType.RAW_TRACEPOINT, reads);
    const target = vmlinuxBtf()?.funcProto('vfs_read')?.id;
    return (
      target !== undefined &&
      programLoads(ProgType.TRACING, reads, { expectedAttachType: AttachType.TRACE_FENTRY, attachBtfId: target })
    );
  });
}

/**
 * task_struct's comm offset as the kernel relocates it (CO-RE in BPF_PROG_LOAD, 5.17), for `comm == "literal"`
 * read in place: a raw tracepoint program that calls bpf_get_current_task_btf (5.11) returns it from one test run
 * (~0.2 ms; the whole vmlinux BTF read in user space costs 15-30 ms). Undefined where either is missing.
 */
export function relocatedTaskCommOffset(): number | undefined {
  return cached('task-comm', () => {
    const probe = taskCommProbe();
    const coreRelos = { recSize: 16, count: probe.coreReloCount, data: probe.coreRelos };
    const retval = withTypedProgram(
      probe.btf,
      probe.insns,
      probe.funcInfo,
      { coreRelos },
      (fd) => progTestRun(fd).retval,
    );
    return retval === undefined ? undefined : taskCommFrom(retval);
  });
}

/**
 * Whether bpf_get_current_comm clears the bytes after the name (strscpy_pad; Linux 6.1 copies with strscpy and
 * leaves them as they were): then a comm key needs no zeroing first (CompileOptions.paddedComm). A raw tracepoint
 * program fills the second half of a 32-byte buffer with ones, has the helper write all 32 bytes (a name is at most
 * 15 and its NUL, so that half is always past the name), and returns 1 from one test run if that half came back
 * zero. A kernel that answers anything else is treated as not padding (the zeroing stays).
 */
export function padsCurrentComm(): boolean {
  return cached('comm-pad', () => {
    const insns = encode([
      st(8, R10, -16, -1),
      st(8, R10, -8, -1),
      mov64Reg(R1, R10),
      alu64Imm('add', R1, -32),
      mov64Imm(R2, 32),
      call(BPF_FUNC.get_current_comm),
      mov64Imm(R0, 0),
      ldx(8, R1, R10, -16),
      ldx(8, R2, R10, -8),
      alu64Reg('or', R1, R2),
      jmpImm('jne', R1, 0, 'out'),
      mov64Imm(R0, 1),
      label('out'),
      exit(),
    ]).bytes;
    let prog: OwnedFd | undefined;
    try {
      prog = new OwnedFd(progLoad({ type: ProgType.RAW_TRACEPOINT, insns, license: 'GPL' }), 'comm padding probe');
      return progTestRun(prog.fd).retval === 1;
    } catch {
      return false;
    } finally {
      prog?.close();
    }
  });
}

/**
 * bpf_loop (helper 181, Linux 5.17): a raw tracepoint program that runs a static callback through it loads (with
 * the BTF func_info a callback needs).
 */
export function hasLoopHelper(): boolean {
  return cached('bpf_loop', () => {
    const enc = encode([
      mov64Imm(R1, 1),
      ldFuncAddr(R2, 'cb'),
      mov64Imm(R3, 0),
      mov64Imm(R4, 0),
      call(BPF_FUNC.loop),
      mov64Imm(R0, 0),
      exit(),
      label('cb'),
      mov64Imm(R0, 1),
      exit(),
    ]);
    const types = functionsBtf('scry_loop_probe', ['scry_loop_cb']);
    const funcInfo = [
      { insn: 0, typeId: types.main },
      { insn: enc.labels.get('cb')!, typeId: types.callbacks[0]! },
    ];
    return withTypedProgram(types.data, enc.bytes, funcInfo, {}, () => true) ?? false;
  });
}

/**
 * `use` of a raw tracepoint program loaded with its own BTF and func_info (and `extra`, e.g. CO-RE records), both
 * closed after; undefined when either does not load.
 */
function withTypedProgram<T>(
  btf: Uint8Array,
  insns: Uint8Array,
  funcInfo: readonly { readonly insn: number; readonly typeId: number }[],
  extra: Pick<ProgLoadSpec, 'coreRelos'>,
  use: (progFd: number) => T,
): T | undefined {
  let types: OwnedFd | undefined;
  let prog: OwnedFd | undefined;
  try {
    types = new OwnedFd(btfLoad(btf), 'feature probe btf');
    const spec = { type: ProgType.RAW_TRACEPOINT, insns, license: 'GPL', progBtfFd: types.fd, ...extra };
    prog = new OwnedFd(progLoad({ ...spec, funcInfo: funcInfoRecords(funcInfo) }), 'feature probe');
    return use(prog.fd);
  } catch {
    return undefined;
  } finally {
    prog?.close();
    types?.close();
  }
}

/** Whether the verifier accepts a program of `type` made of `items` (loaded and closed at once). */
function programLoads(
  type: number,
  items: Parameters<typeof encode>[0],
  target: Pick<ProgLoadSpec, 'expectedAttachType' | 'attachBtfId'> = {},
): boolean {
  try {
    new OwnedFd(progLoad({ type, insns: encode(items).bytes, license: 'GPL', ...target }), 'feature probe').close();
    return true;
  } catch {
    return false;
  }
}
