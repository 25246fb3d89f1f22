export * from './attr.ts';
export * from './bpf.ts';
export * from './constants.ts';
export * from './errors.ts';
export * from './fd.ts';
export * from './io.ts';
export { loadedNative, native, type NativeBinding, type PtrFixup } from './native.ts';
export * from './perf.ts';
export * from './system.ts';
