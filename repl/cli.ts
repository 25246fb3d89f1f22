// The scry command line: parse options, run the pipeline, report mistakes once, exit with the right code.
import { readFileSync } from 'node:fs';
import { compileSource, disasmListing, type CompiledProgram } from '../compiler/index.ts';
import { error, renderDiagnostics, type Diagnostic } from '../lang/index.ts';
import {
  hostKernelInfo,
  includeResolver,
  kernelInfoText,
  listProbes,
  requirePrivileges,
  ScryRuntimeError,
  Session,
  startHeld,
  watchProcessExit,
  type HeldCommand,
} from '../runtime/index.ts';
import { jsonSink, notifyingAttached, textSink } from './sink.ts';
import { openWriter, type BufferMode, type Writer } from './writer.ts';
import { splitWords } from './child.ts';
import { ViewStore } from './view/store.ts';

const VERSION = '0.1.0';

const usage = `USAGE:
    scry [options] filename
    scry [options] -e 'program'
    scry [options]                  (no program: the REPL)

OPTIONS:
    -e 'program'   run this program
    -p PID         trace only this process (BEGIN and END still run)
    -l [PATTERN]   list probes (tracepoints) matching PATTERN, e.g. 'tracepoint:syscalls:*'
    -q             keep quiet (no "Attached N probes" banner)
    -v             with -l: list each probe's arguments (also -lv)
    --info         what this kernel supports (probe types, maps, helpers), measured and cached
    -k, -kk        warn when a helper fails (-k: map updates, stacks, signals; -kk: memory reads too)
    -c 'CMD'       start CMD held, attach, let it run, stop when it exits (cpid is its pid)
    --unsafe       allow system(), which runs commands as root
    -o FILE        write program output to FILE (diagnostics stay on stderr)
    -B MODE        output buffering: none, line (default on a terminal) or full
    -f FORMAT      output format: text (default) or json (one JSON object a line)
    -d STAGE       print a compiler stage and continue: ast, bytecode
    -I DIR         search DIR for #include'd headers (before the system directories; repeatable)
    --include FILE include FILE before the program, as #include "FILE" would (repeatable)
    -              (as the program file) read the program from stdin
    --refresh MS   live view redraw period (default 1000)
    --no-view      plain text even on a terminal (no live view of the maps)
    --dry-run      compile and load nothing
    -h, --help     show this help
    -V, --version  print the version

EXAMPLES:
    scry -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'
    scry -e 'tracepoint:syscalls:sys_enter_mkdir < count[pid]++ >'
    scry -e 'BEGIN { printf("hello\\n"); exit(); }'
`;

export interface CliOptions {
  program?: string;
  pid?: number;
  list?: boolean;
  listPattern?: string;
  file?: string;
  quiet: boolean;
  /** -v: with -l, each probe's arguments */
  verbose?: boolean;
  /** -k / -kk */
  helperErrors?: 1 | 2;
  format: 'text' | 'json';
  output?: string;
  command?: string;
  unsafe?: boolean;
  buffering?: BufferMode;
  debug: string[];
  dryRun: boolean;
  args: string[];
  /** --refresh MS: live view redraw period */
  refreshMs?: number;
  /** --no-view: no live view even on a terminal */
  noView?: boolean;
  /** --info: the kernel report */
  info?: boolean;
  /** -I DIR, in order */
  includeDirs: string[];
  /** --include FILE, in order */
  includeFiles: string[];
}

type Parsed = { ok: true; opts: CliOptions } | { ok: false; message?: string; exit: number; out?: string };

