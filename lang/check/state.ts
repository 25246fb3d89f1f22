// What inference carries while it walks one program: the options, the side tables it fills, and where it is
// (the probe being checked, its variables, loop depth). One object, passed to plain functions.
import type { NamedParamValue } from './context.ts';
import type { CallExpr, Expr, ForMapStmt, MapExpr } from '../ast.ts';
import type { BtfTypes } from '../btf.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import type { KernelInfo } from '../kernel.ts';
import type { ResolvedAttach } from '../providers.ts';
import type { Span } from '../source.ts';
import type { MapValue, Type } from '../types.ts';
import type { ScriptConfig } from './config.ts';
import type { InferResult, MapInfo } from './tables.ts';

export interface InferOptions {
  readonly params: readonly string[];
  readonly namedParams?: ReadonlyMap<string, NamedParamValue>;
  readonly config: ScriptConfig;
  readonly diags: Diagnostic[];
  readonly kernel: KernelInfo;
  readonly hasChild?: boolean;
  readonly unsafe?: boolean;
}

export interface InferState extends InferResult {
  readonly params: readonly string[];
  readonly namedParams: ReadonlyMap<string, NamedParamValue>;
  readonly config: ScriptConfig;
  readonly diags: Diagnostic[];
  readonly kernel: KernelInfo;
  readonly hasChild: boolean;
  readonly unsafe: boolean;
  /** the attach points of the probe being checked */
  attach: readonly ResolvedAttach[];
  /** every attach point's name, in probe order: what `probe` as a map key indexes (IntView 'probe') */
  probeNames: readonly string[];
  /** maps a `for ($kv : @m)` loop walks: their `probe` keys stay strings (the loop compares and prints them) */
  iteratedMaps: ReadonlySet<string>;
  /** the BTF of the probe being checked: vmlinux's, or a module's for fentry/fexit on a module function */
  btf: BtfTypes | undefined;
  /** the `$variables` in scope, with their types */
  vars: Map<string, Type>;
  /**
   * Variables a `let` declared whose type the first assignment settles: `let $x;` takes the assigned
   * value's type (bpftrace v0.26), `let $p: struct C *;` the assigned pointer's address space.
   */
  unsettled: Map<string, 'type' | 'space'>;
  /** Variables a `let` gave a type (`let $x: uint8`): they keep it, and what is assigned must fit (declared.ts). */
  declared: Map<string, Type>;
  /**
   * Variables assigned nothing but integer literals so far, with the type bpftrace v0.26 gives them (the
   * smallest holding every literal: `$x = 1` is int8); they settle to it when the probe is checked.
   */
  literalVars: Map<string, { type: Extract<Type, { kind: 'int' }>; flexible: boolean }>;
  /**
   * The clock of the nsecs(clock) last assigned to a variable or map, by name (bpftrace v0.26's timestamp mode,
   * which strftime() reads: only a boot-time stamp gets the boot time added)
   */
  readonly clocks: Map<string, string | undefined>;
  loopDepth: number;
  /** > 0 inside an `if` branch whose condition, known when compiling, never takes it: fail() there is not reached */
  deadDepth: number;
  /** every for-map loop with the entry layout it copies, checked again once all uses of its map are seen */
  readonly forMapLayouts: { stmt: ForMapStmt; kv: Type }[];
  /** maps a for loop, typeof or a read named before their first assignment: inference runs again knowing their final types */
  readonly lateLoopMaps: Set<string>;
  /** on that second run, those maps as the first run ended with them */
  lateMaps?: ReadonlyMap<string, MapInfo>;
  /** maps assigned only integer literals, with the literals' type (signed-division.ts) */
  literalMaps: ReadonlyMap<string, { type: Extract<Type, { kind: 'int' }>; flexible: boolean }>;
  /** what each aggregation call puts in its map, worked out once (its arguments' mistakes are reported once) */
  readonly aggregates: Map<CallExpr, MapValue>;
  /** the value of each operator on integer literals, folded as bpftrace v0.26 folds it (infer.ts foldedValue) */
  readonly folded: Map<Expr, bigint>;
  /** probes (by their attach points) that read a tracepoint record's arrays, which only its perf event builds */
  readonly recordReaders: Set<readonly ResolvedAttach[]>;
}

export function newState({
  params,
  namedParams = new Map(),
  config,
  diags,
  kernel,
  hasChild = false,
  unsafe = false,
}: InferOptions): InferState {
  return {
    params,
    namedParams,
    config,
    diags,
    kernel,
    hasChild,
    unsafe,
    attach: [],
    probeNames: [],
    iteratedMaps: new Set(),
    btf: kernel.btf(),
    vars: new Map(),
    unsettled: new Map(),
    declared: new Map(),
    literalVars: new Map(),
    clocks: new Map(),
    loopDepth: 0,
    deadDepth: 0,
    forMapLayouts: [],
    lateLoopMaps: new Set(),
    literalMaps: new Map(),
    aggregates: new Map(),
    folded: new Map(),
    recordReaders: new Set(),
    typeOf: new Map<Expr, Type>(),
    maps: new Map(),
    printfs: new Map(),
    varTypes: new Map(),
    argFields: new Map(),
    wholeArgs: new Map(),
    constants: new Map(),
    constBytes: new Map(),
    memory: new Map(),
    forMaps: new Map(),
    mapTargets: new Map<CallExpr, MapExpr>(),
    positionals: new Map(),
    registers: new Map(),
    operandTypes: new Map(),
    pointerSteps: new Map(),
    tupleElements: new Map(),
    commLiterals: new Map(),
    mapAdds: new Map(),
  };
}

/** The side tables alone, for the checked program. */
export function results(st: InferState): InferResult {
  const {
    typeOf,
    maps,
    printfs,
    varTypes,
    argFields,
    wholeArgs,
    forMaps,
    constants,
    constBytes,
    memory,
    mapTargets,
    positionals,
    registers,
    operandTypes,
    pointerSteps,
    tupleElements,
    commLiterals,
    mapAdds,
    probeNames,
  } = st;
  return {
    typeOf,
    maps,
    printfs,
    varTypes,
    argFields,
    wholeArgs,
    forMaps,
    constants,
    constBytes,
    memory,
    mapTargets,
    positionals,
    registers,
    operandTypes,
    pointerSteps,
    tupleElements,
    commLiterals,
    mapAdds,
    probeNames,
  };
}

export function err(st: InferState, message: string, span: Span, hints?: string[]): void {
  st.diags.push(error(message, span, hints));
}
