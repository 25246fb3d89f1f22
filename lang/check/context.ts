// What a builtin's check hook may ask of the checker while it checks one program (lang/builtins/row.ts):
// inference of sub-expressions, map uses, the probe being checked, the side tables hooks fill, the diagnostics sink.
import type { CallExpr, Expr, MapExpr } from '../ast.ts';
import type { BtfTypes } from '../btf.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import type { MapValue, Type } from '../types.ts';
import type { KernelInfo } from '../kernel.ts';
import type { MapInfo, PrintfInfo } from './tables.ts';
import type { ResolvedAttach } from './attach.ts';
import type { ScriptConfig } from './config.ts';

/** A named command-line parameter's value (`--name=value` after `--`), as getopt() reads it. */
export type NamedParamValue = bigint | string | boolean;

export interface CheckContext {
  /** Infers (and records) the type of an expression. */
  expr(e: Expr): Type;
  /** Like expr, and reports when the value is not an integer (or bool); `what` names the user, e.g. 'sum()'. */
  intOperand(e: Expr, what: string): Type;
  /** Records a use of a map: its keys always, its value kind when `value` is given. */
  useMap(m: MapExpr, value: MapValue | undefined, valueSpan: Span): MapInfo;
  /** A map by name, if any use of it has been seen so far. */
  mapInfo(name: string): MapInfo | undefined;
  error(message: string, span: Span, hints?: string[]): void;
  /** positional parameters, for arguments that must be known when compiling (lhist bounds may be $1) */
  readonly params: readonly string[];
  /** named parameters given on the command line (`-- --name=value`), typed by their getopt() defaults */
  readonly namedParams: ReadonlyMap<string, NamedParamValue>;
  report(d: Diagnostic): void;
  /** types recorded so far (for arguments that are not expressions, like kstack(perf)'s mode) */
  readonly typeOf: Map<Expr, Type>;
  /** the attach points of the probe being checked */
  attach(): readonly ResolvedAttach[];
  /** the BTF of the probe being checked: vmlinux's, or a module's for fentry/fexit on a module function */
  btf(): BtfTypes | undefined;
  readonly kernel: KernelInfo;
  readonly config: ScriptConfig;
  readonly unsafe: boolean;
  /** a command is started with -c, so cpid means something */
  readonly hasChild: boolean;
  /** inside a branch of an `if` whose condition, known when compiling, never takes it */
  unreachable(): boolean;
  /** values known when compiling: kaddr(), cgroupid(), sizeof, signal names */
  readonly constants: Map<Expr, bigint>;
  /** byte values known when compiling: pton() */
  readonly constBytes: Map<Expr, Uint8Array>;
  /** the map a whole-map or keyed map function acts on (see InferResult.mapTargets) */
  readonly mapTargets: Map<CallExpr, MapExpr>;
  /** the pt_regs offset each reg() call reads */
  readonly registers: Map<CallExpr, number>;
  /** what each `$N` stands for (see InferResult.positionals) */
  readonly positionals: Map<Expr, bigint | string>;
  /** printf-like calls with their parsed formats */
  readonly printfs: Map<CallExpr, PrintfInfo>;
  /**
   * The type a builtin variable takes where it is printed as text by user space rather than stored as text
   * (VariableSpec.asKey: `probe` as the attach point's index, an IntView of the attach point names); `t` itself
   * for any other expression.
   */
  printedAs(e: Expr, t: Type): Type;
  /** The clock a timestamp was read from: nsecs(clock) itself, or a variable or map last assigned one */
  timestampClock(e: Expr): string | undefined;
}
