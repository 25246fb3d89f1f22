// Creates the maps, patches their fds into the bytecode (the "map relocation") and loads the programs.
// When the verifier says no, the user sees its reason at the script line the failing instruction came from.
import {
  patchMapFd,
  type CompiledProgram,
  type MapKind,
  type MapSpec,
  type ProgType,
  type ProgramSpec,
} from '../compiler/index.ts';
import { readFileSync } from 'node:fs';
import type { Span } from '../lang/index.ts';
import { ScryRuntimeError } from './errors.ts';
import { hasLazyHashMaps, hasUprobeMulti } from './features.ts';
import {
  AttachType,
  BPF_F_NO_PREALLOC,
  btfLoad,
  BtfLoadError,
  funcInfoRecords,
  loadProgram,
  btfGetFdById,
  btfGetNextId,
  btfInfo,
  mapCreate,
  mapUpdate,
  objectFdById,
  MapType,
  openFdCount,
  possibleCpus,
  OwnedFd,
  PROG_LOAD_ATTEMPTS,
  ProgLoadError,
  ProgType as KernelProgType,
  SysError,
} from './sys/index.ts';
import { mark } from './timings.ts';

export interface LoadedMap {
  readonly spec: MapSpec;
  readonly fd: OwnedFd;
}

export interface LoadedProgram {
  readonly spec: ProgramSpec;
  readonly fd: OwnedFd;
  /** the program's BTF object (only programs with subprograms have one), closed with the program */
  readonly btf?: OwnedFd;
}

/** Kernel objects for one compiled program; close() releases them all, in reverse order of creation. */
export class LoadedObjects {
  readonly maps = new Map<string, LoadedMap>();
  readonly programs: LoadedProgram[] = [];

  close(): void {
    for (const p of this.programs.reverse()) {
      p.fd.close();
      p.btf?.close();
    }
    for (const m of [...this.maps.values()].reverse()) m.fd.close();
    this.programs.length = 0;
    this.maps.clear();
  }
}

const mapTypes: Record<MapKind, number> = {
  hash: MapType.HASH,
  percpu_hash: MapType.PERCPU_HASH,
  lru_hash: MapType.LRU_HASH,
  lru_percpu_hash: MapType.LRU_PERCPU_HASH,
  array: MapType.ARRAY,
  percpu_array: MapType.PERCPU_ARRAY,
  stack_trace: MapType.STACK_TRACE,
  ringbuf: MapType.RINGBUF,
  perf_event_array: MapType.PERF_EVENT_ARRAY,
};

const progTypes: Record<ProgType, number> = {
  raw_tracepoint: KernelProgType.RAW_TRACEPOINT,
  tracepoint: KernelProgType.TRACEPOINT,
  perf_event: KernelProgType.PERF_EVENT,
  kprobe: KernelProgType.KPROBE,
  tracing: KernelProgType.TRACING,
  xdp: KernelProgType.XDP,
};

/** The kernel's number for a program type. */
export function kernelProgType(t: ProgType): number {
  return progTypes[t];
}

/** expected_attach_type of tracing programs */
const tracingAttachTypes = {
  raw_tp: AttachType.TRACE_RAW_TP,
  fentry: AttachType.TRACE_FENTRY,
  fexit: AttachType.TRACE_FEXIT,
  iter: AttachType.TRACE_ITER,
} as const;

