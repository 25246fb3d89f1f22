// The front end's public face: source text → checked program, or diagnostics.
export { sourceFile, lineCol, type SourceFile, type Span } from './source.ts';
export { renderDiagnostic, renderDiagnostics, hasErrors, error, type Diagnostic } from './diagnostics.ts';
export { parse } from './parse.ts';
export { check, type CheckedProgram, type CheckedProbe, type CheckOptions, type ResolvedAttach } from './check/index.ts';
export type { KernelInfo, TracepointFormat, TracepointField } from './kernel.ts';
export type { Program } from './ast.ts';