function parseArgs(argv: readonly string[]): Parsed {
  const opts: CliOptions = {
    quiet: false,
    format: 'text',
    debug: [],
    dryRun: false,
    args: [],
    includeDirs: [],
    includeFiles: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
      return v;
    };
    try {
      if (a === '-e') opts.program = value();
      else if (a === '-p') {
        const v = value();
        if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`-p needs a process id, got '${v}'`);
        opts.pid = Number(v);
      } else if (a === '-l' || a === '-lv') {
        opts.list = true;
        if (a === '-lv') opts.verbose = true;
        if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) opts.listPattern = argv[++i];
      } else if (a === '-q') opts.quiet = true;
      else if (a === '-v') opts.verbose = true;
      else if (a === '-k') opts.helperErrors = 1;
      else if (a === '-kk') opts.helperErrors = 2;
      else if (a === '-o') opts.output = value();
      else if (a === '-c') opts.command = value();
      else if (a === '--unsafe') opts.unsafe = true;
      else if (a === '-B') {
        const b = value();
        if (b !== 'none' && b !== 'line' && b !== 'full')
          throw new UsageError(`unknown buffering mode ${b}: use -B none, line or full`);
        opts.buffering = b;
      } else if (a === '-f') {
        const f = value();
        if (f !== 'text' && f !== 'json') throw new UsageError(`unknown output format ${f}: use -f text or -f json`);
        opts.format = f;
      } else if (a === '-d') {
        const stage = value();
        if (!DEBUG_STAGES.includes(stage))
          throw new UsageError(
            `unknown debug stage '${stage}': scry prints ${DEBUG_STAGES.map((d) => `-d ${d}`).join(' or ')}`,
          );
        opts.debug.push(stage);
      } else if (a === '-I') opts.includeDirs.push(value());
      else if (/^-I./.test(a)) opts.includeDirs.push(a.slice(2));
      else if (a === '--include') opts.includeFiles.push(value());
      else if (a.startsWith('--include=')) opts.includeFiles.push(a.slice('--include='.length));
      else if (a === '--dry-run') opts.dryRun = true;
      else if (a === '--no-view') opts.noView = true;
      else if (a === '--refresh') {
        const v = value();
        if (!/^[1-9]\d*$/.test(v) || Number(v) < 50)
          throw new UsageError(`--refresh needs milliseconds (50 or more), got '${v}'`);
        opts.refreshMs = Number(v);
      } else if (a === '-h' || a === '--help') return { ok: false, exit: 0, out: usage };
      else if (a === '-V' || a === '--version') return { ok: false, exit: 0, out: `scry v${VERSION}\n` };
      else if (a === '--info') opts.info = true;
      else if (a === '--') {
        opts.args.push(...argv.slice(i + 1));
        break;
      } else if (a.startsWith('-') && a !== '-')
        return { ok: false, exit: 1, message: `unknown option ${a} (scry -h lists the options)` };
      else if (opts.program === undefined && opts.file === undefined) opts.file = a;
      else opts.args.push(a);
    } catch (e) {
      if (e instanceof UsageError) return { ok: false, exit: 1, message: e.message };
      throw e;
    }
  }
  return { ok: true, opts };
}

class UsageError extends Error {}

/** what -d can print */
const DEBUG_STAGES = ['ast', 'bytecode'];

