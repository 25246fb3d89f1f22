// One script run, the pipeline the CLI, the REPL and the library's trace() share: the compile options built from
// what a front end was told, then load → BEGIN → attach → events → stop (END, final maps) → close, stopped by
// stop(), abort() or an AbortSignal, and its failures classified once (permission, kernel, environment).
// Where the events go is the caller's OutputSink: the CLI's text or JSON writer (printf text straight into UTF-8
// bytes, never an object per event), the REPL's text above the prompt, the library's queue of typed events.
import { compileSource, type CompiledProgram, type CompileSourceOptions } from '../compiler/index.ts';
import type { KernelInfo } from '../lang/index.ts';
import {
  hasAttachCookies,
  hasLoopHelper,
  hasSignedDivision,
  padsCurrentComm,
  bundleKeptTexts,
  hostKernelInfo,
  importFiles,
  includeResolver,
  PrivilegeError,
  ScryRuntimeError,
  Session,
  type KeptTexts,
  type MapSnapshot,
  type OutputSink,
  type MapSource,
  type SessionOptions,
  type Value,
} from '../runtime/index.ts';

/** What a front end says about how to compile a script; everything else is the same for all of them. */
export interface ScriptOptions {
  /** the file name diagnostics show ('stdin' for -e and the REPL) */
  readonly name: string;
  /** positional parameters: `$1`, `$2`, … */
  readonly params?: readonly string[];
  /** named parameters read by getopt() */
  readonly namedArgs?: ReadonlyMap<string, string | true>;
  /** -c: a command runs beside the script (`cpid`) */
  readonly hasChild?: boolean;
  readonly unsafe?: boolean;
  /** -k: 0 none, 1 the default, 2 every failing helper */
  readonly helperErrors?: 0 | 1 | 2;
  /** --no-warnings: false, and the program's own warnings are not generated */
  readonly runtimeWarnings?: boolean;
  /** -p PID */
  readonly pid?: number;
  /** bpftrace's settings by environment name (the CLI and the REPL pass process.env) */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  /** -I directories and --include files for the script's C part */
  readonly includeDirs?: readonly string[];
  readonly includeFiles?: readonly string[];
  /** the bytecode optimizer (default true) */
  readonly optimize?: boolean;
  /** the CLI's --probe filter */
  readonly probeFilter?: string;
  /** told as each compile stage ends (--timings) */
  readonly onStage?: (stage: string) => void;
  /** the kernel compiled for (default this one; then signed division is asked of this kernel) */
  readonly kernel?: KernelInfo;
}

/** The bundle's kept parses and optimizer templates (runtime/kept-texts.ts), looked up at the first compile. */
let kept: { parses?: KeptTexts; shapes?: KeptTexts } | undefined;

/**
 * onStage, with the parse and compile stages named `parse (kept)` and `compile (kept)` when they took everything
 * from the kept texts (no parser, no optimizer ran): --timings tells the two apart, and so does bin/scry.cjs,
 * whose code cache must then cover the parser's and optimizer's code too, for the first run of a new script.
 */
function keptStages(onStage: (stage: string) => void, stores: typeof kept & {}): (stage: string) => void {
  // each store's counts when the stage began (a REPL compiles many times with the same stores)
  const counts = (store?: KeptTexts) => ({ lookups: store?.lookups ?? 0, misses: store?.misses ?? 0 });
  const before = { parses: counts(stores.parses), shapes: counts(stores.shapes) };
  return (stage) => {
    const kind = stage === 'parse' ? 'parses' : stage === 'compile' ? 'shapes' : undefined;
    const store = kind && stores[kind];
    if (!kind || !store) return onStage(stage);
    const was = before[kind];
    const allKept = store.lookups > was.lookups && store.misses === was.misses;
    before[kind] = counts(store);
    onStage(allKept ? `${stage} (kept)` : stage);
  };
}

