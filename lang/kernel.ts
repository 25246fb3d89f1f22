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

import type { BtfParam, BtfType, BtfTypes } from './btf.ts';

/**
 * A user function's parameters typed from its binary's DWARF (uprobe `args`): the types as BTF rows with ids from 1
 * (`types[id - 1]`; 0 is void), which the checker places after the kernel's and the script's.
 */
export interface UserFunctionTypes {
  /** absent when the DWARF does not describe the function (only types named were found) */
  readonly params?: readonly BtfParam[];
  readonly types: readonly BtfType[];
  /** the prototype ends with `...` */
  readonly variadic: boolean;
  /** what the DWARF lacked, told as they are (v0.26's "Unable to find split debug file …") */
  readonly warnings?: readonly string[];
}

/** Where a uprobe goes: the ELF file and the file offset the kernel wants, and the virtual address. */
export interface UserProbeSite {
  readonly path: string;
  /** the file as the script wrote it (or as its wildcard expanded): what `probe` and -l show */
  readonly shown?: string;
  readonly offset: bigint;
  readonly vaddr: bigint;
  /** the function's name ('' for an address) */
  readonly func: string;
  /**
   * what --unsafe let through unchecked (an address no function contains, a flat binary, an offset inside an
   * instruction or one scry could not check), for a warning
   */
  readonly unchecked?: string;
}

/** A register slot of x86-64 struct pt_regs (byte offset). */
export type UsdtOperand =
  | { readonly kind: 'reg'; readonly reg: number }
  | {
      readonly kind: 'mem';
      readonly base?: number;
      readonly offset: bigint;
      readonly index?: number;
      readonly scale?: number;
    }
  | { readonly kind: 'imm'; readonly value: bigint };

export interface UsdtArgument {
  readonly size: number;
  readonly signed: boolean;
  readonly operand: UsdtOperand;
  readonly text: string;
}

/** A USDT probe: its site, its semaphore's file offset (the uprobe ref_ctr_offset), its arguments. */
export interface UsdtSite {
  readonly path: string;
  /** the file as the script wrote it (or as its wildcard expanded): what `probe` and -l show */
  readonly shown?: string;
  readonly provider: string;
  readonly name: string;
  readonly offset: bigint;
  readonly semaphoreOffset?: bigint;
  /** undefined when the note's argument text could not be read (argsError says why) */
  readonly args?: readonly UsdtArgument[];
  readonly argsError?: string;
}

/** What the runtime says when a user-space target cannot be used: a message and hints, like a diagnostic. */
export interface UserProbeError {
  readonly error: string;
  readonly hints?: readonly string[];
  /** the file has no such function or probe (bpftrace's missing_probes decides), rather than a failure */
  readonly missing?: true;
}

