// --aot FILE (bpftrace v0.26's ahead-of-time programs): the compiled program, which is plain data
// (compiler/program.ts), is written into an executable script that hands it back to this scry to run, so a
// run skips parsing, checking and compiling. The executable takes what bpftrace's AOT binaries take: -q,
// -f text|json, -o FILE, -v, -h, -V, and named parameters after `--` (--name=value, --name), which getopt()
// reads at run time (the program is compiled with CompileOptions.runtimeParams: the values are written to
// PARAMS_MAP when it loads). Positional parameters are fixed when scry compiles, so a program that reads
// them is refused at --aot time, and the executable refuses them (bpftrace's AOT binaries take none either).
import { stderr, stdout } from './stdio.ts';
import {
  closeSync,
  constants,
  fchmodSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { CompiledProgram, CompileSourceResult } from '../compiler/index.ts';
import {
  DEFAULT_MAX_STRLEN,
  error,
  namedParamDecls,
  renderDiagnostics,
  resolveNamedParams,
  sourceFile,
  textBytes,
  walk,
  type NamedParamProblem,
  type Program,
  type SourceFile,
} from '../lang/index.ts';
import { parseArgs, VERSION, type CliOptions } from './cli-args.ts';

/** The first argument an AOT executable passes to scry, then its own path, then the arguments it was given. */
export const AOT_RUN = '--aot-run';
const PAYLOAD_MARK = '// scry-aot-payload ';
const FORMAT = 1;

type ParamDecl = ReturnType<typeof namedParamDecls>[number];

interface Payload {
  readonly format: number;
  readonly version: string;
  readonly program: CompiledProgram;
  readonly params: readonly ParamDecl[];
}

/**
 * What the AOT compile must do before compiling: refuse positional parameters, and give each string getopt()
 * the room it will have at run time (its type is sized by the value the check sees: a placeholder that long).
 */
export function aotPrecheck(
  ast: Program,
  maxStrlen: number,
): { error: string; hints: string[] } | { namedArgs: Map<string, string> } {
  let positional = false;
  walk(ast, (n) => {
    if ((n as { kind?: string }).kind === 'positional') positional = true;
  });
  if (positional || ast.probes.some((p) => p.attachPoints.some((a) => /\$(\d+|#)/.test(a.raw))))
    return {
      error: 'an --aot program cannot read positional parameters ($1, $#): scry fixes them when it compiles',
      hints: ['use a named parameter instead, getopt("name", default), and run the program with -- --name=value'],
    };
  const namedArgs = new Map<string, string>();
  for (const d of namedParamDecls(ast))
    if (typeof d.value === 'string') namedArgs.set(d.name, d.value.padEnd(Math.max(maxStrlen - 1, 0), ' '));
  return { namedArgs };
}

/**
 * --aot FILE: `ast` (the program as checked and compiled once, without errors) compiled again with getopt()
 * read at run time, then written out. `recompile` is the CLI's compileSource with its options.
 */
export function compileAot(
  file: string,
  ast: Program,
  recompile: (namedArgs: Map<string, string>) => CompileSourceResult,
): number {
  const max = Number(process.env['BPFTRACE_MAX_STRLEN'] ?? DEFAULT_MAX_STRLEN);
  const pre = aotPrecheck(ast, Number.isSafeInteger(max) && max > 1 ? max : DEFAULT_MAX_STRLEN);
  if ('error' in pre) {
    stderr.write(renderDiagnostics([error(pre.error, undefined, pre.hints)]));
    return 1;
  }
  const result = recompile(pre.namedArgs);
  if (!result.program) {
    stderr.write(renderDiagnostics(result.diagnostics));
    return 1;
  }
  return writeAot(file, result.program, ast);
}

/** Writes `file`: mode 0755, through a new temporary file in its directory (no symlink followed) and a rename. */
export function writeAot(file: string, program: CompiledProgram, ast: Program): number {
  let launcher: string;
  try {
    launcher = realpathSync(process.argv[1] ?? '');
  } catch {
    stderr.write(`ERROR: --aot: cannot find scry's own launcher (${process.argv[1]})\n`);
    return 1;
  }
  const payload: Payload = { format: FORMAT, version: VERSION, program, params: namedParamDecls(ast) };
  const text = [
    '#!/usr/bin/env node',
    `// An ahead-of-time compiled scry program (scry v${VERSION}): the scry below runs it without compiling.`,
    '// Options: -q, -f text|json, -o FILE, -v, -h, -V; getopt() values after --: -- --name=value',
    "'use strict';",
    `process.argv.splice(2, 0, ${JSON.stringify(AOT_RUN)}, __filename);`,
    `require(${JSON.stringify(launcher)});`,
    PAYLOAD_MARK + Buffer.from(serialize(payload)).toString('base64'),
    '',
  ].join('\n');
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o700);
    writeSync(fd, text);
    fchmodSync(fd, 0o755); // not the umask's
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    stderr.write(`ERROR: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }
  return 0;
}

const aotUsage = (self: string) => `USAGE: ${self} [options] [-- --name=value …]

OPTIONS:
    -f FORMAT      output format ('text', 'json')
    -o file        write the program's output to file
    -q             keep messages quiet
    -v             verbose messages
    -h, --help     show this help message
    -V, --version  the version of scry that runs it
`;

/**
 * An AOT executable's run: its arguments read as bpftrace's AOT binaries read theirs, its program read back,
 * getopt() values put in place. Either a program and options to run, or an exit code (after printing why).
 */
export function aotRun(argv: readonly string[]): { exit: number } | { program: CompiledProgram; opts: CliOptions } {
  const [self = 'aot', ...args] = argv;
  const fail = (message: string, hints: string[] = []): { exit: number } => {
    stderr.write(`ERROR: ${message}\n${hints.map((h) => `HINT: ${h}\n`).join('')}`);
    return { exit: 1 };
  };
  const scryArgs: string[] = [];
  const named: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      stdout.write(aotUsage(self));
      return { exit: 0 };
    }
    if (a === '-V' || a === '--version') {
      stdout.write(`scry v${VERSION}\n`);
      return { exit: 0 };
    }
    if (a === '-q' || a === '-v') scryArgs.push(a);
    else if (a === '-f' || a === '-o') {
      const v = args[++i];
      if (v === undefined) return fail(`option ${a} needs a value`);
      scryArgs.push(a, v);
    } else if (a === '--') {
      for (const w of args.slice(i + 1)) {
        if (!w.startsWith('--')) return fail('an --aot program takes no positional parameters', [`got '${w}'`]);
        named.push(w);
      }
      break;
    } else if (a.startsWith('--') && a.length > 2) named.push(a);
    else if (a.startsWith('-')) return fail(`unknown option ${a}`, [`${self} -h lists the options`]);
    else return fail('an --aot program takes no positional parameters', [`got '${a}'`]);
  }
  let payload: Payload;
  try {
    const line = readFileSync(self, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(PAYLOAD_MARK));
    if (!line) return fail(`${self} holds no scry program`);
    payload = deserialize(Buffer.from(line.slice(PAYLOAD_MARK.length), 'base64').toString('utf8')) as Payload;
  } catch (e) {
    return fail(`cannot read the program in ${self}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (payload.format !== FORMAT || payload.version !== VERSION)
    return fail(`${self} was written by scry v${payload.version}; this is scry v${VERSION}`, [
      'write it again with this scry: scry --aot FILE …',
    ]);
  // the run's options as scry's own command line would have them (the program itself is not compiled again)
  const parsed = parseArgs([...scryArgs, '-e', '', '--', ...named]);
  if (!parsed.ok) return fail(parsed.message ?? 'bad arguments', parsed.hints);
  const values = resolveNamedParams(payload.params, parsed.opts.namedArgs);
  if ('problem' in values) return { exit: namedProblem(values.problem) };
  return { program: withParams(payload.program, values.values), opts: parsed.opts };
}

function namedProblem(p: NamedParamProblem): number {
  const hints = p.hints.map((h) => `HINT: ${h}\n`).join('');
  stderr.write(p.message ? `ERROR: ${p.message}\n${hints}` : hints);
  return 1;
}

/** The program with PARAMS_MAP's value made from the named parameters' values. */
function withParams(program: CompiledProgram, values: ReadonlyMap<string, bigint | string | boolean>): CompiledProgram {
  if (!program.params?.length) return program;
  const size = program.params.reduce((n, p) => Math.max(n, p.offset + p.size), 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (const p of program.params) {
    const v = values.get(p.name);
    if (typeof v === 'string') bytes.set(textBytes(v).subarray(0, p.size - 1), p.offset);
    else if (typeof v === 'boolean') view.setBigUint64(p.offset, v ? 1n : 0n, true);
    else if (typeof v === 'bigint') view.setBigUint64(p.offset, BigInt.asUintN(64, v), true);
  }
  return {
    ...program,
    maps: program.maps.map((m) => (m.name === 'params' ? { ...m, initial: bytes } : m)),
  };
}

// ---- the program as JSON: bigints, byte arrays, Maps and Sets tagged; source files kept once, by index ----

function isSourceFile(v: object): v is SourceFile {
  const f = v as Partial<SourceFile>;
  return typeof f.name === 'string' && typeof f.text === 'string' && Array.isArray(f.lineStarts);
}

export function serialize(value: unknown): string {
  const files: SourceFile[] = [];
  const body = JSON.stringify(value, function (this: unknown, _k, v: unknown) {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (typeof v === 'function') throw new Error('a function in a compiled program');
    if (v instanceof Uint8Array)
      return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (v instanceof Map) return { $map: [...v.entries()] };
    if (v instanceof Set) return { $set: [...v.values()] };
    if (v && typeof v === 'object' && !Array.isArray(v) && isSourceFile(v)) {
      let i = files.indexOf(v);
      if (i < 0) i = files.push(v) - 1;
      return { $file: i };
    }
    return v;
  });
  return JSON.stringify({ files: files.map((f) => ({ name: f.name, text: f.text })), body });
}

export function deserialize(text: string): unknown {
  const { files, body } = JSON.parse(text) as { files: { name: string; text: string }[]; body: string };
  const made = files.map((f) => sourceFile(f.name, f.text));
  return JSON.parse(body, (_k, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length !== 1) return v;
    if ('$bigint' in o) return BigInt(o.$bigint as string);
    if ('$bytes' in o) return new Uint8Array(Buffer.from(o.$bytes as string, 'base64'));
    if ('$map' in o) return new Map(o.$map as [unknown, unknown][]);
    if ('$set' in o) return new Set(o.$set as unknown[]);
    if ('$file' in o) return made[o.$file as number];
    return v;
  });
}