export function loadObjects(compiled: CompiledProgram): LoadedObjects {
  checkFileLimit(compiled);
  const objs = new LoadedObjects();
  try {
    for (const spec of compiled.maps) {
      try {
        const fd = mapCreate({
          type: mapTypes[spec.kind],
          keySize: spec.keySize,
          valueSize: spec.valueSize,
          // a perf event array has a slot per CPU (the compiler cannot know how many: it says 0)
          maxEntries:
            spec.kind === 'perf_event_array' && spec.maxEntries === 0
              ? Math.max(...possibleCpus()) + 1
              : spec.maxEntries,
          name: spec.name,
          // where the compiler allows it, an aggregation's per-CPU hash gets an element (a value per CPU) as each
          // key arrives, not max_entries of them when made: ~0.8 ms of kernel time saved per map at start (a
          // 20-probe script: ~30 ms), memory that grows with the keys (4096 histograms on 64 CPUs preallocated
          // are ~136 MB); an existing key is updated in place either way, so the probes' cost is the same
          ...(spec.allocateOnInsert && hasLazyHashMaps() ? { flags: BPF_F_NO_PREALLOC } : {}),
        });
        objs.maps.set(spec.name, { spec, fd: new OwnedFd(fd, `map ${spec.name}`) });
        if (spec.initial) mapUpdate(fd, new Uint8Array(4), spec.initial); // before any program can read it
      } catch (e) {
        const hints = [...permissionHints(e), ...fdLimitHints(e, compiled.maps.length)];
        throw new ScryRuntimeError(
          `cannot create map ${spec.user?.name ?? spec.name}: ${(e as Error).message}`,
          mapUseSpan(compiled, spec.name),
          hints,
          {
            cause: e,
          },
        );
      }
    }
    mark(`create ${compiled.maps.length} maps`);
    // the copies of each shared code, with the attach points each already goes on: the kernel takes a program once
    // per event (a second link is EEXIST), and two blocks on one event run twice, so the second gets a copy
    const loaded = new Map<string, { fd: OwnedFd; points: Set<string> }[]>();
    for (const spec of compiled.programs) {
      const key = sameCodeKey(spec);
      const copies = key === undefined ? [] : (loaded.get(key) ?? []);
      const same = copies.find((c) => !c.points.has(spec.attach.text));
      if (same) {
        same.points.add(spec.attach.text);
        objs.programs.push({ spec, fd: same.fd });
        continue;
      }
      const btf = spec.btf ? loadBtf(spec) : undefined;
      try {
        const fd = loadOne(spec, compiled.license, objs, btf);
        objs.programs.push({ spec, fd, ...(btf ? { btf } : {}) });
        if (key !== undefined) loaded.set(key, [...copies, { fd, points: new Set([spec.attach.text]) }]);
        mark(`load ${spec.attach.text}`);
      } catch (e) {
        btf?.close();
        throw e;
      }
    }
    return objs;
  } catch (e) {
    objs.close();
    throw e;
  }
}

/**
 * What makes a loaded program one another attach point can share, or undefined for a program loaded on its own.
 * Attach points whose code came out the same (`probe` read from the attachment's cookie, compiler/codegen/maps.ts
 * emitProbeIndex: `tracepoint:syscalls:sys_enter_* { @[probe] = count(); }` is one code for ~350 tracepoints)
 * are loaded once and the one program goes on every perf event: one verifier run and one JIT image instead of
 * hundreds. Only programs a perf event or raw tracepoint takes as they are: no subprograms, no attach target
 * loaded into them (fentry, iter), not one link for many functions (alsoAttach).
 */
function sameCodeKey(spec: ProgramSpec): string | undefined {
  // a main function's BTF only names it (the first program's name serves all); callbacks make code of their own
  if ((spec.funcInfo?.length ?? 0) > 1 || spec.tracing || spec.alsoAttach?.length) return undefined;
  const code = Buffer.from(spec.bytecode.buffer, spec.bytecode.byteOffset, spec.bytecode.byteLength);
  return `${spec.progType}\0${JSON.stringify(spec.relocations)}\0${code.toString('latin1')}`;
}

/**
 * Each map and program holds a file descriptor. When they cannot all fit under RLIMIT_NOFILE, say so before
 * creating any (30,000 maps once took 35 s to reach EMFILE), at the first map that would not fit.
 */
