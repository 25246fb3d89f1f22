// The scry command line: parse options, run the pipeline, report mistakes once, exit with the right code.
import { stderr, stdout, stopWaitingForReaders } from './stdio.ts';
import { existsSync, readFileSync } from 'node:fs';
import { compileSource, disasmListing, type CompiledProgram } from '../compiler/index.ts';
import { error, renderDiagnostics, type Diagnostic } from '../lang/index.ts';
import {
  hostKernelInfo,
  nameThisProcess,
  useTraceableFunctions,
  useDebugInfoDirs,
  withoutFeature,
  kernelInfoText,
  listProbes,
  mark,
  requirePrivileges,
  ScryRuntimeError,
  startHeld,
  timingsText,
  watchProcessExit,
  type HeldCommand,
  type OutputSink,
  type TraceEvent,
} from '../runtime/index.ts';
import { jsonSink, notifyingAttached, textSink } from './sink.ts';
import { compileScript, runFailure, ScriptRun, scriptCompileOptions } from './script-run.ts';
import { openWriter, type Writer } from './writer.ts';
import { splitCommand } from './child.ts';
import { BPFTRACE_COMPAT, parseArgs, shortUsage, VERSION, type CliOptions } from './cli-args.ts';
import { ViewStore } from './view/store.ts';
import { MetricsListenError, servingNote, startMetricsServer, type MetricsServer } from './metrics/server.ts';

function fail(diags: readonly Diagnostic[]): number {
  stderr.write(renderDiagnostics(diags));
  return 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } catch (e) {
    // an environment failure nobody reported more precisely (a refused privilege, a missing kernel feature)
    if (e instanceof ScryRuntimeError) return fail([error(e.message, e.span, e.hints)]);
    throw e;
  }
}

