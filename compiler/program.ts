// The compiler → runtime contract: plain data, no file descriptors, deterministic for a given input.
import {
  type BtfType,
  type FormatPiece,
  type MapValue,
  type ResolvedAttach,
  type Span,
  type Type,
} from '../lang/index.ts';
export { MAX_STACK_FRAMES } from '../lang/index.ts';
import type { CoreRelocation, Relocation } from './asm/index.ts';

export type ProgType = 'raw_tracepoint' | 'tracepoint' | 'perf_event' | 'kprobe' | 'tracing' | 'xdp';
/**
 * What gives an attach point's program the cookie it reads (bpf_get_attach_cookie), each from its own kernel
 * version: a perf event's or uprobe_multi's BPF link (Linux 5.15 and 6.6), a raw tracepoint's (6.10, tp_btf too),
 * an fentry/fexit trampoline's link (5.19).
 */
export type CookieCarrier = 'perf-link' | 'raw-tracepoint' | 'tracing-link';
export type MapKind =
  | 'hash'
  | 'percpu_hash'
  | 'lru_hash'
  | 'lru_percpu_hash'
  | 'array'
  | 'percpu_array'
  | 'ringbuf'
  | 'stack_trace'
  /** skboutput(): one BPF_OUTPUT perf event per CPU (maxEntries 0: the loader makes it the CPU count) */
  | 'perf_event_array';

/** A script map (`@name`) as the printer needs to see it. */
export interface UserMapLayout {
  readonly name: string; // '@name'
  readonly keys: readonly { readonly type: Type; readonly offset: number }[];
  readonly value: MapValue;
  /** hist/lhist: where the u64 bucket index sits in the key */
  readonly bucket?: number;
  /**
   * An array's element (a per-CPU one's or a scalar cell's) always exists: the offset in the value of a word the
   * program sets to 1 on every write, so user space can tell a map never assigned (nothing to print) from one
   * holding 0 (layout.ts)
   */
  readonly setWord?: number;
}

export interface MapSpec {
  readonly name: string; // kernel-side name (≤ 15 chars)
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly user?: UserMapLayout;
  /** array maps: the value of key 0, written when the map is created (an --aot program's getopt() values) */
  readonly initial?: Uint8Array;
  /**
   * per-CPU hashes: an element may be allocated as each key arrives (BPF_F_NO_PREALLOC, where the kernel's
   * allocator is safe in tracing programs) rather than max_entries of them when the map is made. Only when
   * every probe that writes it runs in the task's own context with interrupts on (ProbeContext.taskContext), where
   * the allocator refills its caches at once: a perf event or a tracepoint with interrupts off that inserts more
   * keys in one run than the caches hold would see ENOMEM. And only when no loop writes it: the per-CPU values come
   * from the percpu allocator, which cannot grow during a run, so one run inserting thousands of keys may run it
   * dry even there. (Reading, printing, clearing or deleting never inserts.)
   */
  readonly allocateOnInsert?: true;
  /** hashes: `@m[k] = v` stores into an existing key's value (layout.ts storesInPlace) */
  readonly storesInPlace?: true;
}

export interface ProgramSpec {
  readonly name: string; // kernel-side program name (≤ 15 chars)
  readonly progType: ProgType;
  /** tracing programs: what they attach to (expected_attach_type) and the kernel BTF id of it (attach_btf_id) */
  readonly tracing?: {
    readonly attach: 'fentry' | 'fexit' | 'raw_tp' | 'iter';
    readonly btfId: number;
    readonly module?: string;
    /** fentry:bpf: the id of the loaded program btfId is a function of (attach_prog_fd when loading) */
    readonly targetProgram?: number;
  };
  readonly attach: ResolvedAttach;
  /**
   * uprobe wildcards: more functions of the same file this very program goes on (its code is the same on
   * each: compiler/attach-groups.ts), for one uprobe_multi link where the kernel has them
   */
  readonly alsoAttach?: readonly ResolvedAttach[];
  /** the cookie each of alsoAttach carries (attachCookie's, for the same program on each), where it reads one */
  readonly alsoAttachCookies?: readonly bigint[];
  /** the cookie the attachment carries (bpf_get_attach_cookie): the program reads `probe`'s index from it */
  readonly attachCookie?: bigint;
  readonly bytecode: Uint8Array;
  readonly relocations: readonly Relocation[];
  /** one entry per 8-byte slot: where in the script that instruction came from */
  readonly sourceMap: readonly (Span | undefined)[];
  /**
   * BTF describing the program's functions: its main function, named as bpftrace v0.26 names it (what
   * fentry:bpf attaches to), and its subprograms (callbacks, for which the verifier insists on func_info).
   * The loader loads it (BPF_BTF_LOAD).
   */
  readonly btf?: Uint8Array;
  /** bpf_func_info records: the first slot of the main program (0) and of each subprogram, with its FUNC type id */
  readonly funcInfo?: readonly { readonly insn: number; readonly typeId: number }[];
  /** CompileOptions.coreBtf: the instructions whose imm is a kernel struct member's offset (for an object's CO-RE records) */
  readonly coreRelocations?: readonly CoreRelocation[];
}

/** A kernel field access an object file keeps at this kernel's offset (CompileOptions.coreBtf), and why. */
export interface UnrelocatedField {
  readonly span: Span;
  readonly reason: string;
}

