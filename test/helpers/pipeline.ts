// Source text → rendered diagnostics or a compiled program, for tests.
import { compile, type CompiledProgram, type CompileOptions } from '../../compiler/index.ts';
import { check, parse, renderDiagnostics, sourceFile, type KernelInfo } from '../../lang/index.ts';
import { fixedKernel } from './fixed-kernel.ts';

export function diagnose(text: string, kernel: KernelInfo = fixedKernel): string {
  const file = sourceFile('stdin', text);
  const p = parse(file);
  if (!p.program || p.diagnostics.length) return renderDiagnostics(p.diagnostics);
  const c = check(p.program, kernel);
  if (!c.program) return renderDiagnostics(c.diagnostics);
  const out = compile(c.program);
  return renderDiagnostics(out.diagnostics);
}

export function compileText(text: string, kernel: KernelInfo = fixedKernel, options: CompileOptions = {}): CompiledProgram {
  const file = sourceFile('stdin', text);
  const p = parse(file);
  if (!p.program) throw new Error(renderDiagnostics(p.diagnostics));
  const c = check(p.program, kernel);
  if (!c.program) throw new Error(renderDiagnostics(c.diagnostics));
  const out = compile(c.program, options);
  if (!out.program) throw new Error(renderDiagnostics(out.diagnostics));
  return out.program;
}