async function runCommand(argv: readonly string[]): Promise<number> {
  nameThisProcess('scry');
  if (argv[0] === '--aot-run') {
    // an --aot executable: its program, compiled already (repl/aot.ts)
    const { aotRun } = await import('./aot.ts');
    const aot = aotRun(argv.slice(1));
    return 'exit' in aot ? aot.exit : run(aot.program, aot.opts);
  }
  if (argv[0] === 'btf') {
    // `scry btf dump …`: kernel types as C (a script file named btf runs as ./btf)
    const { btfCommand } = await import('./btf-command.ts');
    return btfCommand(argv.slice(1));
  }
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.out) stdout.write(parsed.out);
    if (parsed.message)
      stderr.write(
        `ERROR: ${parsed.message}\n${(parsed.hints ?? []).map((h) => `HINT: ${h}\n`).join('')}${parsed.usage ? shortUsage : ''}`,
      );
    return parsed.exit;
  }
  const { opts } = parsed;
  mark('arguments');
  if (opts.timings || process.env['SCRY_TIMINGS'] === '1')
    process.once('exit', () => {
      mark('exit');
      stderr.write(timingsText());
    });
  if (opts.info) {
    stdout.write(kernelInfoText(`scry v${VERSION} (bpftrace ${BPFTRACE_COMPAT} compatible)`));
    return 0;
  }
  for (const f of opts.noFeatures ?? []) withoutFeature(f);
  if (opts.debugInfo) useDebugInfoDirs(opts.debugInfo);
  if (opts.traceableFunctions !== undefined) {
    try {
      useTraceableFunctions(opts.traceableFunctions);
    } catch (e) {
      stderr.write(`ERROR: cannot read the traceable functions from '${opts.traceableFunctions}': ${errnoText(e)}\n`);
      return 1;
    }
  }
  if (opts.list) return list(opts);
  let text: string;
  let name: string;
  if (opts.program !== undefined) {
    text = opts.program;
    name = 'stdin';
  } else if (opts.file !== undefined) {
    // `-` is the program on stdin, as in bpftrace
    try {
      text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
    } catch (e) {
      stderr.write(
        opts.file === '-'
          ? `ERROR: cannot read the program from stdin: ${errnoText(e)}\n`
          : `ERROR: failed to open file '${opts.file}': ${errnoText(e)}\n`,
      );
      return 1;
    }
    name = opts.file === '-' ? 'stdin' : opts.file;
  } else {
    // no program: the REPL (node:repl and completion load only now); everything it does needs privileges
    if (opts.metrics) {
      stderr.write(
        "ERROR: --metrics serves a program's maps, and no program was given\nHINT: scry --metrics -e 'tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }'\n",
      );
      return 1;
    }
    requirePrivileges('run the REPL');
    const { startRepl } = await import('./repl.ts');
    return startRepl({
      quiet: opts.quiet,
      pid: opts.pid,
      unsafe: opts.unsafe,
      includeDirs: opts.includeDirs,
      includeFiles: opts.includeFiles,
      version: VERSION,
    });
  }

  // the options every run compiles with (script-run.ts), the REPL's and the library's too
  const compileOptions = scriptCompileOptions({
    name,
    params: opts.args,
    namedArgs: opts.namedArgs,
    hasChild: opts.command !== undefined,
    unsafe: opts.unsafe,
    ...(opts.probeFilter !== undefined ? { probeFilter: opts.probeFilter } : {}),
    helperErrors: opts.noWarnings ? 0 : (opts.helperErrors ?? 1),
    ...(opts.noWarnings ? { runtimeWarnings: false } : {}),
    includeFiles: opts.includeFiles,
    includeDirs: opts.includeDirs,
    // BPFTRACE_MAX_STRLEN, BPFTRACE_STACK_MODE, …: bpftrace's environment variables, winning over config = { }
    settings: process.env,
    ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
    onStage: mark,
    // the bytecode optimizer; SCRY_OPTIMIZE=0: the code as generated (the size bench's --unopt)
    optimize: process.env.SCRY_OPTIMIZE !== '0',
  });
  const result = compileSource(text, hostKernelInfo(), compileOptions);
  if (opts.debug.includes('ast') && result.ast)
    stdout.write(
      JSON.stringify(result.ast, (k, v) => (k === 'file' ? undefined : typeof v === 'bigint' ? v.toString() : v), 2) +
        '\n',
    );
  // warnings print on success too (bpftrace prints them before it runs), unless --no-warnings
  const shown = opts.noWarnings ? result.diagnostics.filter((d) => d.severity === 'error') : result.diagnostics;
  const named = result.namedParamProblem;
  if (named) {
    // bpftrace's words, without a source position: the mistake is on the command line
    const hints = named.hints.map((h) => `HINT: ${h}\n`).join('');
    stderr.write(named.message ? `ERROR: ${named.message}\n${hints}` : hints);
    return 1; // --help too, as in bpftrace (the run did not happen)
  }
  if (!result.program) return fail(shown);
  if (shown.length) stderr.write(renderDiagnostics(shown));
  if (opts.pid !== undefined && !processExists(opts.pid)) {
    stderr.write(`ERROR: no process with PID ${opts.pid}\n`);
    return 1;
  }
  if (opts.debug.includes('bytecode-unopt')) {
    const unopt = compileSource(text, hostKernelInfo(), { ...compileOptions, optimize: false }).program;
    if (unopt) printBytecode(unopt);
  }
  if (opts.debug.includes('bytecode') && !opts.relocs) printBytecode(result.program);
  if (opts.emitElf !== undefined || opts.relocs) {
    const { emitElf } = await import('./emit-elf.ts');
    return emitElf(text, compileOptions, opts);
  }
  if (opts.aot !== undefined) {
    const { compileAot } = await import('./aot.ts');
    return compileAot(opts.aot, result.ast!, (namedArgs) =>
      compileSource(text, hostKernelInfo(), { ...compileOptions, namedArgs, runtimeParams: true }),
    );
  }
  if (opts.dryRun) return 0;
  return run(result.program, opts);
}

/**
 * -l: list probes matching a search pattern, or those of a program (-e, or a file given as -l's argument:
 * bpftrace v0.26 takes it as a file when one exists by that name, as a pattern otherwise).
 */
