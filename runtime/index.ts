// The runtime's public face.
export { Session, type SessionOptions } from './session.ts';
export type { OutputSink, TraceEvent } from './events.ts';
export type { MapEntry, MapSnapshot, Value } from './maps.ts';
export { ScryRuntimeError } from './errors.ts';
export { hostKernelInfo } from './kernel/kernel-info.ts';
export { listProbes } from './listing.ts';
export { noteInheritedDescriptors, startHeld, watchProcessExit, type HeldCommand } from './process.ts';
export { PrivilegeError, requirePrivileges } from './privileges.ts';
