// The one path from source text to a compiled program: parse, check, compile, with every diagnostic of every
// stage (warnings too) handed back in source order. The CLI, the REPL and the tests all go through it.
import {
  check,
  expandScriptMacros,
  parse,
  parseKept,
  type TextStore,
  resolveImports,
  type ImportFiles,
  scriptC,
  sourceFile,
  type IncludeResolver,
  type CheckOptions,
  type Diagnostic,
  type KernelInfo,
  type Program,
  namedParamDecls,
  resolveNamedParams,
  type NamedParamProblem,
} from '../lang/index.ts';
import { compile, type CompileOptions } from './compile.ts';
import type { CompiledProgram } from './program.ts';

export interface CompileSourceOptions extends CheckOptions, CompileOptions {
  /** the file name diagnostics show ('stdin' for -e and the REPL) */
  readonly name?: string;
  /** `--include FILE`, included before the script's C part */
  readonly includeFiles?: readonly string[];
  /** finds #include'd headers (the CLI's reads -I directories and the system ones); none: every #include fails */
  readonly resolveInclude?: IncludeResolver;
  /** reads `import "path";` files (the CLI's reads the file system); none: every import fails */
  readonly importFiles?: ImportFiles;
  /** named parameters given after the program (`-- --name=value`; a bare `--name` is true), read by getopt() */
  readonly namedArgs?: ReadonlyMap<string, string | true>;
  /** parses kept between runs (the CLI's: runtime/kept-texts.ts): a script's text parsed before is not parsed again */
  readonly parseStore?: TextStore;
  /** told as each stage ends ('parse', 'check', 'compile'): --timings marks the time there */
  readonly onStage?: (stage: string) => void;
}

export interface CompileSourceResult {
  /** present when there was no error (warnings may still be in `diagnostics`) */
  readonly program?: CompiledProgram;
  /** the parsed program, when it parsed (-d ast prints it) */
  readonly ast?: Program;
  readonly diagnostics: readonly Diagnostic[];
  /** the named parameters given do not fit the program's getopt()s, or --help asked for them: nothing was checked */
  readonly namedParamProblem?: NamedParamProblem;
}

export function compileSource(
  text: string,
  kernel: KernelInfo,
  options: CompileSourceOptions = {},
): CompileSourceResult {
  const file = sourceFile(options.name ?? 'stdin', text);
  const parsedRoot = parseKept(file, options.parseStore, parse);
  options.onStage?.('parse');
  // the text ends inside something unfinished (an open struct body, block or bracket): that alone is said
  if (parsedRoot.diagnostics.some((d) => d.incomplete)) return { diagnostics: parsedRoot.diagnostics };
  // imported scripts' probes, macros and map declarations join the program; imported headers its C part
  const imported = parsedRoot.program
    ? resolveImports(file, parsedRoot.program, parsedRoot.imports, options.importFiles)
    : undefined;
  const parsed = imported
    ? { ...parsedRoot, program: imported.program, diagnostics: [...parsedRoot.diagnostics, ...imported.diagnostics] }
    : parsedRoot;
  const includeFiles = imported?.headers.length
    ? [...(options.includeFiles ?? []), ...imported.headers]
    : options.includeFiles;
  // the C part (struct definitions, #include, #define) first: its types and macros are the probes'
  const c = scriptC(file, parsed.definitionsEnd, {
    arch: kernel.arch,
    base: parsed.definitionsEnd > 0 || includeFiles?.length ? kernel.btf() : undefined,
    ...(includeFiles ? { includeFiles } : {}),
    ...(options.resolveInclude ? { resolveInclude: options.resolveInclude } : {}),
  });
  const parsedFront = [...c.diagnostics, ...parsed.diagnostics];
  if (!parsed.program || parsedFront.some((d) => d.severity === 'error')) return { diagnostics: parsedFront };
  // script macros (`macro f(…) { … }` and the standard library's) are expanded before anything is checked
  const expanded = expandScriptMacros(parsed.program);
  const front = [...parsedFront, ...expanded.diagnostics];
  if (front.some((d) => d.severity === 'error')) return { ast: parsed.program, diagnostics: front };
  const ast = expanded.program;
  const declared: Diagnostic[] = [];
  const decls = namedParamDecls(ast, declared);
  if (declared.length) return { ast, diagnostics: [...front, ...declared] };
  const named = resolveNamedParams(decls, options.namedArgs ?? new Map());
  if ('problem' in named) return { ast, diagnostics: front, namedParamProblem: named.problem };
  options.onStage?.('macros, parameters');
  const checked = check(ast, kernel, { ...options, c, namedParams: named.values });
  options.onStage?.('check');
  const diagnostics = [...front, ...checked.diagnostics];
  if (!checked.program) return { ast, diagnostics };
  // bpftrace's test hook BPFTRACE_DUMMY_TS_MAP=@ts: tseries() reads its time from @ts (CompileOptions.tseriesClockMap)
  const clock = options.settings?.BPFTRACE_DUMMY_TS_MAP;
  const compiled = compile(checked.program, clock ? { ...options, tseriesClockMap: clock } : options);
  options.onStage?.('compile');
  return {
    ast,
    diagnostics: [...diagnostics, ...compiled.diagnostics],
    ...(compiled.program ? { program: compiled.program } : {}),
  };
}
