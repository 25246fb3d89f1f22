// Typed bpf(2) commands. Each function encodes its own slice of union bpf_attr (offsets from
// include/uapi/linux/bpf.h) and passes only that many bytes; the kernel zero-fills the rest.
//
// Buffer sizes are the caller's responsibility, exactly as with the C API: the kernel reads
// key_size bytes of every key and writes value_size bytes (per-CPU maps: round_up(value_size, 8)
// times the number of possible CPUs) into every value buffer, so a short buffer means EFAULT or
// memory corruption. Size buffers from the map's spec (or mapInfo()).
import { Attr, cString, fromCString } from './attr.ts';
import { BpfCmd, bpfCmdName, BPF_ANY, BPF_OBJ_NAME_LEN } from './constants.ts';
import { check, SysError } from './errors.ts';
import { OwnedFd } from './fd.ts';
import { native } from './native.ts';

type Bytes = ArrayBufferView;

function call(cmd: number, attr: Attr): number {
  const ret = native().bpf(cmd, attr.bytes, attr.ptrs);
  if (ret < 0) throw new SysError(`bpf(${bpfCmdName(cmd)})`, -ret);
  return ret;
}

const ENOENT = 2;

/**
 * Like call, but false when the kernel says ENOENT (a key absent, the end of a map): told apart by its number,
 * before any error is made, since lookups and walks meet it all the time.
 */
function callUnlessAbsent(cmd: number, attr: Attr): boolean {
  const ret = native().bpf(cmd, attr.bytes, attr.ptrs);
  if (ret >= 0) return true;
  if (ret === -ENOENT) return false;
  throw new SysError(`bpf(${bpfCmdName(cmd)})`, -ret);
}

/** Kernel object names allow [A-Za-z0-9_.] and at most 15 bytes; anything else is replaced so names never fail a load. */
function objName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, BPF_OBJ_NAME_LEN - 1);
}

// ---- maps ----

export interface MapCreateSpec {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** Sanitised with objName(). */
  name?: string;
  innerMapFd?: number;
  numaNode?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: bigint;
}

/** BPF_MAP_CREATE → a new map fd (caller owns it). */
export function mapCreate(spec: MapCreateSpec): number {
  const a = new Attr(72)
    .u32(0, spec.type)
    .u32(4, spec.keySize)
    .u32(8, spec.valueSize)
    .u32(12, spec.maxEntries)
    .u32(16, spec.flags ?? 0)
    .u32(20, spec.innerMapFd ?? 0)
    .u32(24, spec.numaNode ?? 0)
    .chars(28, BPF_OBJ_NAME_LEN, objName(spec.name ?? ''))
    .u32(48, spec.btfFd ?? 0)
    .u32(52, spec.btfKeyTypeId ?? 0)
    .u32(56, spec.btfValueTypeId ?? 0)
    .u32(60, spec.btfVmlinuxValueTypeId ?? 0)
    .u64(64, spec.mapExtra ?? 0n);
  return call(BpfCmd.MAP_CREATE, a);
}

// union { map_fd u32 @0; key u64 @8; value/next_key u64 @16; flags u64 @24 }
function elemAttr(fd: number, key: Bytes | null, value: Bytes | null, flags: number | bigint): Attr {
  return new Attr(32).u32(0, fd).ptr(8, key).ptr(16, value).u64(24, flags);
}

/** BPF_MAP_LOOKUP_ELEM into value; false when the key is absent (ENOENT). key is null for queue/stack maps. */
export function mapLookup(fd: number, key: Bytes | null, value: Bytes, flags = 0): boolean {
  return callUnlessAbsent(BpfCmd.MAP_LOOKUP_ELEM, elemAttr(fd, key, value, flags));
}

/** BPF_MAP_UPDATE_ELEM; flags BPF_ANY / BPF_NOEXIST / BPF_EXIST (| BPF_F_LOCK). */
export function mapUpdate(fd: number, key: Bytes | null, value: Bytes, flags: number = BPF_ANY): void {
  call(BpfCmd.MAP_UPDATE_ELEM, elemAttr(fd, key, value, flags));
}

/** BPF_MAP_DELETE_ELEM; false when the key was absent. */
export function mapDelete(fd: number, key: Bytes): boolean {
  return callUnlessAbsent(BpfCmd.MAP_DELETE_ELEM, elemAttr(fd, key, null, 0));
}

