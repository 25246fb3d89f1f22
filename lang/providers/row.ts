// What one probe type is to the language: its names and attach-point form, how an attach point of it
// resolves against the kernel, and what the context builtins (args, argN, retval, func, reg()…) read in it.
// The table of rows is lang/providers.ts; checker and code generator ask it, never switch on a provider.
import type { AttachPoint } from '../ast.ts';
import type { BtfParam } from '../btf.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import type { KernelInfo, TracepointFormat, UsdtSite } from '../kernel.ts';
import type { Span } from '../source.ts';
import type { AddressSpace } from '../types.ts';

/** Every resolved attach point: its provider, where it was written, and its canonical name (the `probe` builtin). */
export interface ResolvedBase {
  readonly span: Span;
  readonly text: string;
}

/** What the builtins that read the probe's context mean in every probe of a type (the same for each attach point). */
export interface ContextReads {
  /**
   * the memory a raw address in this probe points into, as bpftrace v0.26 decides: a user binary's probes read
   * user memory, the kernel's read kernel memory; absent ('none': BEGIN/END, timers, perf events, …), the
   * legacy probe_read helpers
   */
  readonly memory?: Exclude<AddressSpace, 'none'>;
  /** argN reads pt_regs' argument registers, the N-th u64 of the context, or the USDT site's argument spec */
  readonly argN?: 'pt_regs' | 'ctx' | 'usdt';
  /** retval reads pt_regs' return register, or the context's u64 after the parameters (fexit) */
  readonly retval?: 'pt_regs' | 'ctx';
  /**
   * `func` is the probed function: a kernel one from the saved instruction pointer (kprobes) or from
   * bpf_get_func_ip (a kretprobe's saved ip is in the caller; fentry/fexit have no registers), a user one by name
   * (uprobes: ProbeContext.funcName)
   */
  readonly func?: 'pt_regs' | 'func_ip' | 'name';
  /** the program's context is a struct pt_regs: reg() reads it */
  readonly ptRegs?: true;
  /** override() may replace the probed function's return value (bpf_override_return) */
  readonly override?: true;
  /** path() may call bpf_d_path (the kernel allows it in tracing programs on functions and in iterators) */
  readonly dPath?: true;
  /** the kernel's generic kfuncs (bpf_task_from_pid) may be called: tracing and XDP programs */
  readonly kfuncs?: true;
  /**
   * bpf_get_current_task_btf may be called (every tracing program type, not XDP): `comm == "literal"` reads the
   * name straight from the task_struct
   */
  readonly currentTask?: true;
  /**
   * the program runs in the task's own context with interrupts on (a syscall's entry or exit, a user-space probe,
   * BEGIN/END, an iterator's read): the kernel's allocation caches refill at once, even during one run
   */
  readonly taskContext?: true;
  /**
   * the task running is not one the event is about (BEGIN/END and self run in scry itself; a timer or counter
   * interrupts whatever runs; an iterator runs in its reader): signal() is refused there, as bpftrace v0.26 does
   */
  readonly foreignTask?: true;
}

/** What the context builtins read in one attach point: the type's ContextReads plus this point's data. */
export interface ProbeContext extends ContextReads {
  /** `probetype`: the probe type's name as bpftrace v0.26 prints it (BEGIN, END and self are `special`) */
  readonly probeType: string;
  /** args->name: the context's u64 slots, named and typed by these BTF parameters */
  readonly params?: readonly BtfParam[];
  /**
   * `params` are a user function's (typed from its DWARF), read from pt_regs' argument registers as argN reads
   * them: the n-th parameter is argN while every parameter up to it is an integer or a pointer
   */
  readonly paramRegs?: true;
  /** the slot each of `params` starts at, where one takes two (fentry/fexit: a 9-16 byte struct by value) */
  readonly paramSlots?: readonly number[];
  /** ctx->name reads `params` too (bpftrace calls an iterator's context ctx) */
  readonly ctxArgs?: true;
  /** args->name: the fields of this tracepoint's record */
  readonly tracepoint?: { readonly group: string; readonly event: string; readonly format?: TracepointFormat };
  /** argN: the USDT site whose argument specs say where each argument is */
  readonly usdt?: UsdtSite;
  /** retval from the context: its u64 slot and BTF type id */
  readonly retSlot?: number;
  readonly retType?: number;
  /** `func` where it is known when compiling: the user function the probe is on (uprobes), as a string */
  readonly funcName?: string;
  /** uaddr(): the binary the probe is in */
  readonly binary?: string;
  /** the kernel module whose BTF types this probe's arguments (vmlinux when absent) */
  readonly btfModule?: string;
  /**
   * a pinned iterator (iter:task:NAME): scry pins it and exits, and each read of this file runs it, so printf
   * writes into what the reader reads (bpf_seq_printf) and nothing else reaches scry's output
   */
  readonly pinnedTo?: string;
  /** why `args` means nothing here (fentry:bpf: a BPF program's function), in place of the usual refusal */
  readonly argsRefused?: string;
}

/** One attach point to resolve, and where its problems go. */
export interface ResolveRequest {
  readonly ap: AttachPoint;
  readonly kernel: KernelInfo;
  readonly diags: Diagnostic[];
  /** -p PID: user probes look in this process */
  readonly pid?: number;
  /**
   * --unsafe: user probes may go where their instruction boundary cannot be checked, kprobes to a function the
   * kernel does not list as traceable
   */
  readonly unsafe?: boolean;
  /** the span and raw text every resolved point starts from */
  readonly base: ResolvedBase;
  /** records "<why>" with the provider's form as a hint; returns no probes */
  bad(why: string): [];
  /**
   * the attach point names nothing that exists here (not a malformed point, not an environment failure):
   * bpftrace's missing_probes decides what that is. `wildcard`: it was a pattern (rawtracepoint:event is one,
   * any module); a pattern matching nothing just drops out of its probe, as in bpftrace v0.26. Returns no probes.
   */
  missing(why: string, hints: readonly string[], wildcard: boolean): [];
}

export interface ProviderRow<A extends { readonly provider: string }> {
  readonly name: A['provider'];
  readonly aliases: readonly string[];
  /** attach-point form, for messages */
  readonly usage: string;
  /** the attach point is the provider's name alone (BEGIN, END), never followed by ':' */
  readonly bare?: true;
  readonly reads: ContextReads;
  resolve(r: ResolveRequest): A[];
  /** this attach point's data for the context builtins (beyond `reads`) */
  context?(a: A): Omit<ProbeContext, 'probeType'>;
  /**
   * a point in a user binary whose DWARF types what the script reads (uprobes): the file, and the function whose
   * parameters `args` are where the point is its entry (absent at its return, an offset or an address)
   */
  userTypes?(a: A): { readonly path: string; readonly entryOf?: string };
  /** the point with its function's parameters typed (userTypes' entryOf), as the checker placed them */
  withParams?(a: A, params: readonly BtfParam[]): A;
}

/** A request's error with a span, for rows. */
export function fail(r: ResolveRequest, message: string, hints?: readonly string[]): [] {
  r.diags.push(error(message, r.ap.span, hints ? [...hints] : undefined));
  return [];
}