function list(opts: CliOptions): number {
  let what: string | undefined;
  if (opts.program !== undefined) return listProgram(opts.program, 'stdin', opts);
  if (opts.listArg !== undefined) {
    if (existsSync(opts.listArg)) {
      let text: string;
      try {
        text = readFileSync(opts.listArg, 'utf8');
      } catch (e) {
        stderr.write(`ERROR: failed to open file '${opts.listArg}': ${errnoText(e)}\n`);
        return 1;
      }
      return listProgram(text, opts.listArg, opts);
    } else {
      // bpftrace's warning, word for word: a name with a dot and no ':' or '*' was probably meant as a file
      if (opts.listArg.includes('.') && !/[:*]/.test(opts.listArg) && !opts.noWarnings)
        stderr.write(
          `WARNING: It appears that '${opts.listArg}' is a filename but the file does not exist. Treating '${opts.listArg}' as a search pattern.\n`,
        );
      what = opts.listArg === '*' ? undefined : opts.listArg;
    }
  }
  let names: string[];
  try {
    names = listProbes(what, { verbose: opts.verbose, ...(opts.pid !== undefined ? { pid: opts.pid } : {}) });
  } catch (e) {
    if (e instanceof ScryRuntimeError) return fail([error(e.message, e.span, e.hints)]);
    throw e;
  }
  stdout.write(names.length ? `${names.join('\n')}\n` : '');
  return 0;
}

/**
 * -l with a program: the probes it attaches to, wildcards expanded, as a listing names them (a rate or
 * count dropped: `interval:ms:`, `hardware:cache-misses:`); BEGIN/END are not probes to list. Nothing loads.
 */
function listProgram(text: string, name: string, opts: CliOptions): number {
  const result = compileScript(text, {
    name,
    unsafe: true, // listing runs nothing: system() and friends need not be allowed to be listed
    includeFiles: opts.includeFiles,
    includeDirs: opts.includeDirs,
    settings: process.env,
    ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
    optimize: false, // nothing runs: the attach points are all it needs
  });
  if (!result.program) return fail(result.diagnostics);
  // in program order, each attach point's matches sorted (bpftrace v0.26 get_probes_for_listing), each probe once
  const byPoint = new Map<string, Set<string>>();
  // a program on several functions of one file (a uprobe wildcard's) names the others in alsoAttach
  for (const p of result.program.programs)
    for (const a of [p.attach, ...(p.alsoAttach ?? [])]) {
      if (a.provider === 'BEGIN' || a.provider === 'END') continue;
      const point = `${a.span.file.name}:${a.span.start}`;
      const lines = byPoint.get(point) ?? byPoint.set(point, new Set()).get(point)!;
      lines.add(ratedProviders.has(a.provider) ? a.text.replace(/:[^:]*$/, ':') : a.text);
    }
  const listed = new Set([...byPoint.values()].flatMap((lines) => [...lines].sort()));
  stdout.write([...listed].map((l) => `${l}\n`).join(''));
  return 0;
}

/** Providers whose last field is a rate, period or count, which a listing leaves empty. */
const ratedProviders = new Set(['interval', 'profile', 'hardware', 'software']);

/** An fs error as strerror(3) words it ("No such file or directory"), which bpftrace's messages carry. */
function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    ELOOP: 'Too many levels of symbolic links',
    ENAMETOOLONG: 'File name too long',
    EPERM: 'Operation not permitted',
  };
  return (err.code && words[err.code]) ?? err.code ?? err.message;
}

function printBytecode(p: CompiledProgram): void {
  for (const prog of p.programs)
    stdout.write(`${prog.attach.text}:\n${disasmListing(prog.bytecode, prog.sourceMap, prog.relocations)}\n`);
}

