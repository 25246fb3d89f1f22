// scry as a library: `compile()` (no root) and `trace()` (root), the package's public surface (package.json
// "exports" → dist/api.mjs, built from this file by scripts/build-api.mjs). trace() is a ScriptRun
// (script-run.ts: the run the CLI and the REPL are too) whose output sink queues typed events; this file converts
// what it reports to plain data and adds no compiler or runtime logic of its own.
//
// Every type a public signature names is declared in this file, so the shipped declarations (dist/api.d.ts)
// are one self-contained file: the internal types (AST, spans, layouts) stay out of the public surface.
// docs/api.md documents it; anything not exported here is internal and may change in any release.
import { disasmListing, type CompiledProgram, type MapSpec } from '../compiler/index.ts';
import { lineCol, renderDiagnostics, type Diagnostic, type KernelInfo, type TracepointFormat } from '../lang/index.ts';
import {
  hostKernelInfo,
  parseBtf,
  parseFormat,
  type MapSnapshot,
  type OutputSink,
  type TraceEvent,
  type Value as RuntimeValue,
} from '../runtime/index.ts';
import { bucketRange } from './print/hist.ts';
import { compileScript, runFailure, ScriptRun, type ScriptOptions } from './script-run.ts';

// ---------------------------------------------------------------------------------------------------------------
// Public types

/**
 * A value read from the kernel: integers are bigints (64-bit values do not fit a number), text is a string, a
 * tuple an array; a C struct, union or array read with its type keeps its shape.
 */
export type Value =
  | bigint
  | boolean
  | string
  | readonly Value[]
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly value: Value }[] }
  | { readonly kind: 'array'; readonly items: readonly Value[] }
  /** a member scry cannot show (a float) */
  | { readonly kind: 'none' }
  /** buf()'s bytes */
  | { readonly kind: 'buffer'; readonly bytes: Uint8Array };

/** A place in the script: 1-based line and column, `end` just past the last character. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly end: { readonly line: number; readonly column: number };
}

/** A mistake in the script (or a warning about it), as data. */
export interface ScryDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** absent when the mistake has no place in the script (a command-line parameter, say) */
  readonly location?: SourceLocation;
  /** what to do about it */
  readonly hints: readonly string[];
  /** the diagnostic as the CLI prints it: `file:line:col: ERROR: …`, the line, an underline, the hints */
  readonly text: string;
}

/** One tracepoint's fields, as tracefs describes them (`events/<group>/<event>/format`). */
export interface TracepointFacts {
  readonly id?: number;
  readonly fields: readonly {
    readonly name: string;
    /** as written in the format file: 'const char *', 'char[16]', '__data_loc char[]' */
    readonly type: string;
    readonly offset: number;
    readonly size: number;
    readonly signed: boolean;
    /** one of the common_* fields every tracepoint starts with */
    readonly common?: boolean;
  }[];
}

/**
 * What compile() needs to know about a kernel it does not run on: anything left out is unknown (a probe or type
 * that needs it is reported as missing). User-space files (uprobe, usdt) are read from this machine.
 */
export interface KernelFacts {
  /** default: this machine's */
  readonly arch?: 'x86_64' | 'arm64';
  /**
   * Tracepoints by `group:event`: the text of their tracefs `format` file, or its fields. Every tracepoint a
   * script names must be here.
   */
  readonly tracepoints?: Readonly<Record<string, string | TracepointFacts>>;
  /** Functions kprobes may attach to (`vfs_read`, or `module:function`): available_filter_functions' names. */
  readonly functions?: readonly string[];
  /** The kernel's BTF (the bytes of /sys/kernel/btf/vmlinux): kernel types, fentry/fexit, rawtracepoint args. */
  readonly btf?: Uint8Array;
  /** kaddr()'s kernel symbol addresses (/proc/kallsyms) */
  readonly symbols?: Readonly<Record<string, bigint>>;
}

