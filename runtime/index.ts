// The runtime's public face.
export { Session, type SessionOptions } from './session.ts';
export type { OutputSink, TraceEvent } from './events.ts';
export type { MapEntry, MapSnapshot, Value } from './maps.ts';
export { ScryRuntimeError } from './errors.ts';
export { hostKernelInfo } from './kernel/kernel-info.ts';
export { listProbes, probeListing, probeNames, providerSummary } from './listing.ts';
export { hasKprobeEvents, hasKprobePmu } from './features.ts';
export { tracefsRoot } from './kernel/tracefs.ts';
export { vmlinuxBtf } from './kernel/btf/index.ts';
export { listUprobeFunctions, openTarget } from './kernel/elf/index.ts';
export { hasControlChars, printable } from './printable.ts';
export { appendOwnFile, closeDir, openDir, readOwnFile, replaceOwnFile, type OpenDir } from './safe-files.ts';
export { noteInheritedDescriptors, startHeld, watchProcessExit, type HeldCommand } from './process.ts';
export { PrivilegeError, requirePrivileges } from './privileges.ts';
export { kernelInfoText } from './info.ts';
export { native } from './sys/index.ts';
export { sameValue } from './maps.ts';
export { includeResolver } from './include-files.ts';