/** BPF_MAP_GET_NEXT_KEY: key null (or absent from the map) yields the first key; false at the end. */
export function mapGetNextKey(fd: number, key: Bytes | null, next: Bytes): boolean {
  return callUnlessAbsent(BpfCmd.MAP_GET_NEXT_KEY, elemAttr(fd, key, next, 0));
}

/** BPF_MAP_LOOKUP_AND_DELETE_ELEM (hash maps since 5.14; queue/stack pop with key null); false on ENOENT. */
export function mapLookupAndDelete(fd: number, key: Bytes | null, value: Bytes, flags = 0): boolean {
  return callUnlessAbsent(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM, elemAttr(fd, key, value, flags));
}

/** BPF_MAP_FREEZE: no more writes from user space (programs may still write unless BPF_F_RDONLY_PROG). */
export function mapFreeze(fd: number): void {
  call(BpfCmd.MAP_FREEZE, new Attr(8).u32(0, fd));
}

export interface BatchSpec {
  /** Opaque position from the previous call's outBatch; null to start at the beginning. */
  inBatch: Bytes | null;
  /** Receives the position to continue from; at least max(keySize, 4) bytes. */
  outBatch: Bytes;
  /** count * keySize bytes. */
  keys: Bytes;
  /** count * value size bytes (per-CPU: round_up(valueSize, 8) * possible CPUs). */
  values: Bytes;
  /** How many elements fit in keys/values. */
  count: number;
  elemFlags?: number;
  flags?: number;
}

export interface BatchResult {
  /** Elements copied into keys/values. */
  count: number;
  /** True when the map has no more elements after these (the kernel said ENOENT). */
  done: boolean;
}

// batch: in_batch @0, out_batch @8, keys @16, values @24, count u32 @32, map_fd u32 @36, elem_flags @40, flags @48
function batch(cmd: number, fd: number, spec: BatchSpec): BatchResult {
  const a = new Attr(56)
    .ptr(0, spec.inBatch)
    .ptr(8, spec.outBatch)
    .ptr(16, spec.keys)
    .ptr(24, spec.values)
    .u32(32, spec.count)
    .u32(36, fd)
    .u64(40, spec.elemFlags ?? 0)
    .u64(48, spec.flags ?? 0);
  const more = callUnlessAbsent(cmd, a);
  return { count: a.getU32(32), done: !more };
}

/** BPF_MAP_LOOKUP_BATCH: copies up to spec.count elements. */
export function mapLookupBatch(fd: number, spec: BatchSpec): BatchResult {
  return batch(BpfCmd.MAP_LOOKUP_BATCH, fd, spec);
}

/** BPF_MAP_LOOKUP_AND_DELETE_BATCH (hash maps): like mapLookupBatch, deleting what it returns. */
export function mapLookupAndDeleteBatch(fd: number, spec: BatchSpec): BatchResult {
  return batch(BpfCmd.MAP_LOOKUP_AND_DELETE_BATCH, fd, spec);
}

// ---- BTF ----

/** A failed BPF_BTF_LOAD, with the kernel's BTF verifier log when one was requested. */
export class BtfLoadError extends SysError {
  override name = 'BtfLoadError';
  readonly log: string;

  constructor(errno: number, log: string) {
    super(`bpf(${bpfCmdName(BpfCmd.BTF_LOAD)})`, errno);
    this.log = log;
    this.verifierLog = log;
  }
}

/**
 * BPF_BTF_LOAD (kernel 4.18) → a BTF object fd (caller owns it). With logBuf, a failure throws BtfLoadError
 * carrying the kernel's explanation. btf: u64 @0, btf_log_buf u64 @8, btf_size u32 @16,
 * btf_log_size u32 @20, btf_log_level u32 @24.
 */
export function btfLoad(data: Uint8Array, logBuf?: Uint8Array): number {
  const a = new Attr(28)
    .ptr(0, data)
    .u32(16, data.length)
    .ptr(8, logBuf)
    .u32(20, logBuf ? Math.min(logBuf.length, 0xffffffff >>> 8) : 0)
    .u32(24, logBuf ? 1 : 0);
  if (logBuf) logBuf[0] = 0;
  const ret = native().bpf(BpfCmd.BTF_LOAD, a.bytes, a.ptrs);
  if (ret >= 0) return ret;
  if (!logBuf) throw new SysError(`bpf(${bpfCmdName(BpfCmd.BTF_LOAD)})`, -ret);
  throw new BtfLoadError(-ret, fromCString(logBuf));
}

