// The front end's public face: source text → checked program, or diagnostics.
export { sourceFile, lineCol, type SourceFile, type Span } from './source.ts';
export {
  renderCallMessage,
  renderDiagnostic,
  renderDiagnostics,
  hasErrors,
  error,
  spanLocation,
  type Diagnostic,
} from './diagnostics.ts';
export { parse } from './parse.ts';
export { parseKept, type TextStore } from './kept-parse.ts';
export { resolveImports, type ImportFiles, type ImportStat, type ImportStatement } from './imports.ts';
export { expandScriptMacros } from './script-macros.ts';
export {
  check,
  DEFAULT_MAX_STRLEN,
  type CheckedProgram,
  type CheckedProbe,
  type CheckOptions,
  type ResolvedAttach,
} from './check/index.ts';
export type { KernelInfo, TracepointFormat, TracepointField, UserFunctionTypes } from './kernel.ts';
export type { Program } from './ast.ts';
export { editDistance, closest } from './suggest.ts';
export { builtinFunctions, builtinVars } from './builtins/index.ts';
export { lookupProvider, providers } from './providers.ts';
export { timerPeriodNs } from './providers/timer.ts';
export { isUprobeAddress } from './providers/uprobe.ts';
export { SIGNALS as selfSignals } from './providers/self.ts';
export type { BtfTypes } from './btf.ts';
export { applyBracket, lex, type Open } from './lexer.ts';
export * as tokens from './tokens.ts';
export { PT_REGS_OFFSETS } from './builtins/index.ts';
export { probeTypeName } from './providers.ts';
export type { ArgField, ForMapInfo, InferResult, MapInfo, MemoryAccess, PrintfInfo } from './check/index.ts';
export type { AddressSpace, BufferView, IntView, MapValue, StackView, Type } from './types.ts';
export type {
  BtfEnumValue,
  BtfFunc,
  BtfKind,
  BtfLinkage,
  BtfMember,
  BtfMemberHit,
  BtfParam,
  BtfRawTracepoint,
  BtfType,
  BtfVarSecinfo,
} from './btf.ts';
export type {
  BpfProgramFunction,
  KernelFunction,
  UsdtArgument,
  UsdtSite,
  UserProbeError,
  UserProbeSite,
} from './kernel.ts';
export { INIT_PID_NS_INO, type PidNamespace } from './kernel.ts';
export type { FormatPiece, FormatSpec } from './format-string.ts';
export { globRegExp, isGlob, plainPart } from './glob.ts';
export { kprobeStandInHints } from './kprobe-hints.ts';
export { hardwareEvents, softwareEvents } from './check/perf-events.ts';
export {
  probeContext,
  providerRow,
  providersReading,
  type ContextReads,
  type ProbeContext,
  type ProviderName,
  type ResolvedOf,
} from './providers.ts';
export type {
  AssignStmt,
  BinaryExpr,
  BinaryOp,
  Block,
  CallExpr,
  Expr,
  FieldExpr,
  ForMapStmt,
  IdentExpr,
  IncDecExpr,
  IndexExpr,
  MapExpr,
  Node,
  Probe,
  Stmt,
} from './ast.ts';
export { lineText } from './source.ts';
export { bytesText, hasEscapedBytes, textByteLength, textBytes } from './byte-text.ts';
export { walk } from './walk.ts';
export { BUILTINS, type BuiltinRow, type FunctionSpec, type VariableSpec } from './builtins/index.ts';
export { BUILD_ID_FRAME_SIZE, MAX_STACK_FRAMES, elementOrder, sizeOf, stackViewOf } from './types.ts';
export { deepest, isStackOverflow } from './walk.ts';
export { scriptC, type ScriptC, type ScriptCOptions } from './c/script-c.ts';
export type { IncludeFound, IncludeMissing, IncludeResolver } from './c/preprocess.ts';
export { declaration, definition, typeName } from './btf-print.ts';
export { cDefinition, cHeader, type CHeader, type CHeaderOptions } from './btf-c.ts';
export { namedParamDecls, resolveNamedParams, type NamedParamProblem } from './builtins/params.ts';
