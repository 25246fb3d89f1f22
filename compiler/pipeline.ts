// The one path from source text to a compiled program: parse, check, compile, with every diagnostic of every
// stage (warnings too) handed back in source order. The CLI, the REPL and the tests all go through it.
import {
  check,
  parse,
  sourceFile,
  type CheckOptions,
  type Diagnostic,
  type KernelInfo,
  type Program,
} from '../lang/index.ts';
import { compile, type CompileOptions } from './compile.ts';
import type { CompiledProgram } from './program.ts';

export interface CompileSourceOptions extends CheckOptions, CompileOptions {
  /** the file name diagnostics show ('stdin' for -e and the REPL) */
  readonly name?: string;
}

export interface CompileSourceResult {
  /** present when there was no error (warnings may still be in `diagnostics`) */
  readonly program?: CompiledProgram;
  /** the parsed program, when it parsed (-d ast prints it) */
  readonly ast?: Program;
  readonly diagnostics: readonly Diagnostic[];
}

export function compileSource(
  text: string,
  kernel: KernelInfo,
  options: CompileSourceOptions = {},
): CompileSourceResult {
  const parsed = parse(sourceFile(options.name ?? 'stdin', text));
  if (!parsed.program || parsed.diagnostics.some((d) => d.severity === 'error'))
    return { diagnostics: parsed.diagnostics };
  const checked = check(parsed.program, kernel, options);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  if (!checked.program) return { ast: parsed.program, diagnostics };
  const compiled = compile(checked.program, options);
  return {
    ast: parsed.program,
    diagnostics: [...diagnostics, ...compiled.diagnostics],
    ...(compiled.program ? { program: compiled.program } : {}),
  };
}