// ---- programs ----

export interface BtfInfoRecords {
  /** Size of one record as laid out in data (bpf_func_info: 8, bpf_line_info: 16). */
  recSize: number;
  count: number;
  data: Bytes;
}

/** bpf_func_info records (u32 insn_off in instructions, u32 type_id) as BPF_PROG_LOAD takes them. */
export function funcInfoRecords(
  records: readonly { readonly insn: number; readonly typeId: number }[],
): BtfInfoRecords {
  const data = new Uint8Array(records.length * 8);
  const v = new DataView(data.buffer);
  records.forEach((r, i) => {
    v.setUint32(i * 8, r.insn, true);
    v.setUint32(i * 8 + 4, r.typeId, true);
  });
  return { recSize: 8, count: records.length, data };
}

export interface ProgLoadSpec {
  type: number;
  /** Instructions, 8 bytes each. */
  insns: Uint8Array;
  license: string;
  /** Sanitised with objName(). */
  name?: string;
  expectedAttachType?: number;
  attachBtfId?: number;
  /** attach_prog_fd / attach_btf_obj_fd (same field). */
  attachFd?: number;
  kernVersion?: number;
  /** prog_flags: BPF_F_SLEEPABLE, BPF_F_ANY_ALIGNMENT, … */
  flags?: number;
  progBtfFd?: number;
  funcInfo?: BtfInfoRecords;
  lineInfo?: BtfInfoRecords;
  /** fds that BPF_PSEUDO_MAP_IDX instructions index into. */
  fdArray?: Int32Array;
  /** bpf_core_relo records (16 bytes each) the kernel applies before verifying (Linux 5.17; needs funcInfo). */
  coreRelos?: BtfInfoRecords;
  logLevel?: number;
  /** Verifier log destination; on failure its text becomes the error's verifierLog. */
  logBuf?: Uint8Array;
}

/** A failed BPF_PROG_LOAD, with the verifier's log when one was requested. */
export class ProgLoadError extends SysError {
  override name = 'ProgLoadError';
  /** Verifier output ('' when none was produced). */
  readonly log: string;
  /** Bytes the kernel needed for the complete log (kernels ≥ 6.4), 0 if unknown. */
  readonly logTrueSize: number;
  /** The log was cut short because the buffer was too small. */
  readonly truncated: boolean;

  constructor(errno: number, log: string, logTrueSize: number, truncated: boolean, options?: ErrorOptions) {
    super(`bpf(${bpfCmdName(BpfCmd.PROG_LOAD)})`, errno, options);
    this.log = log;
    this.verifierLog = log;
    this.logTrueSize = logTrueSize;
    this.truncated = truncated;
  }
}

const LOG_TRUE_SIZE = 140;

/** BPF_PROG_LOAD → prog fd. Throws ProgLoadError (a SysError carrying the log) when logBuf is given, else SysError. */
export function progLoad(spec: ProgLoadSpec): number {
  if (spec.insns.length % 8 !== 0)
    throw new RangeError(`progLoad: insns length ${spec.insns.length} is not a multiple of 8`);
  const log = spec.logBuf;
  const a = new Attr(144)
    .u32(0, spec.type)
    .u32(4, spec.insns.length / 8)
    .ptr(8, spec.insns)
    .ptr(16, cString(spec.license))
    .u32(24, log ? (spec.logLevel ?? 1) : 0)
    .u32(28, log ? Math.min(log.length, 0xffffffff >>> 2) : 0)
    .ptr(32, log)
    .u32(40, spec.kernVersion ?? 0)
    .u32(44, spec.flags ?? 0)
    .chars(48, BPF_OBJ_NAME_LEN, objName(spec.name ?? ''))
    .u32(68, spec.expectedAttachType ?? 0)
    .u32(72, spec.progBtfFd ?? 0)
    .u32(108, spec.attachBtfId ?? 0)
    .u32(112, spec.attachFd ?? 0);
  if (spec.funcInfo) a.u32(76, spec.funcInfo.recSize).ptr(80, spec.funcInfo.data).u32(88, spec.funcInfo.count);
  if (spec.lineInfo) a.u32(92, spec.lineInfo.recSize).ptr(96, spec.lineInfo.data).u32(104, spec.lineInfo.count);
  if (spec.fdArray) a.ptr(120, spec.fdArray);
  if (spec.coreRelos) a.u32(116, spec.coreRelos.count).ptr(128, spec.coreRelos.data).u32(136, spec.coreRelos.recSize);
  if (log) log[0] = 0;
  const ret = native().bpf(BpfCmd.PROG_LOAD, a.bytes, a.ptrs);
  if (ret >= 0) return ret;
  if (!log) throw new SysError(`bpf(${bpfCmdName(BpfCmd.PROG_LOAD)})`, -ret);
  const trueSize = a.getU32(LOG_TRUE_SIZE);
  throw new ProgLoadError(-ret, fromCString(log), trueSize, -ret === 28 /* ENOSPC */ || trueSize > log.length);
}