/** compileSource's options for a script run; one place, so the three front ends compile alike. */
export function scriptCompileOptions(o: ScriptOptions): CompileSourceOptions {
  kept ??= { parses: bundleKeptTexts('parses'), shapes: bundleKeptTexts('shapes') };
  return {
    name: o.name,
    params: o.params ?? [],
    namedArgs: o.namedArgs ?? new Map(),
    hasChild: o.hasChild ?? false,
    unsafe: o.unsafe ?? false,
    ...(o.probeFilter !== undefined ? { probeFilter: o.probeFilter } : {}),
    helperErrors: o.helperErrors ?? 1,
    ...(o.runtimeWarnings === false ? { runtimeWarnings: false } : {}),
    includeFiles: o.includeFiles ?? [],
    resolveInclude: includeResolver({ includeDirs: o.includeDirs ?? [] }),
    importFiles: importFiles(),
    settings: o.settings ?? {},
    ...(o.pid !== undefined ? { pid: o.pid } : {}),
    ...(o.onStage ? { onStage: keptStages(o.onStage, kept) } : {}),
    optimize: o.optimize ?? true,
    // the bundled CLI keeps parses and the optimizer's results beside itself: a script run before skips both
    ...(kept.parses ? { parseStore: kept.parses } : {}),
    ...(kept.shapes ? { templateStore: kept.shapes } : {}),
    // one instruction for signed / and % where the kernel has them (Linux 6.6); asked of this kernel only, and only
    // when the program divides signed values
    signedDivision: o.kernel ? false : hasSignedDivision,
    // the attach points of a wildcard keyed by `probe` share their code where attachments carry cookies (perf
    // links 5.15, trampoline links 5.19, raw tracepoint links 6.10)
    attachCookies: o.kernel ? false : (carrier) => hasAttachCookies(carrier),
    // join() as a bpf_loop (5.17) rather than unrolled
    loopHelper: o.kernel ? false : hasLoopHelper,
    // a comm key written whole by the helper where the kernel pads it (no zeroing first)
    paddedComm: o.kernel ? false : padsCurrentComm,
  };
}

/** Compiles a script for a run (the kernel: ScriptOptions.kernel, or this one). */
export function compileScript(text: string, o: ScriptOptions) {
  return compileSource(text, o.kernel ?? hostKernelInfo(), scriptCompileOptions(o));
}

export interface ScriptRunOptions extends SessionOptions {
  /** aborting stops the run as abort() does */
  readonly signal?: AbortSignal;
  /** keep every script map as END left it (finalMaps), readable after the run has closed */
  readonly keepMaps?: boolean;
}

/**
 * A running script. Several may run at once (the REPL holds one per program, the library one per trace()).
 * Everything it owns is released when it ends, however it ends.
 */
export class ScriptRun {
  /** Resolves with the exit code once the run has stopped and closed everything. */
  readonly done: Promise<number>;
  private kept: ReadonlyMap<string, MapSnapshot> | undefined;

  private constructor(
    readonly program: CompiledProgram,
    private readonly session: Session,
  ) {
    this.done = session.done;
  }

  /**
   * Loads `program`, runs BEGIN, attaches its probes; events go to `options.sink`. Throws (nothing left open) when
   * a step fails: runFailure() says what kind of failure it was.
   */
  static start(program: CompiledProgram, options: ScriptRunOptions): ScriptRun {
    // the maps are read as END left them, before the session closes them; the caller's end() runs after that
    let started: ScriptRun | undefined;
    const sink = options.keepMaps ? beforeEnd(options.sink, () => started?.keep()) : options.sink;
    const run = new ScriptRun(program, Session.start(program, { ...options, sink }));
    started = run;
    const signal = options.signal;
    if (signal) {
      const abort = () => void run.abort().catch(() => {});
      if (signal.aborted) abort();
      else {
        signal.addEventListener('abort', abort, { once: true });
        void run.done.then(() => signal.removeEventListener('abort', abort));
      }
    }
    return run;
  }

  private keep(): void {
    this.kept = new Map(
      this.session.mapNames().flatMap((name) => {
        const s = this.session.snapshot(name);
        return s ? [[name, s] as const] : [];
      }),
    );
  }

  /** Detach, print what the probes wrote, run END and print the maps; resolves with the exit code. Safe to repeat. */
  stop(): Promise<number> {
    return this.session.stop('print');
  }