export interface CompileOptions {
  /** The kernel compiled for: facts about another kernel (no root, nothing read from this one), or 'host' (default). */
  readonly kernel?: KernelFacts | 'host';
  /** the file name diagnostics show (default 'script.bt') */
  readonly name?: string;
  /** positional parameters: `$1`, `$2`, … (and `$#`) */
  readonly params?: readonly (string | number)[];
  /** named parameters read by getopt(): `{ verbose: true, count: '10' }` */
  readonly namedParams?: Readonly<Record<string, string | number | true>>;
  /** allow system(), signal() and the other destructive builtins (bpftrace's --unsafe) */
  readonly unsafe?: boolean;
  /** -p PID: uprobes in this process only; `pid` filters */
  readonly pid?: number;
  /** bpftrace's settings by their environment names (BPFTRACE_MAX_STRLEN, BPFTRACE_STACK_MODE, …); default none */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  /** directories searched for `#include`d headers before the system ones */
  readonly includeDirs?: readonly string[];
  /** headers included before the script's C part (bpftrace's --include) */
  readonly includeFiles?: readonly string[];
  /** the bytecode optimizer (default true) */
  readonly optimize?: boolean;
  /** -k: report failing helpers at run time (0 none, 1 the default, 2 every one: bpftrace's -kk) */
  readonly helperErrors?: 0 | 1 | 2;
}