export interface LoadOptions {
  /** Verifier log level for the retry (default 1). */
  logLevel?: number;
  /** Initial log buffer size for the retry (default 4 MiB). */
  logSize?: number;
  /** Largest log buffer to try before giving up on a complete log (default 256 MiB). */
  maxLogSize?: number;
}

/**
 * Loads a program without a log; on failure loads it again with a verifier log (4 MiB,
 * growing while the kernel reports ENOSPC) and throws ProgLoadError with that log.
 * The returned OwnedFd belongs to the caller.
 */
export function loadProgram(spec: Omit<ProgLoadSpec, 'logLevel' | 'logBuf'>, opts: LoadOptions = {}): OwnedFd {
  const label = `prog ${spec.name ?? ''}`.trim();
  let first: SysError;
  try {
    return new OwnedFd(progLoadRetrying(spec), label);
  } catch (err) {
    if (!(err instanceof SysError)) throw err;
    first = err;
  }
  const max = opts.maxLogSize ?? 256 << 20;
  let size = opts.logSize ?? 4 << 20;
  for (;;) {
    try {
      // Rarely the logged load succeeds (e.g. a transient failure the first time): keep it.
      return new OwnedFd(
        progLoadRetrying({ ...spec, logLevel: opts.logLevel ?? 1, logBuf: new Uint8Array(size) }),
        label,
      );
    } catch (err) {
      if (!(err instanceof ProgLoadError)) throw err;
      if (err.code !== 'ENOSPC' || size >= max) {
        // A truncated log fails with ENOSPC; report the original failure instead.
        const errno = err.code === 'ENOSPC' ? first.errno : err.errno;
        throw new ProgLoadError(errno, err.log, err.logTrueSize, err.truncated, { cause: first });
      }
      size = Math.min(max, Math.max(size * 4, err.logTrueSize + 1));
    }
  }
}

/**
 * How many times a BPF_PROG_LOAD the verifier gave up on with EAGAIN is made. The verifier stops with EAGAIN when
 * a signal is pending (Linux: do_check looks at signal_pending() as it walks the program), so a process that
 * receives signals steadily fails its loads. Measured with the one-tracepoint program under `node --cpu-prof`
 * (V8's sampler sends SIGPROF every interval), runs of 10 that failed: at 100 us, 6 with one attempt and none
 * with 5 (libbpf's number); at 30-50 us, 3-5 with 5 attempts and none with 20 (at load ~2; at load ~7.6 and
 * 50 us, 6 of 12 still failed: an attempt that outlasts the interval always meets a signal, whatever the bound).
 * An interrupted attempt costs at most one verification, and a refused program fails the same way every time, so
 * the bound is generous. Map creation does not stop for signals (libbpf does not retry it either).
 */
export const PROG_LOAD_ATTEMPTS = 20;

/** Calls `load` until it does not throw EAGAIN, at most `attempts` times; the last EAGAIN is thrown. */
export function retryingEagain<T>(load: () => T, attempts = PROG_LOAD_ATTEMPTS): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return load();
    } catch (err) {
      if (!(err instanceof SysError) || err.code !== 'EAGAIN' || attempt >= attempts) throw err;
    }
  }
}