function fail(diags: readonly Diagnostic[]): number {
  process.stderr.write(renderDiagnostics(diags));
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
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.out) process.stdout.write(parsed.out);
    if (parsed.message) process.stderr.write(`ERROR: ${parsed.message}\n`);
    return parsed.exit;
  }
  const { opts } = parsed;
  if (opts.info) {
    process.stdout.write(kernelInfoText());
    return 0;
  }
  if (opts.list) {
    let names: string[];
    try {
      names = listProbes(opts.listPattern ?? opts.program, {
        verbose: opts.verbose,
        ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
      });
    } catch (e) {
      if (e instanceof ScryRuntimeError) return fail([error(e.message, e.span, e.hints)]);
      throw e;
    }
    process.stdout.write(names.length ? `${names.join('\n')}\n` : '');
    return 0;
  }
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
      process.stderr.write(
        `ERROR: cannot read ${opts.file === '-' ? 'the program from stdin' : opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
      );
      return 1;
    }
    name = opts.file === '-' ? 'stdin' : opts.file;
  } else {
    // no program: the REPL (node:repl and completion load only now); everything it does needs privileges
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

  const result = compileSource(text, hostKernelInfo(), {
    name,
    params: opts.args,
    hasChild: opts.command !== undefined,
    unsafe: opts.unsafe,
    helperErrors: opts.helperErrors,
    includeFiles: opts.includeFiles,
    resolveInclude: includeResolver({ includeDirs: opts.includeDirs }),
    ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
  });
  if (opts.debug.includes('ast') && result.ast)
    process.stdout.write(
      JSON.stringify(result.ast, (k, v) => (k === 'file' ? undefined : typeof v === 'bigint' ? v.toString() : v), 2) +
        '\n',
    );
  // warnings print on success too (bpftrace prints them before it runs)
  if (!result.program) return fail(result.diagnostics);
  if (result.diagnostics.length) process.stderr.write(renderDiagnostics(result.diagnostics));
  if (opts.pid !== undefined && !processExists(opts.pid)) {
    process.stderr.write(`ERROR: no process with PID ${opts.pid}\n`);
    return 1;
  }
  if (opts.debug.includes('bytecode')) printBytecode(result.program);
  if (opts.dryRun) return 0;
  return run(result.program, opts);
}

function printBytecode(p: CompiledProgram): void {
  for (const prog of p.programs)
    process.stdout.write(`${prog.attach.text}:\n${disasmListing(prog.bytecode, prog.sourceMap, prog.relocations)}\n`);
}

async function run(compiled: CompiledProgram, opts: CliOptions): Promise<number> {
  let writer: Writer;
  try {
    writer = openWriter({ file: opts.output, mode: opts.buffering });
  } catch (e) {
    process.stderr.write(
      `ERROR: cannot open ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
    );
    return 1;
  }
  let child: HeldCommand | undefined;
  if (opts.command !== undefined) {
    const argv = splitWords(opts.command);
    try {
      if (!argv.length) throw new Error('-c needs a command');
      child = startHeld(argv);
    } catch (e) {
      writer.close();
      process.stderr.write(`ERROR: cannot run '${opts.command}': ${(e as Error).message}\n`);
      return 1;
    }
  }
  let session: Session | undefined;
  // The live view: only for a person at a terminal looking at maps; it never loads otherwise.
  const store = wantsLiveView(compiled, opts) ? new ViewStore({ quiet: opts.quiet }) : undefined;
  const view: { quit?: () => void } = {};
  // A stopping signal ends the run at once, whatever is queued (bpftrace drops it too).
  const stop = () => (view.quit ? view.quit() : void session?.stop('discard'));
  const printMaps = () => (view.quit ? undefined : session?.printMaps());
  // Handlers before start: the notify word goes out from inside Session.start and a harness may signal the
  // moment it reads it; with no handler yet, Node's default action killed scry (no END, no maps). start is
  // synchronous, so a signal arriving during it is queued and handled once `session` is set.
  const signals = [
    ['SIGINT', stop],
    ['SIGTERM', stop],
    ['SIGUSR1', printMaps],
  ] as const;
  for (const [sig, handler] of signals) process.on(sig, handler);
  let unwatchPid: (() => void) | undefined;
  try {
    try {
      const sink = notifyingAttached(
        store ?? (opts.format === 'json' ? jsonSink : textSink)(writer, { quiet: opts.quiet }),
      );
      session = Session.start(compiled, {
        sink,
        cpid: child?.pid,
        ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
        enumNames: opts.format !== 'json',
      });
    } catch (e) {
      if (e instanceof ScryRuntimeError) return fail([error(e.message, e.span, e.hints)]);
      throw e;
    }
    const running = session;
    if (opts.pid !== undefined) unwatchPid = watchProcessExit(opts.pid, () => void running.stop());
    // settles once the command has been exec'd (undefined) or could not be (the error)
    let execFailure: Promise<Error | undefined> = Promise.resolve(undefined);
    if (child) {
      void child.exited.then(() => running.stop());
      if (!running.ending)
        execFailure = child.release().then(
          () => undefined,
          (e: Error) => {
            void running.stop('discard');
            return e;
          },
        );
    }
    if (store) await liveView(running, store, writer, opts.refreshMs ?? 1000, view);
    const code = await running.done;
    const failed = await execFailure;
    if (!failed) return code;
    process.stderr.write(`ERROR: cannot run '${opts.command}': ${execMessage(failed)}\n`);
    return 1;
  } finally {
    for (const [sig, handler] of signals) process.off(sig, handler);
    unwatchPid?.();
    // the command is not waited for: one still running gets SIGTERM, as bpftrace sends it
    child?.terminate();
    writer.close();
  }
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
  return Boolean(process.stdout.isTTY) && compiled.maps.some((m) => m.user !== undefined);
}

/**
 * Shows the live view until `q`, a signal (through view.quit) or the program's own exit(); then the view is
 * gone and everything after (END's output, the final maps) prints as plain text, as it does without it.
 */
async function liveView(
  session: Session,
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
    process.stderr.write(`scry: no live view (${(e as Error).message}); printing as text\n`);
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
