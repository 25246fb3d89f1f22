// Compiling a checked program: plain data out (bytecode with symbolic map references).
import type { BtfTypes, CheckedProgram, Diagnostic, MapValue, Type } from '../lang/index.ts';
import { CodegenError, type Shared } from './codegen/context.ts';
import type { TemplateStore } from './codegen/shape-memo.ts';
import { expressionEmitters } from './codegen/expr.ts';
import { generateProbePrograms } from './attach-groups.ts';
import { statementEmitters } from './codegen/stmt.ts';
import { QUIET_KINDS } from './codegen/events.ts';
import {
  inScalarCell,
  isPerCpu,
  keyLayout,
  perCpuArrayEntries,
  setWordOf,
  storesInPlace,
  valueSize,
} from './layout.ts';
import {
  EVENTS_MAP,
  FUNC_NAMES_MAP,
  GLOBALS_MAP,
  GLOBALS_SIZE,
  LOST_MAP,
  PARAMS_MAP,
  SKB_OUTPUT_MAP,
  SCRATCH_MAP,
  type CompiledProgram,
  type CookieCarrier,
  type MapSpec,
  type ProgramSpec,
} from './program.ts';

export interface CompileOptions {
  /** max_map_keys: entries per script map (bpftrace's default is 4096) */
  readonly maxMapKeys?: number;
  /**
   * event ring buffer size in bytes (a power of two, a multiple of the page size); 8 MiB by default, room for ~250k
   * printf records while user space catches up (1 MiB for a program whose only records are exit and warnings)
   */
  readonly ringBufferSize?: number;
  /** -p PID: probes fire only for this process (BEGIN and END are not filtered) */
  readonly pid?: number;
  /** -k (1): report failing helpers other than reads; -kk (2): reads too */
  readonly helperErrors?: 0 | 1 | 2;
  /**
   * false (--no-warnings): the warnings the program itself reports (a failed bpf_get_stack, a map divided by
   * zero) are not generated, since nothing would print them (bpftrace v0.26 drops every warning then too). On by
   * default.
   */
  readonly runtimeWarnings?: boolean;
  /**
   * A scalar unsigned map whose value tseries() takes as the time instead of the clock (bpftrace's test hook,
   * BPFTRACE_DUMMY_TS_MAP=@ts): scripts then step time themselves and their series print the same every run
   */
  readonly tseriesClockMap?: string;
  /**
   * run the bytecode optimizer (compiler/opt) on each program. The CLI turns it on (SCRY_OPTIMIZE=0 turns it off,
   * `-d bytecode-unopt` prints the code without it); off by default, so tests of the generator see what it generates.
   */
  readonly optimize?: boolean;
  /**
   * with `optimize`, programs of the same shape share one optimization (codegen/shape-memo.ts); false optimizes
   * each on its own, for tests comparing the two
   */
  readonly shareShapes?: boolean;
  /**
   * the attach points of one probe share the code generated for an earlier one where what it read of its point
   * is the same (attach-groups.ts, codegen/point-reads.ts); false generates every point's, for tests comparing
   * the two
   */
  readonly sameCodeOnce?: boolean;
  /**
   * with shared shapes, optimized templates kept between runs (the CLI's: runtime/kept-texts.ts); each is
   * taken only for the same shape key, the optimizer's whole input
   */
  readonly templateStore?: TemplateStore;
  /**
   * a scalar map of one integer lives in a one-element array the code addresses directly (layout.ts
   * inScalarCell); false keeps it a hash, as an ELF object needs: libbpf loaders see an addressed map as a data
   * section, not as a map of the script's name (repl/emit-elf.ts). On by default.
   */
  readonly scalarCells?: boolean;
  /**
   * --aot: getopt() reads its value from PARAMS_MAP, filled when the program loads, instead of the value
   * given now (a string's room is the size of the value given now)
   */
  readonly runtimeParams?: boolean;
  /**
   * the kernel runs BPF cpu v4's signed division and modulo (BPF_SDIV/BPF_SMOD: BPF_DIV/BPF_MOD with off 1,
   * Linux 6.6): `/` and `%` of signed values take one instruction instead of an emulation with unsigned
   * division (13 more). A fact about the kernel that will load the program, which the runtime measures
   * (runtime/features.ts hasSignedDivision); off by default, as older kernels refuse the instruction. A function
   * is asked only if the program divides signed values (the runtime's question loads a program).
   */
  readonly signedDivision?: boolean | (() => boolean);
  /**
   * the kernel gives an attachment made by `carrier` a cookie the program reads (bpf_get_attach_cookie: a perf
   * event's BPF link from Linux 5.15, a trampoline's from 5.19, a raw tracepoint's from 6.10): the attach points of
   * a wildcard that keys a map by `probe` or prints it with %s can then share one program's code (codegen/maps.ts
   * emitProbeIndex). Off by default; a function is asked only if such a probe exists, once per carrier (the
   * runtime's question loads a program).
   */
  readonly attachCookies?: boolean | ((carrier: CookieCarrier) => boolean);
  /**
   * the kernel has bpf_loop (helper 181, Linux 5.17; runtime/features.ts hasLoopHelper): join() reads its array in
   * a loop the helper runs instead of 16 unrolled copies (a tenth of the instructions, and of the optimizer's work).
   * Off by default; a function is asked only if the program joins (the runtime's question loads a program).
   */
  readonly loopHelper?: boolean | (() => boolean);
  /**
   * the kernel's bpf_get_current_comm clears the bytes after the name (runtime/features.ts padsCurrentComm; Linux
   * 6.1 does not): the optimizer then drops the zeroing of a comm's slot before the helper writes it whole (2
   * instructions per comm key). Off by default; a function is asked only if an optimized program reads comm.
   */
  readonly paddedComm?: boolean | (() => boolean);
  /**
   * --emit-elf: the kernel's own types (without the script's). Each access to a member of one of them gets an
   * instruction of its own that carries a CO-RE reference (ProgramSpec.coreRelocations), so the object can be
   * relocated to another kernel's layout; absent, the code is as before (an offset of 0 adds nothing).
   */
  readonly coreBtf?: BtfTypes;
}

