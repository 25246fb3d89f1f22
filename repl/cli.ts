// The scry command line: parse options, run the pipeline, report mistakes once, exit with the right code.
import { readFileSync } from 'node:fs';
import { compile, disasmListing, type CompiledProgram } from '../compiler/index.ts';
import { check, error, parse, renderDiagnostics, sourceFile, type Diagnostic } from '../lang/index.ts';
import { hostKernelInfo, listProbes, ScryRuntimeError, Session } from '../runtime/index.ts';
import { jsonSink, notifyingAttached, textSink } from './sink.ts';
import { openWriter, type BufferMode, type Writer } from './writer.ts';
import { spawnHeld, type HeldChild } from './child.ts';

const VERSION = '0.1.0';

const usage = `USAGE:
    scry [options] filename
    scry [options] -e 'program'

OPTIONS:
    -e 'program'   run this program
    -p PID         trace only this process (BEGIN and END still run)
    -l [PATTERN]   list probes (tracepoints) matching PATTERN, e.g. 'tracepoint:syscalls:*'
    -q             keep quiet (no "Attached N probes" banner)
    -c 'CMD'       start CMD held, attach, let it run, stop when it exits (cpid is its pid)
    --unsafe       allow system(), which runs commands as root
    -o FILE        write program output to FILE (diagnostics stay on stderr)
    -B MODE        output buffering: none, line (default on a terminal) or full
    -f FORMAT      output format: text (default) or json (one JSON object a line)
    -d STAGE       print a compiler stage and continue: ast, bytecode
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
  format: 'text' | 'json';
  output?: string;
  command?: string;
  unsafe?: boolean;
  buffering?: BufferMode;
  debug: string[];
  dryRun: boolean;
  args: string[];
}

type Parsed = { ok: true; opts: CliOptions } | { ok: false; message?: string; exit: number; out?: string };

export function parseArgs(argv: readonly string[]): Parsed {
  const opts: CliOptions = { quiet: false, format: 'text', debug: [], dryRun: false, args: [] };
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
      }
      else if (a === '-l') {
        opts.list = true;
        if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) opts.listPattern = argv[++i];
      }
      else if (a === '-q') opts.quiet = true;
      else if (a === '-o') opts.output = value();
      else if (a === '-c') opts.command = value();
      else if (a === '--unsafe') opts.unsafe = true;
      else if (a === '-B') {
        const b = value();
        if (b !== 'none' && b !== 'line' && b !== 'full') throw new UsageError(`unknown buffering mode ${b}: use -B none, line or full`);
        opts.buffering = b;
      } else if (a === '-f') {
        const f = value();
        if (f !== 'text' && f !== 'json') throw new UsageError(`unknown output format ${f}: use -f text or -f json`);
        opts.format = f;
      }
      else if (a === '-d') opts.debug.push(value());
      else if (a === '--dry-run') opts.dryRun = true;
      else if (a === '-h' || a === '--help') return { ok: false, exit: 0, out: usage };
      else if (a === '-V' || a === '--version') return { ok: false, exit: 0, out: `scry v${VERSION}\n` };
      else if (a === '--') {
        opts.args.push(...argv.slice(i + 1));
        break;
      } else if (a.startsWith('-') && a !== '-') return { ok: false, exit: 1, message: `unknown option ${a}\n\n${usage}` };
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

function fail(diags: readonly Diagnostic[]): number {
  process.stderr.write(renderDiagnostics(diags));
  return 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    if (parsed.out) process.stdout.write(parsed.out);
    if (parsed.message) process.stderr.write(`ERROR: ${parsed.message}\n`);
    return parsed.exit;
  }
  const { opts } = parsed;
  if (opts.list) {
    const names = listProbes(opts.listPattern ?? opts.program);
    process.stdout.write(names.length ? `${names.join('\n')}\n` : '');
    return 0;
  }
  let text: string;
  let name: string;
  if (opts.program !== undefined) {
    text = opts.program;
    name = 'stdin';
  } else if (opts.file !== undefined) {
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      process.stderr.write(`ERROR: cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
    name = opts.file;
  } else {
    process.stderr.write(`ERROR: no program given (the REPL is not available yet)\n\n${usage}`);
    return 1;
  }

  const file = sourceFile(name, text);
  const parsedProgram = parse(file);
  if (!parsedProgram.program || parsedProgram.diagnostics.some((d) => d.severity === 'error')) return fail(parsedProgram.diagnostics);
  if (opts.debug.includes('ast')) process.stdout.write(JSON.stringify(parsedProgram.program, (k, v) => (k === 'file' ? undefined : typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  const checked = check(parsedProgram.program, hostKernelInfo(), { params: opts.args, hasChild: opts.command !== undefined, unsafe: opts.unsafe });
  if (!checked.program) return fail(checked.diagnostics);
  if (opts.pid !== undefined && !processExists(opts.pid)) {
    process.stderr.write(`ERROR: no process with PID ${opts.pid}\n`);
    return 1;
  }
  const compiled = compile(checked.program, { pid: opts.pid });
  if (!compiled.program) return fail(compiled.diagnostics);
  if (opts.debug.includes('bytecode')) printBytecode(compiled.program);
  if (opts.dryRun) return 0;
  return run(compiled.program, opts);
}

function printBytecode(p: CompiledProgram): void {
  for (const prog of p.programs) process.stdout.write(`${prog.attach.text}:\n${disasmListing(prog.bytecode, prog.sourceMap, prog.relocations)}\n`);
}

async function run(compiled: CompiledProgram, opts: CliOptions): Promise<number> {
  let writer: Writer;
  try {
    writer = openWriter({ file: opts.output, mode: opts.buffering });
  } catch (e) {
    process.stderr.write(`ERROR: cannot open ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }
  let child: HeldChild | undefined;
  if (opts.command !== undefined) {
    const c = spawnHeld(opts.command);
    if ('error' in c) {
      writer.close();
      process.stderr.write(`ERROR: ${c.error}\n`);
      return 1;
    }
    child = c;
  }
  let session: Session;
  try {
    const sink = notifyingAttached((opts.format === 'json' ? jsonSink : textSink)(writer, { quiet: opts.quiet }));
    session = Session.start(compiled, { sink, cpid: child?.pid });
  } catch (e) {
    child?.kill();
    writer.close();
    if (e instanceof ScryRuntimeError) return fail([error(e.message, e.span, e.hints)]);
    throw e;
  }
  if (child) {
    void child.exited.then(() => session.stop());
    child.release();
  }
  const stop = () => void session.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await session.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    writer.close();
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
