// KernelInfo for the checker, read lazily from tracefs (and, later, BTF).
import type { KernelInfo } from '../../lang/kernel.ts';
import { listTracepoints, tracepointFormat } from './tracefs.ts';

export function hostKernelInfo(): KernelInfo {
  return {
    arch: process.arch === 'arm64' ? 'arm64' : 'x86_64',
    tracepoints: () => listTracepoints(),
    tracepointFormat: (group, event) => tracepointFormat(group, event),
  };
}