export function compile(
  checked: CheckedProgram,
  options: CompileOptions = {},
): { program?: CompiledProgram; diagnostics: Diagnostic[] } {
  const maps = new Map<string, MapSpec>();
  let n = 0;
  const declared = new Map((checked.ast.mapDecls ?? []).map((d) => [d.name, d]));
  // maps a probe deletes from (an array's element cannot be deleted)
  const removed = new Set([...checked.mapTargets].flatMap(([c, m]) => (c.name === 'delete' ? [m.name] : [])));
  for (const info of [...checked.maps.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const layout = keyLayout(info.keys, info.value);
    const decl = declared.get(info.name);
    const array = decl ? undefined : arrayFor(info.keys, info.value, removed.has(info.name), options.scalarCells);
    if (array) {
      const bucket = layout.bucket !== undefined ? { bucket: 0 } : {}; // a histogram's bucket index is the key
      const setWord = setWordOf(info.value);
      maps.set(info.name, {
        name: kernelMapName(info.name, n++),
        kind: array.kind,
        keySize: 4,
        valueSize: setWord + 8,
        maxEntries: array.entries,
        user: { name: info.name, keys: [], value: info.value, setWord, ...bucket },
      });
      continue;
    }
    // a declaration `let @m = lruhash(N)` says the kind and size (the checker refuses a per-CPU kind that does not
    // fit the value: per-CPU values stay per CPU)
    const lru = decl?.mapKind === 'lruhash' || decl?.mapKind === 'percpulruhash';
    const percpu = isPerCpu(info.value);
    maps.set(info.name, {
      name: kernelMapName(info.name, n++),
      kind: lru ? (percpu ? 'lru_percpu_hash' : 'lru_hash') : percpu ? 'percpu_hash' : 'hash',
      // allocated as keys arrive unless a probe that may run with interrupts off, or a loop, writes it (checker's MapInfo)
      ...(percpu && !lru && !info.insertsOutsideTask && !info.insertsInLoop ? { allocateOnInsert: true as const } : {}),
      ...(!percpu && !lru && storesInPlace(info.value, removed.has(info.name)) ? { storesInPlace: true as const } : {}),
      keySize: layout.size,
      valueSize: valueSize(info.value),
      maxEntries: decl?.maxEntries ?? options.maxMapKeys ?? checked.config.maxMapKeys,
      user: {
        name: info.name,
        keys: info.keys.map((type, i) => ({ type, offset: layout.offsets[i]! })),
        value: info.value,
        ...(layout.bucket !== undefined ? { bucket: layout.bucket } : {}),
      },
    });
  }
  maps.set(LOST_MAP, { name: LOST_MAP, kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  maps.set(EVENTS_MAP, {
    name: EVENTS_MAP,
    kind: 'ringbuf',
    keySize: 0,
    valueSize: 0,
    maxEntries: options.ringBufferSize ?? ringBytes(checked.config.perfRbPages),
  });

  const shared: Shared = {
    checked,
    maps,
    events: [{ id: 0, kind: 'exit' }],
    eventIds: new Map(),
    optimized: new Map(),
    ...(options.shareShapes === false ? {} : { templates: new Map() }),
    ...(options.shareShapes !== false && options.templateStore ? { templateStore: options.templateStore } : {}),
    ...(options.sameCodeOnce === false ? { eachPointGenerated: true as const } : {}),
    diagnostics: [],
    usesGlobals: false,
    scratchSize: 0,
    loudRecords: { onceBytes: 0, bytesPerSecond: 0, elsewhere: false },
    idRecords: [],
    helperErrors: options.helperErrors ?? 1, // bpftrace v0.26: failed helpers warn unless --no-warnings
    runtimeWarnings: options.runtimeWarnings ?? true,
    ...(options.tseriesClockMap ? { tseriesClockMap: options.tseriesClockMap } : {}),
    ...(options.optimize ? { optimize: true } : {}),
    ...(options.signedDivision ? { signedDivision: once(options.signedDivision) } : {}),
    ...(options.attachCookies ? { attachCookies: oncePer(options.attachCookies) } : {}),
    ...(options.loopHelper ? { loopHelper: once(options.loopHelper) } : {}),
    ...(options.paddedComm ? { paddedComm: once(options.paddedComm) } : {}),
    ...(options.runtimeParams ? { params: new Map() } : {}),
    ...(options.coreBtf ? { core: { btf: options.coreBtf, unrelocated: [] } } : {}),
    lower: { ...expressionEmitters, ...statementEmitters },
  };
  const programs: ProgramSpec[] = [];
  try {
    let index = 0;
    for (const probe of checked.probes) {
      const generated = generateProbePrograms(shared, probe, index, options.pid);
      programs.push(...generated);
      index += generated.length;
    }
  } catch (e) {
    if (e instanceof CodegenError)
      return { diagnostics: [{ severity: 'error', message: e.message, span: e.span, hints: e.hints }] };
    throw e;
  }
  if (options.ringBufferSize === undefined && checked.config.perfRbPages === undefined && quiet(shared))
    maps.set(EVENTS_MAP, { ...maps.get(EVENTS_MAP)!, maxEntries: QUIET_RING_BYTES });
  if (shared.scratchSize)
    maps.set(SCRATCH_MAP, {
      name: SCRATCH_MAP,
      kind: 'percpu_array',
      keySize: 4,
      valueSize: shared.scratchSize,
      maxEntries: 1,
    });
  if (shared.idRecords.length) {
    // the counter, then each id-only record the programs send straight from the map (events.ts emitIdEvent)
    const initial = new Uint8Array(8 + 8 * shared.idRecords.length);
    shared.idRecords.forEach((id, k) => new DataView(initial.buffer).setBigUint64(8 + 8 * k, BigInt(id), true));
    maps.set(LOST_MAP, { ...maps.get(LOST_MAP)!, valueSize: initial.length, initial });
  }
  if (shared.funcNames)
    maps.set(FUNC_NAMES_MAP, {
      name: FUNC_NAMES_MAP,
      kind: 'array',
      keySize: 4,
      valueSize: shared.funcNames.bytes.length,
      maxEntries: 1,
      initial: shared.funcNames.bytes,
    });
  if (shared.usesGlobals)
    maps.set(GLOBALS_MAP, { name: GLOBALS_MAP, kind: 'array', keySize: 4, valueSize: GLOBALS_SIZE, maxEntries: 1 });
  const params = [...(shared.params ?? [])].map(([name, at]) => ({ name, ...at }));
  const paramsSize = params.reduce((n, p) => Math.max(n, p.offset + p.size), 0);
  if (paramsSize)
    maps.set(PARAMS_MAP, { name: PARAMS_MAP, kind: 'array', keySize: 4, valueSize: paramsSize, maxEntries: 1 });
  if (shared.skbOutputs)
    maps.set(SKB_OUTPUT_MAP, {
      name: SKB_OUTPUT_MAP,
      kind: 'perf_event_array',
      keySize: 4,
      valueSize: 4,
      maxEntries: 0,
    });
  // Relocations name maps by MapSpec.name, the name the loader gives each map it creates.
  return {
    program: {
      license: checked.config.license,
      maps: [...maps.values()],
      programs,
      events: shared.events,
      printMapsOnExit: checked.config.printMapsOnExit,
      maxCatBytes: checked.config.maxCatBytes,
      ...(checked.config.showDebugInfo ? {} : { showDebugInfo: false as const }),
      ...(checked.config.metricsLabels ? { metricsLabels: checked.config.metricsLabels } : {}),
      ...(checked.config.perfRbPages !== undefined ? { perfRbPages: checked.config.perfRbPages } : {}),
      ...(checked.scriptTypes ? { scriptTypes: checked.scriptTypes } : {}),
      ...(paramsSize ? { params } : {}),
      ...(shared.skbOutputs ? { skbOutputs: shared.skbOutputs } : {}),
      ...(shared.core?.unrelocated.length ? { unrelocated: shared.core.unrelocated } : {}),
    },
    diagnostics: [],
  };
}

/**
 * The array a keyless map lives in instead of a hash, its element always there and a "set" word after each value:
 * a per-CPU array for an aggregation (layout.ts perCpuArrayEntries), a one-element array the code addresses
 * directly for one integer (layout.ts inScalarCell, unless `scalarCells` is false); undefined for a hash.
 */
function arrayFor(
  keys: readonly Type[],
  value: MapValue,
  deletedInProbe: boolean,
  scalarCells: boolean | undefined,
): { kind: 'percpu_array' | 'array'; entries: number } | undefined {
  const entries = perCpuArrayEntries(keys, value, deletedInProbe);
  if (entries !== undefined) return { kind: 'percpu_array', entries };
  if (scalarCells !== false && inScalarCell(keys, value, deletedInProbe)) return { kind: 'array', entries: 1 };
  return undefined;
}

/** Kernel map names: ≤ 15 characters of [A-Za-z0-9_.]; the index keeps them unique. */
function kernelMapName(scriptName: string, index: number): string {
  const base = scriptName === '@' ? 'anon' : scriptName.slice(1);
  return `m${index}_${base}`.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
}

/** A fact about each carrier given as a value, or as a question to ask at most once for each. */
function oncePer(fact: boolean | ((carrier: CookieCarrier) => boolean)): (carrier: CookieCarrier) => boolean {
  if (typeof fact === 'boolean') return () => fact;
  const answers = new Map<CookieCarrier, boolean>();
  return (carrier) => {
    let answer = answers.get(carrier);
    if (answer === undefined) answers.set(carrier, (answer = fact(carrier)));
    return answer;
  };
}

/** A fact given as a value or as a question to ask at most once. */
function once(fact: boolean | (() => boolean)): () => boolean {
  if (typeof fact === 'boolean') return () => fact;
  let answer: boolean | undefined;
  return () => (answer ??= fact());
}

/**
 * The ring of a program whose records are its exit, the warnings of a helper or check that failed, what its
 * BEGIN and END probes print and what its interval probes print at a slow rate, when those loop nowhere: the
 * kernel allocates a ring's pages one by one when the map is made (8 MiB: 2,048 pages, ~1.5 ms of every start,
 * and 16 MiB of the process's resident memory once mapped), and warnings are few unless something goes wrong on
 * every event (then 1 MiB still holds ~40,000 of them between two reads, and what does not fit is counted and
 * reported as lost, as any record is). A BEGIN or END that loops nowhere sends at most what its code adds up to
 * (`Shared.loudRecords`), all of it before the first read: up to a quarter of the small ring (record headers and
 * alignment fit in the rest); interval probes up to a 64th of it a second, a minute of them if the reader stalls.
 * A tool's banner in BEGIN and its `interval:s:1 { print(@); clear(@); }` over probes that only count are the
 * common case.
 */
const QUIET_RING_BYTES = 1 << 20;
const quiet = (shared: Shared): boolean => {
  const loud = shared.loudRecords;
  return (
    shared.events.every((ev) => QUIET_KINDS.has(ev.kind)) ||
    (!loud.elsewhere && loud.onceBytes <= QUIET_RING_BYTES / 4 && loud.bytesPerSecond <= QUIET_RING_BYTES / 64)
  );
};

/**
 * The events ring's bytes: 8 MiB, or config perf_rb_pages pages of 4 KiB rounded up to a power of two, as the
 * kernel wants it (libbpf, under bpftrace, rounds the same way).
 */
function ringBytes(pages: number | undefined): number {
  if (pages === undefined) return 1 << 23;
  let bytes = 4096;
  while (bytes < pages * 4096) bytes *= 2;
  return bytes;
}