/** Every record on the event ring buffer starts with a u64 event id; the schema says how to read the rest. */
export type EventSchema =
  | { readonly id: number; readonly kind: 'exit' }
  | {
      readonly id: number;
      readonly kind: 'printf';
      readonly pieces: readonly FormatPiece[];
      readonly args: readonly { readonly type: Type; readonly offset: number }[];
      /**
       * cat(): the formatted text names a file whose contents are printed; system(): a command to run;
       * errorf()/warnf(): a message printed with the call's location (`span`) as an error or a warning
       */
      readonly use?: 'cat' | 'system' | 'errorf' | 'warnf';
      readonly span?: Span;
    }
  /** join(argv, sep): [id, count, count strings of argSize bytes each], printed joined by the separator */
  | {
      readonly id: number;
      readonly kind: 'join';
      readonly separator: string;
      readonly argSize: number;
      readonly maxArgs: number;
    }
  /** -k: a helper at `span` failed; the record is [id, the helper's negative return value] */
  | { readonly id: number; readonly kind: 'helper-error'; readonly helper: string; readonly span?: Span }
  /** a check the program makes as it runs failed at `span` (an array index past its end); the record is [id] */
  | { readonly id: number; readonly kind: 'runtime-warning'; readonly text: string; readonly span: Span }
  /** time(fmt): user space prints the current local time with strftime's format */
  | { readonly id: number; readonly kind: 'time'; readonly format: string }
  /** print(value): the value follows the id */
  | { readonly id: number; readonly kind: 'print'; readonly type: Type; readonly offset: number }
  /**
   * print/clear/zero of a whole map happen in user space, in event order; the record is
   * [id, top, div] (u64 each) for print, [id] otherwise.
   */
  | { readonly id: number; readonly kind: 'map-op'; readonly op: 'print' | 'clear' | 'zero'; readonly map: string };

export const EXIT_EVENT_ID = 0;
export const EVENTS_MAP = 'events';
/**
 * Count of event records the ring buffer had no room for: one u64 at key 0 of an array, which probes address
 * directly (BPF_PSEUDO_MAP_VALUE, Linux 5.2) and add to atomically: 3 instructions where a lookup took 9. Each
 * lost record adds -LOST_ERRNO (bpf_ringbuf_output's return value, added as it comes, its only error with valid
 * flags), so user space reads -value / LOST_ERRNO records.
 */
export const LOST_MAP = 'lost';
/** EAGAIN: see LOST_MAP */
export const LOST_ERRNO = 11;
/**
 * A one-entry array shared with the runtime: [start time (CLOCK_MONOTONIC ns), online CPUs, …, cpid] written by the
 * runtime before anything runs, and [exit requested, exit code] written by exit() — a second path, for when
 * the ring buffer had no room for exit()'s own record.
 */
export const GLOBALS_MAP = 'globals';
/**
 * CompileOptions.runtimeParams (--aot): each getopt() name's value sits in this array map's one value, at
 * CompiledProgram.params' offsets (a u64 for integers and bools, the NUL-padded bytes for a string)
 */
export const PARAMS_MAP = 'params';
/**
 * `func` in a uprobe of several functions whose attachments carry cookies: row i of this one-entry array's value
 * is the function name (NUL-padded) of attach point i of CheckedProgram.probeNames, which the program copies by
 * its cookie, so that every function's program is the same code (one uprobe_multi link) where each stored its
 * own name
 */
export const FUNC_NAMES_MAP = 'funcnames';
/**
 * skboutput(): bpf_skb_output's perf event array. Each sample is a u64 index into CompiledProgram.skbOutputs,
 * the u64 boot-time ns, the u64 length copied, then the packet's bytes
 */
export const SKB_OUTPUT_MAP = 'skb_output';
export const SKB_OUTPUT_HEADER = 24;
export interface RuntimeParam {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}
export const GLOBALS_START_NS = 0;
export const GLOBALS_NCPUS = 8;
export const GLOBALS_EXIT_FLAG = 16;
export const GLOBALS_EXIT_CODE = 24;
/** the pid of the -c command */
export const GLOBALS_CPID = 32;
export const GLOBALS_SIZE = 40;
/** Per-CPU space for values too big for the 512-byte stack (one entry, sized by the biggest need). */
export const SCRATCH_MAP = 'scratch';
export interface CompiledProgram {
  readonly license: string;
  readonly maps: readonly MapSpec[];
  readonly programs: readonly ProgramSpec[];
  readonly events: readonly EventSchema[];
  /** print every non-empty script map when the program stops (config print_maps_on_exit) */
  readonly printMapsOnExit: boolean;
  /** most bytes cat() prints of a file (config max_cat_bytes; absent: bpftrace's 10240) */
  readonly maxCatBytes?: number;
  /** false: user stack frames without source lines and inlined functions (config show_debug_info; absent: true) */
  readonly showDebugInfo?: false;
  /**
   * config metrics_labels: the Prometheus label names of map keys for `--metrics` (`all` for every map, `maps`
   * by `@name`; absent: key0…keyN)
   */
  readonly metricsLabels?: {
    readonly all?: readonly string[];
    readonly maps: Readonly<Record<string, readonly string[]>>;
  };
  /**
   * The types the script declares, as BTF rows whose ids continue after the kernel's (firstId is the kernel
   * BTF's type count): record values of them print through the kernel's BTF with these on top.
   */
  readonly scriptTypes?: { readonly firstId: number; readonly types: readonly BtfType[] };
  /** CompileOptions.runtimeParams: where each getopt() value sits in PARAMS_MAP, filled when loading */
  readonly params?: readonly RuntimeParam[];
  /** CompileOptions.coreBtf: kernel field accesses without a CO-RE relocation (bitfields, members of unnamed types) */
  readonly unrelocated?: readonly UnrelocatedField[];
  /** skboutput() calls, by the index their samples carry: the pcap file and the bytes left out at the start */
  readonly skbOutputs?: readonly { readonly file: string; readonly offset: number }[];
  /** config perf_rb_pages: skboutput()'s perf buffer pages across the CPUs (the ring's size is in its MapSpec) */
  readonly perfRbPages?: number;
}
