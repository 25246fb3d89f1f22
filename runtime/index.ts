// The runtime's public face.
export { Session, type MapSource, type SessionOptions } from './session.ts';
export { benchmarkJson, benchmarkText, testJson, testText } from './session-bench.ts';
export type { BenchmarkResult, OutputSink, TestResult, TraceEvent } from './events.ts';
export { entryCount, type MapEntry, type MapSnapshot } from './maps.ts';
export type { CValue, Value } from './value.ts';
export type { RenderOptions } from './render-context.ts';
export { ScryRuntimeError } from './errors.ts';
export { hostKernelInfo } from './kernel/kernel-info.ts';
export { useTraceableFunctions } from './kernel/functions.ts';
export { listProbes, probeListing, probeNames, providerSummary } from './listing.ts';
export {
  hasAttachCookies,
  hasKprobeEvents,
  hasKprobePmu,
  hasLoopHelper,
  hasSignedDivision,
  OPTIONAL_FEATURES,
  padsCurrentComm,
  type OptionalFeature,
  relocatedTaskCommOffset,
  withoutFeature,
} from './features.ts';
export { tracefsRoot } from './kernel/tracefs.ts';
export { parseBtf, vmlinuxBtf } from './kernel/btf/index.ts';
export { parseFormat } from './kernel/tracefs.ts';
export { listUprobeFunctions, openTarget, useDebugInfoDirs } from './kernel/elf/index.ts';
export { hasControlChars, printable } from './printable.ts';
export { appendOwnFile, closeDir, openDir, readOwnFile, replaceOwnFile, type OpenDir } from './safe-files.ts';
export { nameThisProcess, noteInheritedDescriptors, startHeld, watchProcessExit, type HeldCommand } from './process.ts';
export { PrivilegeError, requirePrivileges } from './privileges.ts';
export { kernelInfoText } from './info.ts';
export { loadedNative, native } from './sys/index.ts';
export { sameValue } from './value.ts';
export { includeResolver } from './include-files.ts';
export { importFiles } from './import-files.ts';
export { mark, timingsText } from './timings.ts';
export { bundleKeptTexts, type KeptTexts } from './kept-texts.ts';