function progLoadRetrying(spec: ProgLoadSpec): number {
  return retryingEagain(() => progLoad(spec));
}

export interface TestRunSpec {
  /** Context (e.g. the u64 args of a raw tracepoint). */
  ctxIn?: Bytes;
  ctxOut?: Bytes;
  /** Packet data for networking program types. */
  dataIn?: Bytes;
  dataOut?: Bytes;
  repeat?: number;
  flags?: number;
  /** With BPF_F_TEST_RUN_ON_CPU. */
  cpu?: number;
  batchSize?: number;
}

export interface TestRunResult {
  retval: number;
  /** Average ns per run (0 for program types that do not time, e.g. raw tracepoints). */
  duration: number;
  dataSizeOut: number;
  ctxSizeOut: number;
}

/** BPF_PROG_TEST_RUN. */
export function progTestRun(progFd: number, spec: TestRunSpec = {}): TestRunResult {
  // test: prog_fd @0, retval @4, data_size_in @8, data_size_out @12, data_in @16, data_out @24,
  // repeat @32, duration @36, ctx_size_in @40, ctx_size_out @44, ctx_in @48, ctx_out @56, flags @64, cpu @68, batch_size @72
  const a = new Attr(80)
    .u32(0, progFd)
    .u32(8, spec.dataIn?.byteLength ?? 0)
    .u32(12, spec.dataOut?.byteLength ?? 0)
    .ptr(16, spec.dataIn)
    .ptr(24, spec.dataOut)
    .u32(32, spec.repeat ?? 0)
    .u32(40, spec.ctxIn?.byteLength ?? 0)
    .u32(44, spec.ctxOut?.byteLength ?? 0)
    .ptr(48, spec.ctxIn)
    .ptr(56, spec.ctxOut)
    .u32(64, spec.flags ?? 0)
    .u32(68, spec.cpu ?? 0)
    .u32(72, spec.batchSize ?? 0);
  call(BpfCmd.PROG_TEST_RUN, a);
  return { retval: a.getU32(4), duration: a.getU32(36), dataSizeOut: a.getU32(12), ctxSizeOut: a.getU32(44) };
}

// ---- attachment ----

/** BPF_RAW_TRACEPOINT_OPEN: attaches a raw tracepoint program (name null for BTF-typed programs) → link fd. */
export function rawTracepointOpen(name: string | null, progFd: number, cookie?: bigint): number {
  const a = new Attr(cookie === undefined ? 16 : 24).u32(8, progFd);
  if (name !== null) a.ptr(0, cString(name));
  if (cookie !== undefined) a.u64(16, cookie);
  return call(BpfCmd.RAW_TRACEPOINT_OPEN, a);
}

export interface LinkCreateSpec {
  progFd: number;
  /** Perf event fd, cgroup fd, ifindex, … (0 for tracing links). */
  targetFd: number;
  attachType: number;
  flags?: number;
  /** perf_event.bpf_cookie (attach type PERF_EVENT), read by bpf_get_attach_cookie(). */
  bpfCookie?: bigint;
  /** tracing.target_btf_id. */
  targetBtfId?: number;
  /** tracing.cookie. */
  tracingCookie?: bigint;
  /** iter_info (bpf_iter_link_info bytes). */
  iterInfo?: Uint8Array;
  /** uprobe_multi (attach type TRACE_UPROBE_MULTI, Linux 6.6+): one file, many offsets, one link. */
  uprobeMulti?: {
    readonly path: string;
    readonly offsets: readonly bigint[];
    /** BPF_F_UPROBE_MULTI_RETURN (1): return probes */
    readonly flags: number;
    /** 0: every process */
    readonly pid: number;
    /** a cookie for each offset (bpf_get_attach_cookie) */
    readonly cookies?: readonly bigint[];
  };
}