  /** Stop now: what is still queued in the kernel is dropped (a signal, exit(), an AbortSignal), then END. */
  abort(): Promise<number> {
    return this.session.stop('discard');
  }

  /** True until stop begins. */
  get running(): boolean {
    return this.session.running;
  }

  /** True once exit() was seen or stop began. */
  get ending(): boolean {
    return this.session.ending;
  }

  get stats(): { readonly events: number; readonly lost: number; readonly dropped: number } {
    return this.session.stats;
  }

  /** The script's map names (`@x`), sorted. */
  mapNames(): string[] {
    return this.session.mapNames();
  }

  /** Map `name` now; after the run, as END left it (with keepMaps). Undefined: no such map, or nothing kept. */
  snapshot(name: string): MapSnapshot | undefined {
    return this.session.snapshot(name) ?? this.kept?.get(name);
  }

  /** Every script map as END left it (keepMaps), once the run has ended. */
  get finalMaps(): ReadonlyMap<string, MapSnapshot> | undefined {
    return this.kept;
  }

  clearMap(name: string): boolean {
    return this.session.clearMap(name);
  }

  zeroMap(name: string): boolean {
    return this.session.zeroMap(name);
  }

  deleteEntry(name: string, keys: readonly Value[]): number {
    return this.session.deleteEntry(name, keys);
  }

  /** For an off-thread reader (the live view, --metrics): see Session.mapSource. */
  mapSource(name: string): MapSource | undefined {
    return this.session.mapSource(name);
  }
}

/** `sink` with `first` run before its end(); every optional member it has is kept (printfBytes included). */
function beforeEnd(sink: OutputSink, first: () => void): OutputSink {
  const s = sink as OutputSink & { printfBytes?(chunk: Uint8Array): void };
  const bytes = s.printfBytes;
  return {
    event: (e) => sink.event(e),
    end: () => {
      first();
      sink.end();
    },
    ...(sink.flush ? { flush: () => sink.flush!() } : {}),
    ...(sink.blocked ? { blocked: () => sink.blocked!() } : {}),
    ...(sink.benchmark ? { benchmark: (r) => sink.benchmark!(r) } : {}),
    ...(sink.test ? { test: (r) => sink.test!(r) } : {}),
    ...(bytes ? { printfBytes: (chunk: Uint8Array) => bytes.call(sink, chunk) } : {}),
  } as OutputSink;
}

/** What kind of failure ended a run's start or stop; undefined for a bug (which is passed on as it is). */
export interface RunFailure {
  /** permission: not root (nor CAP_BPF and CAP_PERFMON); kernel: a system call failed; environment: anything else */
  readonly kind: 'permission' | 'kernel' | 'environment';
  readonly message: string;
  readonly span?: ScryRuntimeError['span'];
  readonly hints: readonly string[];
  /** kernel: the failed system call along the cause chain */
  readonly syscall?: { readonly syscall: string; readonly errno: number; readonly code: string };
}

export function runFailure(e: unknown): RunFailure | undefined {
  const sys = syscallFailure(e);
  if (e instanceof PrivilegeError) return { kind: 'permission', message: e.message, hints: e.hints };
  if (e instanceof ScryRuntimeError)
    return {
      kind: sys ? 'kernel' : 'environment',
      message: e.message,
      ...(e.span ? { span: e.span } : {}),
      hints: e.hints,
      ...(sys ? { syscall: sys } : {}),
    };
  // a system call's error no layer put words around: still the kernel's refusal, not a bug
  if (sys) return { kind: 'kernel', message: (e as Error).message, hints: [], syscall: sys };
  return undefined;
}

/** The failed system call along the error's cause chain (runtime/sys SysError: syscall, errno, code). */
function syscallFailure(e: unknown): RunFailure['syscall'] {
  for (let x = e, depth = 0; x instanceof Error && depth < 10; x = x.cause, depth++) {
    const s = x as Error & { syscall?: unknown; errno?: unknown; code?: unknown };
    if (typeof s.syscall === 'string' && typeof s.errno === 'number' && typeof s.code === 'string')
      return { syscall: s.syscall, errno: s.errno, code: s.code };
  }
  return undefined;
}
