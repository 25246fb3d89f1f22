// The front end's public face: source text → checked program, or diagnostics.
export { sourceFile, lineCol, type SourceFile, type Span } from './source.ts';
export { renderDiagnostic, renderDiagnostics, hasErrors, error, spanLocation, type Diagnostic } from './diagnostics.ts';
export { parse } from './parse.ts';
export { check, type CheckedProgram, type CheckedProbe, type CheckOptions, type ResolvedAttach } from './check/index.ts';
export type { KernelInfo, TracepointFormat, TracepointField } from './kernel.ts';
export type { Program } from './ast.ts';
export { editDistance, closest } from './suggest.ts';
export { builtinFunctions, builtinVars } from './builtins.ts';
export { lookupProvider, providers } from './providers.ts';
export type { BtfTypes } from './btf.ts';
export { applyBracket, lex, type Open } from './lexer.ts';
export * as tokens from './tokens.ts';
export { PT_REGS_OFFSETS } from './check/data-functions.ts';
export type { ArgField, ForMapInfo, InferResult, MapInfo, MemoryAccess, PrintfInfo } from './check/index.ts';
export { probeContext, providerRow, providersReading, type ContextReads, type ProbeContext, type ProviderName, type ResolvedOf } from './providers.ts';