/** BPF_LINK_CREATE → link fd; closing it detaches. */
export function linkCreate(spec: LinkCreateSpec): number {
  // link_create: prog_fd @0, target_fd @4, attach_type @8, flags @12, then a union @16:
  // perf_event.bpf_cookie u64 @16 | target_btf_id u32 @16 (+ tracing.cookie u64 @24) | iter_info @16 + iter_info_len @24
  const a = new Attr(64)
    .u32(0, spec.progFd)
    .u32(4, spec.targetFd)
    .u32(8, spec.attachType)
    .u32(12, spec.flags ?? 0);
  if (spec.bpfCookie !== undefined) a.u64(16, spec.bpfCookie);
  if (spec.targetBtfId !== undefined) a.u32(16, spec.targetBtfId);
  if (spec.tracingCookie !== undefined) a.u64(24, spec.tracingCookie);
  if (spec.iterInfo) a.ptr(16, spec.iterInfo).u32(24, spec.iterInfo.length);
  // uprobe_multi: path @16, offsets @24, ref_ctr_offsets @32, cookies @40, cnt @48, flags @52, pid @56
  const um = spec.uprobeMulti;
  if (um) {
    const offsets = new Uint8Array(8 * um.offsets.length);
    const view = new DataView(offsets.buffer);
    um.offsets.forEach((o, i) => view.setBigUint64(8 * i, o, true));
    a.ptr(16, cString(um.path)).ptr(24, offsets).u32(48, um.offsets.length).u32(52, um.flags).u32(56, um.pid);
    if (um.cookies) {
      const cookies = new BigUint64Array(um.cookies.map((c) => BigInt.asUintN(64, c)));
      a.ptr(40, cookies);
    }
  }
  return call(BpfCmd.LINK_CREATE, a);
}

/** BPF_OBJ_PIN: the object (a map, program or link fd) stays alive under `path` in a bpffs until it is unlinked. */
export function objPin(fd: number, path: string): void {
  call(BpfCmd.OBJ_PIN, new Attr(16).ptr(0, cString(path)).u32(8, fd));
}

/** BPF_ITER_CREATE: an fd whose reads run the iterator link's program over every object (Linux 5.8+). */
export function iterCreate(linkFd: number): number {
  return call(BpfCmd.ITER_CREATE, new Attr(8).u32(0, linkFd));
}

// ---- introspection ----

/**
 * BPF_OBJ_GET_INFO_BY_FD into info (zeroed by the caller); returns the length the kernel filled.
 * `inner` are pointers inside info itself (e.g. where bpf_btf_info.name points), as [offset in info, buffer].
 */
export function objGetInfoByFd(
  fd: number,
  info: Uint8Array,
  inner: readonly (readonly [number, Uint8Array])[] = [],
): number {
  const a = new Attr(16).u32(0, fd).u32(4, info.length).ptr(8, info);
  for (const [off, buf] of inner) a.ptrs.push([off, buf, info]);
  call(BpfCmd.OBJ_GET_INFO_BY_FD, a);
  return a.getU32(4);
}

const NEXT_ID = { prog: BpfCmd.PROG_GET_NEXT_ID, map: BpfCmd.MAP_GET_NEXT_ID, link: BpfCmd.LINK_GET_NEXT_ID };
const FD_BY_ID = { prog: BpfCmd.PROG_GET_FD_BY_ID, map: BpfCmd.MAP_GET_FD_BY_ID, link: BpfCmd.LINK_GET_FD_BY_ID };

/** BPF_PROG/MAP/LINK_GET_NEXT_ID: the next program's, map's or link's id after `id`, or undefined after the last. */
export function nextObjectId(kind: 'prog' | 'map' | 'link', id: number): number | undefined {
  const cmd = NEXT_ID[kind];
  const a = new Attr(8).u32(0, id);
  const ret = native().bpf(cmd, a.bytes, a.ptrs);
  if (ret === -2 /* ENOENT */) return undefined;
  check(ret, `bpf(${bpfCmdName(cmd)})`);
  return a.getU32(4);
}

/** BPF_PROG/MAP/LINK_GET_FD_BY_ID → an fd of that object (caller owns it). */
export function objectFdById(kind: 'prog' | 'map' | 'link', id: number): number {
  return call(FD_BY_ID[kind], new Attr(12).u32(0, id));
}

/** BPF_BTF_GET_NEXT_ID: the next loaded BTF object's id after `id`, or undefined after the last. */
export function btfGetNextId(id: number): number | undefined {
  const a = new Attr(8).u32(0, id);
  const ret = native().bpf(BpfCmd.BTF_GET_NEXT_ID, a.bytes, a.ptrs);
  if (ret === -2 /* ENOENT */) return undefined;
  check(ret, `bpf(${bpfCmdName(BpfCmd.BTF_GET_NEXT_ID)})`);
  return a.getU32(4);
}