export interface KernelInfo {
  readonly arch: 'x86_64' | 'arm64';
  /** All tracepoints as group:event, for wildcard expansion and "did you mean". */
  tracepoints(): readonly { readonly group: string; readonly event: string }[];
  tracepointFormat(group: string, event: string): TracepointFormat | undefined;
  /** Functions for kprobe wildcards and "did you mean" (empty when the kernel does not say). */
  kernelFunctions(): readonly KernelFunction[];
  /**
   * The kernelFunctions() whose line in the kernel's list has `literal` in it (every function whose name does, and
   * perhaps others: the caller matches names), found without making the whole list (~60k functions, ~50-90 ms
   * and ~20 MB on a distribution kernel); undefined when the kernel does not say. Absent: kernelFunctions() is asked.
   */
  kernelFunctionsWith?(literal: string): readonly KernelFunction[] | undefined;
  /** Whether kprobes can attach at all (false: built without CONFIG_KPROBES); absent means they can. */
  kprobesAttach?(): boolean;
  /** Kernel types (vmlinux BTF), read on first use; undefined when the kernel has none. */
  btf(): BtfTypes | undefined;
  /** Whether btf() has been read already, so asking it something costs nothing more; absent means it has. */
  btfRead?(): boolean;
  /**
   * task_struct's comm offset as the kernel relocates it itself, without btf() (~15-30 ms to read), where
   * bpf_get_current_task_btf exists too; undefined where either is missing (then btf() answers, if read already).
   */
  taskCommOffset?(): number | undefined;
  /**
   * The BTF that defines a kernel function: vmlinux's, or a module's (split BTF: vmlinux's types plus the
   * module's, ids continuing after vmlinux's). `module` limits the search to one module.
   */
  functionBtf(name: string, module?: string): { readonly module: string; readonly btf: BtfTypes } | undefined;
  /** A module's split BTF (vmlinux's types plus its own), if the kernel has BTF for it. */
  moduleBtf(module: string): BtfTypes | undefined;
  /**
   * fentry:bpf: the functions of the BPF programs loaded now that have BTF (a program and its subprograms), each
   * with its program's id; absent where the runtime cannot enumerate programs.
   */
  bpfProgramFunctions?(): readonly BpfProgramFunction[];
  /**
   * kfunc_allowed(), comm(pid): whether the program of an attach point (a ResolvedAttach) may call the kernel
   * function `kfunc`, which the kernel allows per program type; absent: the provider's `kfuncs` answers
   */
  kfuncAllowed?(kfunc: string, probe: { readonly provider: string }): boolean;
  /**
   * uprobe targets: `where` is a function name (wildcards allowed) or an address; the target is a path or a
   * program/library name resolved as ld.so would (through /proc/PID/maps first with -p).
   */
  userProbeSites(
    target: string,
    where: string,
    pid?: number,
    unsafe?: boolean,
  ): readonly UserProbeSite[] | UserProbeError;
  /**
   * uprobe:BIN@FILE:LINE[:COL] (bpftrace v0.26): where the code of a source line starts in the target, from the
   * line table of its DWARF (or its debug file's); the site's `func` is the function holding it ('' if none
   * does). `column` 0 is any column. Absent: no DWARF can be read.
   */
  userSourceLineSite?(
    target: string,
    file: string,
    line: number,
    column: number,
    pid?: number,
    unsafe?: boolean,
  ): UserProbeSite | UserProbeError;
  /**
   * A function's parameters, typed from the DWARF of the file `path` (a uprobe site's path) or of its debug file,
   * and the types named in `typeNames` ('struct Foo', 'union U', 'enum E', a typedef's name) that it defines;
   * undefined when neither has DWARF describing any of them. Absent: no DWARF can be read.
   */
  userFunctionTypes?(
    path: string,
    func: string | undefined,
    typeNames?: readonly string[],
  ): UserFunctionTypes | undefined;
  /** usdt targets: probes named `[provider:]name` (wildcards allowed). */
  usdtSites(
    target: string,
    provider: string | undefined,
    name: string,
    pid?: number,
  ): readonly UsdtSite[] | UserProbeError;
  /**
   * uaddr(name): a symbol of a user-space file (a function or data), its size in bytes, and whether the file
   * is loaded at an address chosen when it runs (PIE executables and shared libraries).
   */
  userSymbol?(
    target: string,
    name: string,
    pid?: number,
  ): { readonly vaddr: bigint; readonly size: number; readonly relocatable: boolean } | UserProbeError;
  /** kaddr(name): the address of a kernel symbol (/proc/kallsyms), if there is one. */
  kernelSymbolAddress(name: string): bigint | undefined;
  /** cgroupid(path): the id (inode number) of a cgroup v2 directory, if it exists. */
  cgroupId(path: string): bigint | undefined;
  /** The pid namespace the tracer runs in (device and inode of /proc/self/ns/pid): pid and tid count in it. */
  pidNamespace?(): PidNamespace | undefined;
}

/** A function of a loaded BPF program, by its FUNC in the program's own BTF object. */
export interface BpfProgramFunction {
  readonly progId: number;
  readonly name: string;
  /** the FUNC's type id in the program's BTF: attach_btf_id for a program loaded against it */
  readonly btfId: number;
}

export interface PidNamespace {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** The initial pid namespace's inode number (PROC_PID_INIT_INO): there, pid(curr_ns) is pid(init). */
export const INIT_PID_NS_INO = 0xeffffffcn;
