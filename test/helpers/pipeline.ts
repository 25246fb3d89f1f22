// Source text → rendered diagnostics or a compiled program, for tests: the same compileSource the CLI and
// the REPL use, against a fixed kernel unless one is given.
import { compileSource, type CompiledProgram, type CompileSourceOptions } from '../../compiler/index.ts';
import { renderDiagnostics, type KernelInfo } from '../../lang/index.ts';
import { fixedKernel } from './fixed-kernel.ts';

/** Every diagnostic (errors and warnings) the program gets, rendered. */
export function diagnose(text: string, kernel: KernelInfo = fixedKernel): string {
  return renderDiagnostics(compileSource(text, kernel).diagnostics);
}

export function compileText(
  text: string,
  kernel: KernelInfo = fixedKernel,
  options: CompileSourceOptions = {},
): CompiledProgram {
  const out = compileSource(text, kernel, options);
  if (!out.program) throw new Error(renderDiagnostics(out.diagnostics));
  return out.program;
}

/** A compiled program (or anything holding one) as text to compare whole: bigints and byte arrays spelled out. */
export function programText(p: unknown): string {
  return JSON.stringify(p, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}