/** BPF_BTF_GET_FD_BY_ID → an fd of that BTF object (caller owns it). */
export function btfGetFdById(id: number): number {
  return call(BpfCmd.BTF_GET_FD_BY_ID, new Attr(8).u32(0, id));
}

/** bpf_btf_info: the object's name ('vmlinux', a module's name) and whether it is the kernel's own. */
export function btfInfo(fd: number): { id: number; name: string; kernel: boolean } {
  const info = new Uint8Array(32);
  const name = new Uint8Array(64);
  new DataView(info.buffer).setUint32(24, name.length, true); // name_len, in: the room given
  objGetInfoByFd(fd, info, [[16, name]]);
  const v = new DataView(info.buffer);
  return { id: v.getUint32(12, true), name: fromCString(name), kernel: v.getUint32(28, true) !== 0 };
}

export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
}

export function mapInfo(fd: number): MapInfo {
  const info = new Uint8Array(96);
  objGetInfoByFd(fd, info);
  const v = new DataView(info.buffer);
  return {
    type: v.getUint32(0, true),
    id: v.getUint32(4, true),
    keySize: v.getUint32(8, true),
    valueSize: v.getUint32(12, true),
    maxEntries: v.getUint32(16, true),
    flags: v.getUint32(20, true),
    name: fromCString(info.subarray(24, 40)),
  };
}

export interface ProgInfo {
  type: number;
  id: number;
  /** Hex of the 8-byte program tag. */
  tag: string;
  name: string;
  /** Instructions the verifier processed (kernels ≥ 5.16). */
  verifiedInsns: number;
  /** The id of the program's own BTF object (0: loaded without BTF). */
  btfId: number;
}

export function progInfo(fd: number): ProgInfo {
  const info = new Uint8Array(PROG_INFO_SIZE);
  objGetInfoByFd(fd, info);
  const v = new DataView(info.buffer);
  return {
    type: v.getUint32(0, true),
    id: v.getUint32(4, true),
    tag: Buffer.from(info.subarray(8, 16)).toString('hex'),
    name: fromCString(info.subarray(64, 80)),
    verifiedInsns: v.getUint32(216, true),
    btfId: v.getUint32(128, true),
  };
}

const PROG_INFO_SIZE = 232;

/**
 * A program's functions as its func_info says: the BTF FUNC type id of each (in the program's BTF object, progInfo's
 * btfId), by the instruction it starts at; [] for a program loaded without BTF.
 */
export function progFunctions(fd: number): { insn: number; typeId: number }[] {
  const info = new Uint8Array(PROG_INFO_SIZE);
  objGetInfoByFd(fd, info);
  const count = new DataView(info.buffer).getUint32(144, true); // nr_func_info
  if (!count) return [];
  const records = new Uint8Array(count * 8); // struct bpf_func_info { u32 insn_off; u32 type_id; }
  const ask = new Uint8Array(PROG_INFO_SIZE);
  // func_info_rec_size @132 (the kernel wants its own record size), func_info @136, nr_func_info @144
  new DataView(ask.buffer).setUint32(132, 8, true);
  new DataView(ask.buffer).setUint32(144, count, true);
  objGetInfoByFd(fd, ask, [[136, records]]);
  const v = new DataView(records.buffer);
  const n = Math.min(count, new DataView(ask.buffer).getUint32(144, true));
  return Array.from({ length: n }, (_, i) => ({
    insn: v.getUint32(i * 8, true),
    typeId: v.getUint32(i * 8 + 4, true),
  }));
}

/** The raw bytes of a loaded BTF object (a program's own BTF, say). */
export function btfData(fd: number): Uint8Array {
  const info = new Uint8Array(32); // struct bpf_btf_info: btf @0, btf_size @8
  objGetInfoByFd(fd, info);
  const size = new DataView(info.buffer).getUint32(8, true);
  const data = new Uint8Array(size);
  const ask = new Uint8Array(32);
  new DataView(ask.buffer).setUint32(8, size, true);
  objGetInfoByFd(fd, ask, [[0, data]]);
  return data;
}