/** One BPF instruction (an 8-byte slot; a 64-bit load takes two, the second with code 0). */
export interface Instruction {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

/** One BPF program of a compiled script: the code of one probe. */
export interface ProbeProgram {
  /** the kernel-side program name */
  readonly name: string;
  /** the attach point, fully resolved: 'tracepoint:syscalls:sys_enter_openat', 'kprobe:vfs_read', 'BEGIN' */
  readonly attach: string;
  /** the provider: 'tracepoint', 'kprobe', 'BEGIN', 'interval', … */
  readonly provider: string;
  /** further attach points the same code goes on (uprobe wildcards joined into one program) */
  readonly alsoAttach: readonly string[];
  /** BPF program type: 'tracepoint', 'kprobe', 'perf_event', 'raw_tracepoint', 'tracing', … */
  readonly programType: string;
  readonly bytecode: Uint8Array;
  readonly instructions: readonly Instruction[];
  /** `ld_imm64` slots that receive a map's fd (or a map value's address) when the program is loaded */
  readonly relocations: readonly { readonly instruction: number; readonly map: string }[];
  /** the instructions in llvm-objdump's syntax, with the script line each group came from */
  readonly disassembly: string;
}

/** One BPF map a compiled script uses. */
export interface ProgramMap {
  /** the kernel-side name */
  readonly name: string;
  /** the script's name for it (`@x`), absent for scry's own maps (events, stacks, …) */
  readonly scriptName?: string;
  /** 'hash', 'percpu_hash', 'lru_hash', 'array', 'percpu_array', 'ringbuf', 'stack_trace', … */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** script maps: what the value is ('count()', 'hist()', 'lhist(n, 0, 100, 10)', 'int64', …) */
  readonly value?: string;
}

/** A compiled script, inspectable as data; trace() accepts it in place of source text. */
export interface ScryProgram {
  readonly license: string;
  readonly probes: readonly ProbeProgram[];
  readonly maps: readonly ProgramMap[];
}

export interface CompileResult {
  /** present when there was no error (warnings may still be in `diagnostics`) */
  readonly program?: ScryProgram;
  readonly diagnostics: readonly ScryDiagnostic[];
}

/** A script map (`@name`) read out of the kernel. */
export interface MapData {
  readonly name: string;
  /** 'count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist', 'tseries', or 'value' for a plain assignment */
  readonly kind: string;
  readonly entries: readonly MapDataEntry[];
}

export interface MapDataEntry {
  /** the key's components (`@x[a, b]` → [a, b]; [] for a map without keys) */
  readonly keys: readonly Value[];
  /**
   * count/sum/min/max and integer values: the value; avg: total / count (truncated); stats: the average too;
   * hist/lhist: the total count; strings, tuples and structs: the value itself
   */
  readonly value: Value;
  /** avg and stats */
  readonly count?: bigint;
  readonly total?: bigint;
  /** hist and lhist: the non-empty buckets, lowest first; `min`/`max` inclusive, an open end left out */
  readonly buckets?: readonly { readonly min?: bigint; readonly max?: bigint; readonly count: bigint }[];
  /** tseries: one point per interval, oldest first */
  readonly series?: readonly { readonly epoch: bigint; readonly value: bigint }[];
}

/** What a running trace reports, in order. */
export type ScryEvent =
  /** the probes are attached (after BEGIN ran) */
  | { readonly kind: 'attached'; readonly probes: number }
  /**
   * text the script printed: printf() (with its arguments' values, `args`), or time(), cat(), system(), join()
   * (`source`, no `args`)
   */
  | {
      readonly kind: 'printf';
      readonly text: string;
      readonly args?: readonly Value[];
      readonly source?: 'time' | 'cat' | 'system' | 'join';
    }
  /** errorf()/warnf(), and run-time warnings about failing helpers (`helper`) */
  | {
      readonly kind: 'message';
      readonly level: 'error' | 'warning';
      readonly text: string;
      readonly location?: SourceLocation;
      readonly helper?: { readonly name: string; readonly retcode: number; readonly strerror: string };
    }
  /** print(@map) in a probe; and with config print_maps_on_exit, every map as the run ends */
  | { readonly kind: 'map'; readonly map: MapData; readonly top?: number; readonly div?: number }
  /** print(value) */
  | { readonly kind: 'value'; readonly value: Value }
  /** events the kernel had no room for, since the last report */
  | { readonly kind: 'lost'; readonly count: number }
  /** the run ended (exit(), stop(), the signal, or a program with only BEGIN/END): always the last event */
  | { readonly kind: 'exit'; readonly code: number };

export interface TraceOptions extends Omit<CompileOptions, 'kernel'> {
  /** aborting stops the run as stop() does, except that events still queued in the kernel are dropped */
  readonly signal?: AbortSignal;
  /**
   * Most events kept for events() to read (default 10000): while that many wait, the run stops reading the
   * kernel's ring buffer, and what does not fit there is counted as lost. Until events() is first called, the
   * newest are kept instead, and the reader's first event is a `lost` counting the ones that went.
   */
  readonly bufferEvents?: number;
  /** the pid `cpid` returns (a command you started for the script to watch) */
  readonly cpid?: number;
}

export interface TraceRun {
  /**
   * The events, in order, ending with `exit`. One reader: a second call throws. Breaking out of the loop does
   * not stop the run (call stop()); events after that are dropped.
   */
  events(): AsyncIterableIterator<ScryEvent>;
  readonly maps: {
    /** the script's map names (`@x`), sorted */
    names(): readonly string[];
    /** map `name` now (after the run: as it was when the run ended); rejects for a name the script has not */
    read(name: string): Promise<MapData>;
  };
  /** Detaches the probes, runs END, and resolves with every script map as it ended. Safe to call again. */
  stop(): Promise<Readonly<Record<string, MapData>>>;
  /** Resolves with the exit code once the run has ended, however it ended. */
  readonly done: Promise<number>;
  /** true until the run begins to stop */
  readonly running: boolean;
  /** the compiled program running */
  readonly program: ScryProgram;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Every error trace() throws is a ScryError; `hints` say what to do. */
export class ScryError extends Error {
  readonly hints: readonly string[];
  /** the script location the failure belongs to (the probe that could not attach, say) */
  readonly location?: SourceLocation;
  constructor(
    message: string,
    options: { hints?: readonly string[]; location?: SourceLocation; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScryError';
    this.hints = options.hints ?? [];
    if (options.location) this.location = options.location;
  }
}

/** The script has errors: nothing was loaded. */
export class ScryCompileError extends ScryError {
  readonly diagnostics: readonly ScryDiagnostic[];
  constructor(diagnostics: readonly ScryDiagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(errors.map((d) => d.text).join('') || 'the script does not compile');
    this.name = 'ScryCompileError';
    this.diagnostics = diagnostics;
  }
}

/** A system call failed: the kernel refused a map, a program (the verifier) or an attachment. */
export class ScryKernelError extends ScryError {
  /** the system call and what it did: 'bpf(BPF_PROG_LOAD)', 'perf_event_open' */
  readonly syscall: string;
  /** the positive errno and its name ('EINVAL') */
  readonly errno: number;
  readonly code: string;
  constructor(
    message: string,
    sys: { syscall: string; errno: number; code: string },
    options: { hints?: readonly string[]; location?: SourceLocation; cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ScryKernelError';
    this.syscall = sys.syscall;
    this.errno = sys.errno;
    this.code = sys.code;
  }
}

/** This process may not trace: it needs root, or CAP_BPF and CAP_PERFMON. */
export class ScryPermissionError extends ScryError {
  constructor(message: string, options: { hints?: readonly string[]; cause?: unknown }) {
    super(message, options);
    this.name = 'ScryPermissionError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// compile

const compiledOf = new WeakMap<ScryProgram, CompiledProgram>();

/** Compiles a script: its program as data when it has no error, and its diagnostics. Needs no privileges. */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const facts = options.kernel === undefined || options.kernel === 'host' ? undefined : options.kernel;
  const result = compileScript(source, scriptOptions(options, facts && kernelFromFacts(facts)));
  const diagnostics = [...result.diagnostics];
  const named = result.namedParamProblem;
  if (named)
    diagnostics.push({
      severity: 'error',
      message: named.message ?? 'the named parameters do not fit the script',
      hints: named.hints,
    });
  const program = result.program && !named ? programData(result.program) : undefined;
  return { ...(program ? { program } : {}), diagnostics: diagnostics.map(diagnosticData) };
}

/** The public options in the terms of the shared script run (script-run.ts); `kernel` absent: this machine's. */
function scriptOptions(options: CompileOptions, kernel: KernelInfo | undefined): ScriptOptions {
  return {
    name: options.name ?? 'script.bt',
    params: (options.params ?? []).map(String),
    namedArgs: new Map(
      Object.entries(options.namedParams ?? {}).map(([k, v]) => [k, v === true ? true : String(v)] as const),
    ),
    ...(options.unsafe !== undefined ? { unsafe: options.unsafe } : {}),
    ...(options.helperErrors !== undefined ? { helperErrors: options.helperErrors } : {}),
    ...(options.pid !== undefined ? { pid: options.pid } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.includeFiles ? { includeFiles: options.includeFiles } : {}),
    ...(options.includeDirs ? { includeDirs: options.includeDirs } : {}),
    ...(options.optimize !== undefined ? { optimize: options.optimize } : {}),
    ...(kernel ? { kernel } : {}),
  };
}

/** A KernelInfo answering from the facts given; user-space files are read from this machine. */
function kernelFromFacts(facts: KernelFacts): KernelInfo {
  const host = hostKernelInfo();
  const formats = new Map<string, TracepointFormat>();
  for (const [name, f] of Object.entries(facts.tracepoints ?? {})) {
    const colon = name.indexOf(':');
    if (colon <= 0) throw new TypeError(`kernel.tracepoints: '${name}' is not 'group:event'`);
    const [group, event] = [name.slice(0, colon), name.slice(colon + 1)];
    formats.set(
      name,
      typeof f === 'string'
        ? parseFormat(group, event, f)
        : { group, event, id: f.id ?? -1, fields: f.fields.map((x) => ({ ...x, common: x.common ?? false })) },
    );
  }
  const btf = facts.btf ? parseBtf(facts.btf, { source: 'kernel.btf' }) : undefined;
  const functions = (facts.functions ?? []).map((f) => {
    const colon = f.indexOf(':');
    return colon < 0 ? { name: f } : { name: f.slice(colon + 1), module: f.slice(0, colon) };
  });
  return {
    arch: facts.arch ?? host.arch,
    tracepoints: () => [...formats.values()].map(({ group, event }) => ({ group, event })),
    tracepointFormat: (group, event) => formats.get(`${group}:${event}`),
    kernelFunctions: () => functions,
    btf: () => btf,
    functionBtf: (name, module) =>
      btf && (module === undefined || module === 'vmlinux') && btf.funcProto(name)
        ? { module: 'vmlinux', btf }
        : undefined,
    moduleBtf: () => undefined,
    userProbeSites: (target, where, pid, unsafe) => host.userProbeSites(target, where, pid, unsafe),
    usdtSites: (target, provider, name, pid) => host.usdtSites(target, provider, name, pid),
    ...(host.userSymbol ? { userSymbol: host.userSymbol.bind(host) } : {}),
    kernelSymbolAddress: (name) => facts.symbols?.[name],
    cgroupId: () => undefined,
  };
}

function location(span: Diagnostic['span']): SourceLocation | undefined {
  if (!span) return undefined;
  const start = lineCol(span.file, span.start);
  const end = lineCol(span.file, span.end);
  return { file: span.file.name, line: start.line, column: start.col, end: { line: end.line, column: end.col } };
}

function diagnosticData(d: Diagnostic): ScryDiagnostic {
  const where = location(d.span);
  return {
    severity: d.severity,
    message: d.message,
    ...(where ? { location: where } : {}),
    hints: [...(d.hints ?? [])],
    text: d.span
      ? renderDiagnostics([d])
      : `${d.severity === 'error' ? 'ERROR' : 'WARNING'}: ${d.message}\n${(d.hints ?? []).map((h) => `HINT: ${h}\n`).join('')}`,
  };
}

function programData(compiled: CompiledProgram): ScryProgram {
  const program: ScryProgram = {
    license: compiled.license,
    probes: compiled.programs.map((p) => ({
      name: p.name,
      attach: p.attach.text,
      provider: p.attach.provider,
      alsoAttach: (p.alsoAttach ?? []).map((a) => a.text),
      programType: p.progType,
      bytecode: p.bytecode,
      instructions: instructions(p.bytecode),
      relocations: p.relocations.map((r) => ({ instruction: r.insn, map: r.map })),
      disassembly: disasmListing(p.bytecode, p.sourceMap, p.relocations),
    })),
    maps: compiled.maps.map(mapInfo),
  };
  compiledOf.set(program, compiled);
  return program;
}

function mapInfo(m: MapSpec): ProgramMap {
  return {
    name: m.name,
    ...(m.user ? { scriptName: m.user.name, value: valueName(m.user.value) } : {}),
    type: m.kind,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
  };
}

function valueName(v: NonNullable<MapSpec['user']>['value']): string {
  switch (v.kind) {
    case 'value':
      return v.type.kind === 'int' ? `${v.type.signed ? 'int' : 'uint'}${v.type.bits}` : v.type.kind;
    case 'hist':
      return v.bits ? `hist(n, ${v.bits})` : 'hist()';
    case 'lhist':
      return `lhist(n, ${v.min}, ${v.max}, ${v.step})`;
    case 'tseries':
      return `tseries(n, ${v.interval}, ${v.intervals})`;
    default:
      return `${v.kind}()`;
  }
}

/** The 8-byte slots of the bytecode, little-endian (struct bpf_insn). */
function instructions(bytes: Uint8Array): Instruction[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = [];
  for (let at = 0; at + 8 <= bytes.length; at += 8) {
    const regs = view.getUint8(at + 1);
    out.push({
      code: view.getUint8(at),
      dst: regs & 0xf,
      src: regs >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// trace

/**
 * Compiles `source` for this machine (or takes a program compile() made), loads and attaches it, runs BEGIN, and
 * returns the running trace. Needs root (or CAP_BPF and CAP_PERFMON). Several may run at once.
 */
export async function trace(source: string | ScryProgram, options: TraceOptions = {}): Promise<TraceRun> {
  options.signal?.throwIfAborted();
  let compiled: CompiledProgram;
  let program: ScryProgram;
  if (typeof source === 'string') {
    const result = compile(source, options);
    if (!result.program) throw new ScryCompileError(result.diagnostics);
    program = result.program;
    compiled = compiledOf.get(program)!;
  } else {
    const known = compiledOf.get(source);
    if (!known) throw new TypeError('trace(): the program must be one compile() returned');
    [program, compiled] = [source, known];
  }
  const queue = new EventQueue(options.bufferEvents ?? 10000);
  let run: ScriptRun;
  try {
    run = ScriptRun.start(compiled, {
      sink: queue.sink,
      printfArgs: true,
      keepMaps: true,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.pid !== undefined ? { pid: options.pid } : {}),
      ...(options.cpid !== undefined ? { cpid: options.cpid } : {}),
    });
  } catch (e) {
    throw publicError(e);
  }
  return new Run(program, run, queue);
}

/** The public face of a ScriptRun: its events from the queue, its maps as plain data. */
class Run implements TraceRun {
  readonly done: Promise<number>;

  constructor(
    readonly program: ScryProgram,
    private readonly run: ScriptRun,
    private readonly queue: EventQueue,
  ) {
    this.done = run.done.then((code) => {
      queue.close(code);
      return code;
    });
  }

  get running(): boolean {
    return this.run.running;
  }

  events(): AsyncIterableIterator<ScryEvent> {
    return this.queue.reader();
  }

  readonly maps = {
    names: (): readonly string[] => this.run.mapNames(),
    read: async (name: string): Promise<MapData> => {
      const snap = this.run.snapshot(name);
      if (snap) return mapData(snap);
      const names = this.run.mapNames();
      if (!names.includes(name))
        throw new ScryError(`the script has no map ${name}`, {
          hints: [names.length ? `its maps: ${names.join(', ')}` : 'it has no maps'],
        });
      throw new ScryError(`map ${name} cannot be read: the run has ended`);
    },
  };

  async stop(): Promise<Readonly<Record<string, MapData>>> {
    try {
      await this.run.stop();
    } catch (e) {
      throw publicError(e);
    }
    await this.done;
    return Object.fromEntries([...(this.run.finalMaps ?? [])].map(([name, snap]) => [name, mapData(snap)]));
  }
}

type Waiter = (r: IteratorResult<ScryEvent>) => void;

/**
 * The library's output sink: the run's events as typed data, queued for one reader. A reader that falls
 * `limit` behind makes the run stop reading the kernel (blocked); with no reader yet the newest are kept.
 */
class EventQueue {
  private readonly queue: ScryEvent[] = [];
  private waiter: Waiter | undefined;
  private reading: 'not yet' | 'reading' | 'gone' = 'not yet';
  /** events dropped before reader() was first called (see push) */
  private unread = 0;
  /** set once the last event (exit) is queued */
  private ended = false;

  constructor(private readonly limit: number) {}

  readonly sink: OutputSink = {
    event: (e) => this.push(eventData(e)),
    end: () => {},
    blocked: () => this.reading === 'reading' && this.queue.length >= this.limit,
  };

  /** The run has closed: `exit` is the last event. */
  close(code: number): void {
    this.push({ kind: 'exit', code });
    this.ended = true;
    if (this.waiter && !this.queue.length) this.waiter({ done: true, value: undefined });
  }

  private push(e: ScryEvent): void {
    if (this.reading === 'gone') return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ done: false, value: e });
      return;
    }
    // nobody has asked for events (yet): the newest `limit` are kept, and what went is counted, so that a run
    // read only through its maps neither grows nor stalls (a reader gets back-pressure instead: see blocked)
    if (this.reading === 'not yet' && this.queue.length >= this.limit && e.kind !== 'exit') {
      const gone = this.queue.shift()!;
      this.unread += gone.kind === 'lost' ? gone.count : 1;
    }
    this.queue.push(e);
  }

  reader(): AsyncIterableIterator<ScryEvent> {
    if (this.reading !== 'not yet') throw new Error('events(): a trace has one reader, and it is taken');
    this.reading = 'reading';
    if (this.unread) this.queue.unshift({ kind: 'lost', count: this.unread });
    const next = (): Promise<IteratorResult<ScryEvent>> => {
      const e = this.queue.shift();
      if (e) return Promise.resolve({ done: false, value: e });
      if (this.ended || this.reading === 'gone') return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => (this.waiter = resolve));
    };
    const it: AsyncIterableIterator<ScryEvent> = {
      next,
      return: () => {
        this.reading = 'gone';
        this.queue.length = 0;
        this.waiter?.({ done: true, value: undefined });
        this.waiter = undefined;
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}

function eventData(e: TraceEvent): ScryEvent {
  switch (e.kind) {
    case 'attached':
    case 'lost':
    case 'exit':
      return e;
    case 'printf':
      return e.source
        ? { kind: 'printf', text: e.text, source: e.source === 'syscall' ? 'system' : e.source }
        : { kind: 'printf', text: e.text, ...(e.args ? { args: e.args } : {}) };
    case 'message': {
      const where = location(e.span);
      const h = e.helperError;
      return {
        kind: 'message',
        level: e.level,
        text: e.text,
        ...(where ? { location: where } : {}),
        ...(h ? { helper: { name: h.helper, retcode: h.retcode, strerror: h.strerror } } : {}),
      };
    }
    case 'map':
      return {
        kind: 'map',
        map: mapData(e.snapshot),
        ...(e.top ? { top: e.top } : {}),
        ...(e.div ? { div: e.div } : {}),
      };
    case 'value':
      return { kind: 'value', value: e.value as RuntimeValue };
  }
}

function mapData(snap: MapSnapshot): MapData {
  const v = snap.layout.value;
  return {
    name: snap.layout.name,
    kind: v.kind,
    entries: snap.entries.map((entry): MapDataEntry => {
      const base = { keys: entry.keys };
      switch (v.kind) {
        case 'hist':
        case 'lhist':
          return {
            ...base,
            value: entry.value,
            buckets: (entry.buckets ?? []).flatMap((count, i) => (count ? [{ ...bucketRange(v, i), count }] : [])),
          };
        case 'avg':
        case 'stats':
          return { ...base, value: entry.value, count: entry.stats?.count ?? 0n, total: entry.stats?.total ?? 0n };
        case 'tseries':
          return { ...base, value: entry.value, series: entry.series ?? [] };
        default:
          return { ...base, value: entry.data ?? entry.value };
      }
    }),
  };
}

/** An error from the runtime as one of the public classes (a bug is passed on as it is). */
function publicError(e: unknown): unknown {
  if (e instanceof ScryError) return e;
  const f = runFailure(e);
  if (!f) return e;
  if (f.kind === 'permission') return new ScryPermissionError(f.message, { hints: f.hints, cause: e });
  const where = location(f.span);
  const options = { hints: f.hints, ...(where ? { location: where } : {}), cause: e };
  return f.syscall ? new ScryKernelError(f.message, f.syscall, options) : new ScryError(f.message, options);
}
