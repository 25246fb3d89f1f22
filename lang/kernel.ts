// What the checker may ask about the running kernel. The runtime implements it from tracefs and BTF;
// tests can hand the checker a fixed table. The checker never touches the file system itself.

export interface TracepointField {
  readonly name: string;
  readonly type: string; // as written in the format file, e.g. 'const char *', 'char[16]', '__data_loc char[]'
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  readonly common: boolean;
}

export interface TracepointFormat {
  readonly group: string;
  readonly event: string;
  readonly id: number;
  readonly fields: readonly TracepointField[];
}

/** A kernel function kprobes can attach to; `module` when it lives in a loadable module. */
export interface KernelFunction {
  readonly name: string;
  readonly module?: string;
}

import type { BtfTypes } from './btf.ts';

export interface KernelInfo {
  readonly arch: 'x86_64' | 'arm64';
  /** All tracepoints as group:event, for wildcard expansion and "did you mean". */
  tracepoints(): readonly { readonly group: string; readonly event: string }[];
  tracepointFormat(group: string, event: string): TracepointFormat | undefined;
  /** Functions for kprobe wildcards and "did you mean" (empty when the kernel does not say). */
  kernelFunctions(): readonly KernelFunction[];
  /** Kernel types (vmlinux BTF), read on first use; undefined when the kernel has none. */
  btf(): BtfTypes | undefined;
  /** kaddr(name): the address of a kernel symbol (/proc/kallsyms), if there is one. */
  kernelSymbolAddress(name: string): bigint | undefined;
  /** cgroupid(path): the id (inode number) of a cgroup v2 directory, if it exists. */
  cgroupId(path: string): bigint | undefined;
}
