// The side tables inference fills: what the checker decided about each node, for the code generator to obey.
import type {
  AssignStmt,
  BinaryExpr,
  CallExpr,
  Expr,
  FieldExpr,
  ForMapStmt,
  IdentExpr,
  MapExpr,
  Probe,
} from '../ast.ts';
import type { FormatPiece } from '../format-string.ts';
import type { Span } from '../source.ts';
import type { AddressSpace, MapValue, Type } from '../types.ts';
import type { FieldAccess } from './tracepoint-args.ts';

export interface MapInfo {
  readonly name: string;
  keys: Type[]; // one per key expression; [] for a scalar map
  value: MapValue;
  readonly firstUse: Span;
  /** where the value kind was fixed, for conflict messages */
  valueSpan: Span;
  keySpan: Span;
  /** the keys as bpftrace v0.26 names them in messages (literals at their own width: `@g[1, "hi"]` is (int8,string[3])) */
  shownKeys?: Type[];
  /** per key, whether every key written there so far was a non-negative literal (its sign follows the others') */
  flexibleKeys?: boolean[];
  /**
   * An integer value as bpftrace v0.26 types it, what typeof(@m[k]) names: the assigned type, not widened to the
   * 8 bytes stored (`@m[1] = (int8)3` is int8; a literal's sign is `flexible`). Undefined for other values.
   */
  shownValue?: { type: Extract<Type, { kind: 'int' }>; flexible: boolean };
  /** false while the map has only been read (or deleted from): bpftrace would call it undefined */
  written: boolean;
  /**
   * a probe that may run with interrupts off (ProbeContext.taskContext unset: perf events, kprobes, most
   * tracepoints) writes it: the kernel could not refill its allocation caches during such a run, so the map keeps
   * its elements preallocated (compiler MapSpec.allocateOnInsert)
   */
  insertsOutsideTask?: true;
  /**
   * a loop body writes it: one run may insert any number of keys, more than the allocation caches hold (the
   * per-CPU values come from the percpu allocator, which cannot grow during a run: 20,000 keys inserted by one
   * BEGIN lost up to 11,000 of them to ENOMEM, fewer as the allocator had grown in earlier runs), so the map
   * keeps its elements preallocated too
   */
  insertsInLoop?: true;
}

export interface PrintfInfo {
  readonly call: CallExpr;
  readonly format: string;
  readonly pieces: readonly FormatPiece[];
  readonly args: readonly Type[];
  /**
   * a pinned iterator's printf, written by the kernel's bpf_seq_printf into what the file's reader reads: the
   * format as the kernel takes it (each value passed as a u64, %p as 0x%llx)
   */
  readonly seqFormat?: string;
}

export interface InferResult {
  readonly typeOf: Map<Expr, Type>;
  readonly maps: Map<string, MapInfo>;
  readonly printfs: Map<CallExpr, PrintfInfo>;
  /** every `$variable` of each probe with the type its slot must hold */
  readonly varTypes: Map<Probe, ReadonlyMap<string, Type>>;
  /** `args->f` expressions: which tracepoint field they read, and how */
  readonly argFields: Map<FieldExpr, ArgField>;
  /** `args` whole, a record of the arguments: the `args.name` reads of its elements, in order (each in argFields) */
  readonly wholeArgs: Map<IdentExpr, readonly FieldExpr[]>;
  /** expressions whose value the checker already knows (sizeof, kaddr, cgroupid, signal names) */
  readonly constants: Map<Expr, bigint>;
  /** expressions whose bytes the checker already knows (pton) */
  readonly constBytes: Map<Expr, Uint8Array>;
  /** `p->f`, `s.f`, `*p`, `p[i]` on kernel types: where the value sits relative to its base (see MemoryAccess) */
  readonly memory: Map<Expr, MemoryAccess>;
  /** every `for ($kv : @map)` loop: the variables its body (a separate BPF function) declares itself */
  readonly forMaps: Map<ForMapStmt, ForMapInfo>;
  /**
   * The map each clear/zero/len/print(@m)/delete/has_key call acts on: the whole map, or for delete/has_key
   * the keyed entry (a tuple key spread over a multi-key map's keys), whose key expressions are typed.
   */
  readonly mapTargets: Map<CallExpr, MapExpr>;
  /** what each `$N` stands for (an integer, or its text where it is a string), and `$#`'s count */
  readonly positionals: Map<Expr, bigint | string>;
  /** the pt_regs byte offset each `reg("name")` call reads */
  readonly registers: Map<CallExpr, number>;
  /**
   * The types the operands of each integer binary operator convert to before the operation (C's usual
   * conversions; shifts promote each side alone), and of each `$x op= v` (keyed by the assignment's value).
   */
  readonly operandTypes: Map<Expr, readonly [Type, Type]>;
  /**
   * Pointer arithmetic, as in C: `p + n`, `p - n`, `n + p`, `p += n`, `p++` move by n elements, so the
   * integer operand is multiplied by the pointee's size. Keyed by the binary expression, by the value of
   * `p op= n`, or by the `++`/`--` expression.
   */
  readonly pointerSteps: Map<Expr, PointerStep>;
  /**
   * `t.N`, `r.name` and `t[N]` on a tuple or record: the element read (a record's field by its name), so the code
   * generator finds its slot without looking the name up again.
   */
  readonly tupleElements: Map<Expr, number>;
  /**
   * `comm == "literal"` / `!=` comparisons that read the name straight from the current task_struct, with the
   * byte offset of task_struct's comm (comm-literal.ts): no copy, only the literal's bytes and its NUL compared.
   */
  readonly commLiterals: Map<BinaryExpr, number>;
  /**
   * `@m[k] = @m[k] ± v`, the same key read and written, on a map of plain 64-bit integers (map-add.ts): one
   * lookup and an atomic add of ±v where the key is there
   */
  readonly mapAdds: Map<AssignStmt, MapAdd>;
  /** every attach point's name, in probe order, once each: what `probe` as a key indexes (its attachment's cookie) */
  readonly probeNames: readonly string[];
}

/** What a read-modify-write of one key adds: `delta`, negated for `-`. */
export interface MapAdd {
  readonly op: '+' | '-';
  readonly delta: Expr;
}

/** How far one element of a pointer's target is, and which operand of a binary `+` is the integer. */
export interface PointerStep {
  readonly size: number;
  readonly integer: 'left' | 'right';
}

export interface ForMapInfo {
  /** `$kv`'s type: (key, value), the key a tuple of the keys when the map has several */
  readonly kvType: Type;
  /** the body's own variables, `$kv` included; anything else it names is an outer variable */
  readonly locals: ReadonlyMap<string, Type>;
  /** the outer variables the body (nested loops included) reads or assigns, in source order: each is copied in and back out */
  readonly outer: readonly string[];
}

/**
 * A read of kernel (or user) memory through a typed pointer: the address is the base's (a pointer's value,
 * or a record's own address) plus `offset` (plus index × `stride` for `[]`); `bitSize` > 0 for a bitfield.
 */
export interface MemoryAccess {
  readonly via: 'pointer' | 'record';
  readonly offset: number;
  readonly stride?: number;
  /** `a[i]` on an array of `bound` elements with a computed i: an index past it warns at run time (bpftrace v0.26) */
  readonly bound?: number;
  readonly bitOffset?: number;
  readonly bitSize?: number;
  readonly space: AddressSpace;
}

export interface ArgField {
  readonly field: string;
  readonly access: FieldAccess;
}