async function run(compiled: CompiledProgram, opts: CliOptions): Promise<number> {
  let writer: Writer;
  try {
    writer = openWriter({ file: opts.output, mode: opts.buffering });
  } catch (e) {
    stderr.write(`ERROR: cannot open ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }
  // --metrics listens before anything loads: an address that cannot be had ends the run with nothing attached
  let metrics: MetricsServer | undefined;
  if (opts.metrics) {
    try {
      metrics = await startMetricsServer(opts.metrics, compiled);
    } catch (e) {
      writer.close();
      if (!(e instanceof MetricsListenError)) throw e;
      stderr.write(`ERROR: ${e.message}\n${e.hints.map((h) => `HINT: ${h}\n`).join('')}`);
      return 1;
    }
  }
  let child: HeldCommand | undefined;
  if (opts.command !== undefined) {
    const argv = splitCommand(opts.command);
    try {
      if (!argv.length) throw new Error('-c needs a command');
      child = startHeld(argv);
    } catch (e) {
      writer.close();
      await metrics?.close();
      stderr.write(`ERROR: cannot run '${opts.command}': ${(e as Error).message}\n`);
      return 1;
    }
  }
  // the run itself is a ScriptRun (script-run.ts), as each REPL program and the library's trace() are
  let session: ScriptRun | undefined;
  // The live view: only for a person at a terminal looking at maps; it never loads otherwise.
  const store = wantsLiveView(compiled, opts) ? new ViewStore({ quiet: opts.quiet }) : undefined;
  const view: { quit?: () => void } = {};
  // A stopping signal ends the run at once, whatever is queued (bpftrace drops it too), and from then on a reader
  // of stdout that takes nothing is not waited for at exit (stdio.ts).
  // (a scrape in progress reads the session's maps: it finishes before they close)
  const stop = () => {
    stopWaitingForReaders();
    if (view.quit) view.quit();
    else if (metrics) void metrics.quiesce().then(() => session?.abort());
    else void session?.abort();
  };
  // Handlers before start: the notify word goes out from inside ScriptRun.start and a harness may signal the
  // moment it reads it; with no handler yet, Node's default action killed scry (no END, no maps). start is
  // synchronous, so a signal arriving during it is queued and handled once `session` is set.
  const signals = [
    ['SIGINT', stop],
    ['SIGTERM', stop],
  ] as const;
  // SIGUSR1 runs the script's self:signal:SIGUSR1 probes and nothing else (bpftrace v0.26 removed 0.17's
  // printing of every map; runtime/providers/self.ts); the listener of no-inspector.ts stays.
  for (const [sig, handler] of signals) process.on(sig, handler);
  let unwatchPid: (() => void) | undefined;
  try {
    try {
      const shown = store ?? (opts.format === 'json' ? jsonSink : textSink)(writer, { quiet: opts.quiet });
      const sink = notifyingAttached(opts.noWarnings ? withoutWarnings(shown) : shown);
      session = ScriptRun.start(compiled, {
        sink,
        cpid: child?.pid,
        // its exit stops the run (below), even for a BEGIN/END-only program
        endsWithCommand: child !== undefined,
        ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
        symbolic: opts.format !== 'json',
        ...(opts.mode === 'bench' ? { bench: true } : {}),
        ...(opts.mode === 'test' ? { test: true } : {}),
      });
    } catch (e) {
      const f = runFailure(e);
      if (f) return fail([error(f.message, f.span, [...f.hints])]);
      throw e;
    }
    const running = session;
    if (metrics) {
      metrics.serve(running);
      // -q keeps it quiet, unless the kernel chose the port (no one could find it otherwise)
      if (!opts.quiet || opts.metrics!.port === 0) stderr.write(servingNote(metrics, opts.metrics!));
    }
    if (opts.pid !== undefined) unwatchPid = watchProcessExit(opts.pid, () => void running.stop());
    // settles once the command has been exec'd (undefined) or could not be (the error)
    let execFailure: Promise<Error | undefined> = Promise.resolve(undefined);
    if (child) {
      void child.exited.then(() => running.stop());
      if (!running.ending)
        execFailure = child.release().then(
          () => undefined,
          (e: Error) => {
            void running.abort();
            return e;
          },
        );
    }
    if (store) await liveView(running, store, writer, opts.refreshMs ?? 1000, view);
    const code = await running.done;
    const failed = await execFailure;
    if (!failed) return code;
    stderr.write(`ERROR: cannot run '${opts.command}': ${execMessage(failed)}\n`);
    return 1;
  } finally {
    for (const [sig, handler] of signals) process.off(sig, handler);
    afterTheRun(['SIGINT', 'SIGTERM']);
    unwatchPid?.();
    // the command is not waited for: one still running gets SIGTERM, as bpftrace sends it
    child?.terminate();
    await metrics?.close();
    writer.close();
  }
}

/** --no-warnings while running: warnf() and -k's helper warnings are dropped, errors still print. */
function withoutWarnings(sink: OutputSink & { printfBytes?(chunk: Uint8Array): void }): OutputSink {
  const bytes = sink.printfBytes;
  return {
    event: (e: TraceEvent) => (e.kind === 'message' && e.level === 'warning' ? undefined : sink.event(e)),
    end: () => sink.end(),
    ...(sink.flush ? { flush: () => sink.flush!() } : {}),
    ...(sink.blocked ? { blocked: () => sink.blocked!() } : {}),
    ...(sink.benchmark ? { benchmark: (r) => sink.benchmark!(r) } : {}),
    ...(sink.test ? { test: (r) => sink.test!(r) } : {}),
    ...(bytes ? { printfBytes: (chunk: Uint8Array) => bytes.call(sink, chunk) } : {}),
  };
}

/** Why execve refused the -c command, in words (the errno's code kept for a search). */
function execMessage(e: Error): string {
  const code = (e as { code?: string }).code;
  const why: Record<string, string> = {
    ENOEXEC: 'it is not a program this system can run',
    EACCES: 'permission denied',
    ENOENT: 'it, or the interpreter its #! line names, does not exist',
  };
  return code && why[code] ? `${why[code]} (${code})` : e.message;
}

function wantsLiveView(compiled: CompiledProgram, opts: CliOptions): boolean {
  // -o sends the output elsewhere; with -c the command writes to the same terminal, which Ink cannot redraw around
  if (opts.noView || opts.format !== 'text' || opts.output !== undefined || opts.command !== undefined) return false;
  return Boolean(stdout.isTTY) && compiled.maps.some((m) => m.user !== undefined);
}

/**
 * Shows the live view until `q`, a signal (through view.quit) or the program's own exit(); then the view is
 * gone and everything after (END's output, the final maps) prints as plain text, as it does without it.
 */
async function liveView(
  session: ScriptRun,
  store: ViewStore,
  writer: Writer,
  refreshMs: number,
  view: { quit?: () => void },
): Promise<void> {
  let shown = false;
  try {
    if (!store.ended) {
      const { showLiveView } = await loadLiveView();
      if (!store.ended && session.running) {
        const v = showLiveView(session, store, { refreshMs });
        view.quit = v.quit;
        shown = true;
        await v.closed;
      }
    }
  } catch (e) {
    stderr.write(`scry: no live view (${(e as Error).message}); printing as text\n`);
  }
  view.quit = undefined;
  store.detach(writer);
  // q or a signal closed the view: stop the program now (after exit() it has stopped already)
  if (shown) await session.stop();
}

/**
 * The live view is a bundle of its own (dist/scry-view.mjs, an ES module: Ink has top-level await, which
 * CommonJS cannot require). The CLI bundle runs from V8's code cache, where import() does not work (Node
 * loses the loader of cached code), so there a one-line file beside it does the import (see build.mjs).
 */
function loadLiveView(): Promise<typeof import('./view/live.tsx')> {
  if (typeof require === 'function')
    return (require('./scry-view-import.cjs') as () => Promise<typeof import('./view/live.tsx')>)();
  return import('./view/live.tsx');
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A stopping signal once the run is over (its END and maps printed, output still going out, the process about
 * to exit) neither kills scry (status 130, output cut short) nor changes its exit status: as in bpftrace, whose
 * handler stays to the end. It only stops the wait for a reader that takes nothing (stopWaitingForReaders); a
 * second one ends the process as the signal would.
 */
function afterTheRun(signals: readonly NodeJS.Signals[]): void {
  for (const sig of signals) {
    const late = () => {
      stopWaitingForReaders();
      process.off(sig, late);
      process.once(sig, () => process.kill(process.pid, sig)); // Node's own action, with this listener gone
    };
    process.on(sig, late);
  }
}