function checkFileLimit(compiled: CompiledProgram): void {
  const limit = openFileLimit();
  if (limit === undefined) return;
  const free = limit - openFdCount();
  const needed = compiled.maps.length + compiled.programs.length;
  if (needed <= free) return;
  const spec = compiled.maps[Math.max(0, Math.min(free, compiled.maps.length - 1))];
  if (!spec) return;
  throw new ScryRuntimeError(
    `cannot create map ${spec.user?.name ?? spec.name}: ${count(compiled.maps.length, 'map')} and ${count(compiled.programs.length, 'program')} need one open file each, and only ${Math.max(0, free)} more files may be open (ulimit -n ${limit})`,
    mapUseSpan(compiled, spec.name),
    ['use fewer maps, or raise the limit with ulimit -n'],
  );
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The soft RLIMIT_NOFILE, from /proc/self/limits (Node has no getrlimit). */
function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the script first uses a map: the instruction that loads its fd, else the probe that refers to it. */
function mapUseSpan(compiled: CompiledProgram, map: string): Span | undefined {
  for (const p of compiled.programs)
    for (const r of p.relocations) if (r.map === map) return p.sourceMap[r.insn] ?? p.attach.span;
  return compiled.programs[0]?.attach.span;
}

/** Each map holds a file descriptor while the program runs (EMFILE: the process's RLIMIT_NOFILE; ENFILE: the system's). */
function fdLimitHints(e: unknown, maps: number): string[] {
  const code = (e as { code?: unknown }).code;
  if (code !== 'EMFILE' && code !== 'ENFILE') return [];
  return [
    `this program needs ${maps} maps, one open file each: use fewer maps${code === 'EMFILE' ? ', or raise the limit with ulimit -n' : ''}`,
  ];
}

/** BPF_BTF_LOAD of the program's function types (kernel 4.18; func_info for callbacks needs 5.13 anyway). */
function loadBtf(spec: ProgramSpec): OwnedFd {
  try {
    return new OwnedFd(btfLoad(spec.btf!), `btf ${spec.name}`);
  } catch (first) {
    // Load again with a log, only to say why.
    let reason = '';
    try {
      new OwnedFd(btfLoad(spec.btf!, new Uint8Array(64 * 1024))).close();
    } catch (e) {
      if (e instanceof BtfLoadError) reason = e.log.trim().split('\n').pop() ?? '';
    }
    const msg = `cannot load the BTF for ${spec.attach.text}: ${(first as Error).message}${reason ? `: ${reason}` : ''}`;
    throw new ScryRuntimeError(msg, spec.attach.span, permissionHints(first), { cause: first });
  }
}

function loadOne(spec: ProgramSpec, license: string, objs: LoadedObjects, btf?: OwnedFd): OwnedFd {
  const insns = new Uint8Array(spec.bytecode);
  for (const r of spec.relocations) {
    const m = objs.maps.get(r.map);
    if (!m) throw new Error(`relocation against unknown map ${r.map}`);
    patchMapFd(insns, r.insn, m.fd.fd);
  }
  // a module function's BTF id is relative to the module's BTF object, which the kernel wants by fd
  const moduleBtf = spec.tracing?.module !== undefined ? moduleBtfObject(spec.tracing.module, spec) : undefined;
  const target =
    spec.tracing?.targetProgram !== undefined ? targetProgram(spec.tracing.targetProgram, spec) : undefined;
  try {
    const funcInfo = spec.funcInfo ? funcInfoRecords(spec.funcInfo) : undefined;
    return loadProgram({
      type: progTypes[spec.progType],
      insns,
      license,
      name: spec.name,
      ...(btf && funcInfo ? { progBtfFd: btf.fd, funcInfo } : {}),
      ...(spec.tracing
        ? { expectedAttachType: tracingAttachTypes[spec.tracing.attach], attachBtfId: spec.tracing.btfId }
        : {}),
      ...(moduleBtf ? { attachFd: moduleBtf.fd } : {}),
      ...(target ? { attachFd: target.fd } : {}),
      // one program on many functions: loaded for a uprobe_multi link where the kernel has them
      ...(spec.alsoAttach?.length && hasUprobeMulti() ? { expectedAttachType: AttachType.TRACE_UPROBE_MULTI } : {}),
    });
  } catch (e) {
    // EAGAIN: interrupted by signals every time (bpf.ts), not refused; its partial log names no culprit
    if (e instanceof SysError && e.code === 'EAGAIN')
      throw new ScryRuntimeError(
        `cannot load the program for ${spec.attach.text}: a signal interrupted the BPF verifier on each of ${PROG_LOAD_ATTEMPTS} attempts (${e.message})`,
        spec.attach.span,
        ['something signals scry continuously (a profiler sampling it?): run it again without that'],
        { cause: e },
      );
    if (e instanceof ProgLoadError && e.log) throw verifierError(spec, e);
    throw new ScryRuntimeError(
      `cannot load the program for ${spec.attach.text}: ${(e as Error).message}`,
      spec.attach.span,
      permissionHints(e),
      {
        cause: e,
      },
    );
  } finally {
    moduleBtf?.close(); // the loaded program holds its own reference
    target?.close();
  }
}

/** fentry:bpf: the traced program, by id (attach_prog_fd), which may have been unloaded since it was found. */
function targetProgram(id: number, spec: ProgramSpec): OwnedFd {
  try {
    return new OwnedFd(objectFdById('prog', id), `prog ${id}`);
  } catch (e) {
    const gone = e instanceof SysError && e.code === 'ENOENT';
    throw new ScryRuntimeError(
      `cannot attach ${spec.attach.text}: ${gone ? `BPF program ${id} is no longer loaded` : (e as Error).message}`,
      spec.attach.span,
      gone ? [`list the programs loaded now with: scry -l '${spec.attach.provider}:bpf:*'`] : permissionHints(e),
      { cause: e },
    );
  }
}

/** The loaded BTF object of a kernel module, found by name among all BTF objects (Linux 5.11+). */
function moduleBtfObject(module: string, spec: ProgramSpec): OwnedFd {
  for (let id = btfGetNextId(0); id !== undefined; id = btfGetNextId(id)) {
    let fd: OwnedFd;
    try {
      fd = new OwnedFd(btfGetFdById(id), `btf ${id}`);
    } catch {
      continue; // freed meanwhile
    }
    const info = btfInfo(fd.fd);
    if (info.kernel && info.name === module) return fd;
    fd.close();
  }
  throw new ScryRuntimeError(
    `cannot attach ${spec.attach.text}: the kernel has no BTF object for module ${module} (is it loaded?)`,
    spec.attach.span,
  );
}

function permissionHints(e: unknown): string[] {
  if (e instanceof SysError && (e.code === 'EPERM' || e.code === 'EACCES'))
    return ['scry needs root, or CAP_BPF with CAP_PERFMON: run it with sudo'];
  return [];
}

/** Turns the verifier's log into one sentence at the script location of the instruction it stopped on. */
function verifierError(spec: ProgramSpec, e: ProgLoadError): ScryRuntimeError {
  const parsed = parseVerifierLog(e.log ?? '');
  const insn = parsed.insn;
  const reason = parsed.reason ?? e.message;
  const span = insn === undefined ? spec.attach.span : (spec.sourceMap[insn] ?? spec.attach.span);
  return new ScryRuntimeError(
    `the BPF verifier rejected the program for ${spec.attach.text}: ${reason}`,
    span,
    verifierHints(reason),
    {
      cause: e,
    },
  );
}

function parseVerifierLog(log: string): { insn?: number; reason?: string } {
  const lines = log.split('\n').map((l) => l.trimEnd());
  let insn: number | undefined;
  let helper: string | undefined; // the helper the last instruction called
  let reason = '';
  for (const line of lines) {
    const m = /^(\d+): \(/.exec(line);
    if (m) {
      insn = Number(m[1]);
      helper = /^\d+: \(85\) call (bpf_\w+)#\d+/.exec(line)?.[1];
      continue;
    }
    if (
      !line ||
      /^(processed \d+ insns|verification time|stack depth|from \d+ to \d+:|; |Func#|func#|last_idx|regs=|parent didn't)/.test(
        line,
      )
    )
      continue;
    if (/^\d+: R\d/.test(line) || /^R\d+[_=]/.test(line) || /^(cur|old) state:/.test(line)) continue; // register state dumps
    const at = /^(.*) at insn (\d+)$/.exec(line); // "infinite loop detected at insn 9"
    if (at) insn = Number(at[2]);
    reason = line;
  }
  // "helper call is not allowed in probe": which helper, in bpftrace v0.26's words
  if (helper && /^helper call is not allowed in probe$/.test(reason)) reason = `helper ${helper} not allowed in probe`;
  return { insn, reason: reason || undefined };
}

function verifierHints(reason: string): string[] {
  if (/invalid mem access 'map_value_or_null'/.test(reason))
    return ['a map lookup result was used without a NULL check: this is a scry bug, please report it'];
  if (/back-edge|infinite loop|loop detected/.test(reason))
    return [
      'the verifier could not prove this loop ends; count with a $variable (while ($i < 10)) or use unroll(N) or for ($i : 0..N)',
    ];
  if (/unknown func bpf_for_each_map_elem/.test(reason))
    return ['for loops over maps need bpf_for_each_map_elem: Linux 5.13 or newer'];
  if (/unknown func bpf_map_lookup_percpu_elem|unknown func bpf_loop/.test(reason))
    return [
      "reading a count/sum/min/max/avg map inside a probe adds up every CPU's share with bpf_map_lookup_percpu_elem and bpf_loop: Linux 5.19 or newer",
    ];
  if (/helper bpf_d_path not allowed/.test(reason))
    return [
      'the kernel allows path() (bpf_d_path) only in fentry/fexit of some functions (security_file_open, filp_close, vfs_truncate, … its btf_allowlist_d_path) and in iter:task_file and iter:task_vma',
    ];
  if (/program is too large|BPF program is too large/.test(reason))
    return ['split the probe into several smaller ones'];
  // the verifier walks every path; a loop whose bound it cannot know (a map value, an argument) has too many
  if (/sequence of \d+ jumps is too complex/.test(reason))
    return [
      'the verifier follows each path through the code, and a loop whose bound comes from a map or an argument has too many: bound it by a constant (for ($i : 0..16), unroll(N), or while ($i < 16 && $i < @n))',
    ];
  return [];
}
