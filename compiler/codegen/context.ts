// State shared by the code generator's parts while one probe program is generated.
import {
  type Block,
  type BtfTypes,
  type CheckedProgram,
  type Diagnostic,
  type Expr,
  type ForMapStmt,
  type ProbeContext,
  type ResolvedAttach,
  type Span,
  type Stmt,
  type Type,
} from '../../lang/index.ts';
import type { CookieCarrier, EventSchema, MapSpec, UnrelocatedField } from '../program.ts';
import {
  R7,
  R10,
  alu64Imm,
  ldx,
  mov64Reg,
  st,
  stx,
  type AsmItem,
  type Insn,
  type Reg,
  type Size,
} from '../asm/index.ts';
import { Emitter, Frame, SCRATCH_BASE } from './emitter.ts';
import type { TemplateStore } from './shape-memo.ts';

/** The end of an exhaustive switch: a kind this code does not know is a bug. */
export function assertNever(x: never): never {
  throw new Error(`unexpected node: ${JSON.stringify((x as { kind?: string }).kind)}`);
}

/** A user mistake found only while generating code (e.g. the stack is full); becomes a diagnostic. */
export class CodegenError extends Error {
  constructor(
    message: string,
    readonly span: Span | undefined,
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

/** Program-wide tables filled while generating every probe. */
export interface Shared {
  readonly checked: CheckedProgram;
  readonly maps: Map<string, MapSpec>; // by script name ('@x') or internal name
  readonly events: EventSchema[];
  /** the id of each event schema defined so far, by its content (events.ts defineEvent): the same event is one id */
  readonly eventIds: Map<string, number>;
  /**
   * optimized code by the code it was optimized from (program.ts): the matches of a wildcard probe that reads
   * no `probe` or arguments generate the same code, which is optimized once
   */
  readonly optimized: Map<string, readonly AsmItem[]>;
  /**
   * optimized templates by shape (shape-memo.ts; absent: CompileOptions.shareShapes false); null: that shape's
   * template was refused, each such program is optimized on its own
   */
  readonly templates?: Map<string, readonly AsmItem[] | null>;
  /** CompileOptions.sameCodeOnce false: each attach point's code is generated (attach-groups.ts) */
  readonly eachPointGenerated?: true;
  /** templates kept between runs (CompileOptions.templateStore) */
  readonly templateStore?: TemplateStore;
  readonly diagnostics: Diagnostic[];
  /** set when a program reads the globals map (elapsed, ncpus) */
  usesGlobals: boolean;
  /**
   * set when a program reads `func` by its cookie (func-names.ts): the table FUNC_NAMES_MAP holds, `count` rows of
   * `rowSize` bytes (the longest name and its NUL, rounded up to 8)
   */
  funcNames?: { readonly count: number; readonly rowSize: number; readonly bytes: Uint8Array };
  /** the most scratch space any program needs (0: no scratch map) */
  scratchSize: number;
  /**
   * What the programs can send on the events ring besides exit and warnings (events.ts QUIET_KINDS), which sizes
   * it (compile.ts): the bytes of such records that programs which run once and loop nowhere (BEGIN, END) send
   * at most, the bytes a second interval probes that loop nowhere send at most, and whether any other program
   * sends such records at all (program.ts countLoudRecords).
   */
  readonly loudRecords: { onceBytes: number; bytesPerSecond: number; elsewhere: boolean };
  /** ids of the events whose record is the id alone, as u64s after the counter in LOST_MAP's value (events.ts) */
  readonly idRecords: number[];
  /** -k level: which failing helpers become warning events (see helper-errors.ts) */
  readonly helperErrors: 0 | 1 | 2;
  /** the program's own warnings are generated (CompileOptions.runtimeWarnings) */
  readonly runtimeWarnings: boolean;
  /** the map tseries() reads its time from instead of the clock (CompileOptions.tseriesClockMap) */
  readonly tseriesClockMap?: string;
  /** run the bytecode optimizer before encoding (CompileOptions.optimize) */
  readonly optimize?: boolean;
  /** the kernel has BPF_SDIV/BPF_SMOD (CompileOptions.signedDivision), asked when a signed division is emitted */
  readonly signedDivision?: () => boolean;
  /** CompileOptions.runtimeParams: getopt() values read from PARAMS_MAP, here where each name sits */
  readonly params?: Map<string, { offset: number; size: number }>;
  /** skboutput() calls so far (CompiledProgram.skbOutputs); SKB_OUTPUT_MAP exists when there are any */
  skbOutputs?: { file: string; offset: number }[];
  /** CompileOptions.coreBtf: the kernel types field accesses are recorded against (codegen/core.ts) */
  readonly core?: { readonly btf: BtfTypes; readonly unrelocated: UnrelocatedField[] };
  /** CompileOptions.attachCookies: asked when a program would read its attachment's cookie */
  readonly attachCookies?: (carrier: CookieCarrier) => boolean;
  /** CompileOptions.loopHelper: asked when join() is emitted */
  readonly loopHelper?: () => boolean;
  /** CompileOptions.paddedComm: asked when a program that reads comm is optimized */
  readonly paddedComm?: () => boolean;
  /** the expression and statement emitters (see Lowering) */
  readonly lower: Lowering;
}

/**
 * The expression and block emitters of expr.ts and stmt.ts. They dispatch to the map code, the builtin rows
 * and for-map.ts, which emit their own operands and loop bodies in turn: reaching the emitters through the
 * context (compile.ts installs them) keeps codegen's imports one-way.
 */
export interface Lowering {
  int(g: Gen, x: Expr): void;
  unless(g: Gen, cond: Expr, otherwise: string): void;
  into(g: Gen, x: Expr, off: number, size: number, target?: Type): void;
  block(g: Gen, b: Block): void;
}

/** Computes an integer (or bool) expression into r0 (expr.ts). */
export function emitInt(g: Gen, x: Expr): void {
  g.shared.lower.int(g, x);
}

/** Jumps to label `otherwise` when the condition is 0 (false), falls through when it is not (expr.ts). */
export function emitUnless(g: Gen, cond: Expr, otherwise: string): void {
  g.shared.lower.unless(g, cond, otherwise);
}

/** Writes the value of `x` at r10+off, exactly `size` bytes (expr.ts). */
export function emitInto(g: Gen, x: Expr, off: number, size: number, target?: Type): void {
  g.shared.lower.into(g, x, off, size, target);
}

/** Emits the statements of a block (stmt.ts). */
export function emitBlock(g: Gen, b: Block): void {
  g.shared.lower.block(g, b);
}

export interface Gen {
  readonly shared: Shared;
  /** the attach point this program is generated for */
  readonly attach: ResolvedAttach;
  /** what the context builtins read there (argN, retval, args->, ctx->), as its probe type's row says */
  readonly context: ProbeContext;
  readonly e: Emitter;
  readonly frame: Frame;
  /** `$var` → stack slot and type, for this probe */
  readonly vars: Map<string, { offset: number; type: Type }>;
  /** label of the common "return 0" epilogue */
  readonly exitLabel: string;
  /** innermost loop last: where break and continue go */
  readonly loops: { readonly breakLabel: string; readonly continueLabel: string }[];
  /** for-map loop bodies still to generate as functions after the main code (one list per BPF program) */
  readonly callbacks: PendingCallback[];
  /** bytes of the records other than exit and warnings this program's code sends, each place counted once */
  readonly records: { loudBytes: number };
  /**
   * bpf_get_current_pid_tgid()'s result kept in PID_TGID_REG for the later reads of pid and tid
   * (builtins/context.ts emitPidTgid): `uses`, how many the probe makes that are not emitted yet (program.ts
   * counts them; 0 in a callback, which has registers of its own), and whether the register holds it on every
   * path from here on.
   */
  readonly pidTgid: { uses: number; held: boolean };
  /** stack the functions calling this one use (0 for the main program): the verifier adds the frames up */
  readonly stackAbove: number;
  /**
   * Ready-made functions appended after the main program like callbacks (len()'s empty
   * bpf_for_each_map_elem callback, builtins/maps.ts; the per-CPU fold of maps.ts); for-map callbacks share it.
   */
  readonly functions?: { readonly label: string; readonly items: readonly AsmItem[] }[];
  /**
   * The main program of a probe with several attach points whose attachments can carry a cookie
   * (bpf_get_attach_cookie): `probe` as a map key or a printf argument reads its index from the cookie (maps.ts
   * emitProbeIndex), so every attach point's program is the same code; `names` is then set (the names the index
   * is among), and the runtime attaches with the point's index (program.ts programFor). `carrier`: what gives
   * the attachment its cookie, which the kernel may lack (Shared.attachCookies).
   */
  readonly cookie?: { readonly carrier: CookieCarrier; names?: readonly string[] };
}

/** A `for ($kv : @map)` body waiting to become a bpf_for_each_map_elem callback, or a range's bpf_loop one (see for-map.ts). */
export interface PendingCallback {
  readonly label: string;
  readonly stmt: ForMapStmt | Extract<Stmt, { kind: 'for-range' }>;
  /** the function the loop is in: its variables are copied in from its frame */
  readonly caller: Gen;
  /** the loop's context block in the caller's frame (r10-relative): [stop flag, program context] */
  readonly block: number;
  /** scratch space the caller holds at the loop; the callback's own starts above it */
  readonly scratchFrom: number;
}

export function newGen(shared: Shared, attach: ResolvedAttach, context: ProbeContext, cookie?: Gen['cookie']): Gen {
  const e = new Emitter();
  return {
    ...(cookie ? { cookie } : {}),
    shared,
    attach,
    context,
    e,
    frame: new Frame(),
    vars: new Map(),
    exitLabel: 'epilogue',
    loops: [],
    callbacks: [],
    records: { loudBytes: 0 },
    pidTgid: { uses: 0, held: false },
    stackAbove: 0,
    functions: [],
  };
}

export function typeOf(g: Gen, x: Expr): Type {
  const t = g.shared.checked.typeOf.get(x);
  if (!t) throw new Error(`no type recorded for ${x.kind} expression`);
  return t;
}

export function allocOrFail(g: Gen, size: number, span: Span | undefined): number {
  const off = g.frame.alloc(size);
  if (off === undefined)
    throw new CodegenError(`this probe needs more than ${Frame.limit} bytes of BPF stack`, span, [
      'split the work across several probes or use fewer large values (strings, tuples) at once',
      ...(g.stackAbove ? ['a for loop body over a map shares the stack with the code around the loop'] : []),
    ]);
  return off;
}

/** Runs fn with a stack scope: slots allocated inside are released afterwards. */
export function scoped<T>(g: Gen, fn: () => T): T {
  const m = g.frame.mark();
  try {
    return fn();
  } finally {
    g.frame.release(m);
  }
}

/** A slot for a value that may be big (strings, tuples, records): the stack when it fits, else scratch space. */
export function allocValue(g: Gen, size: number): number {
  const off = g.frame.allocAny(size);
  if (off === undefined)
    throw new CodegenError(
      `this probe holds more than ${Frame.scratchLimit / 1024} KiB of strings, tuples and keys at once, more than scry can keep for one probe`,
      g.e.span,
      ['lower config max_strlen, or use fewer long strings (and tuples of them) in this probe'],
    );
  return off;
}

/** Whether a slot is in scratch space (a map value: memory the verifier takes as written, whatever was stored). */
export function inScratch(off: number): boolean {
  return off >= SCRATCH_BASE;
}

/** Base register and displacement of a slot (see Frame): r10 for the stack, r7 for scratch space. */
function base(off: number): [Reg, number] {
  return off >= SCRATCH_BASE ? [R7, off - SCRATCH_BASE] : [R10, off];
}

export function ldSlot(size: Size, dst: Reg, off: number): Insn {
  const [reg, disp] = base(off);
  return ldx(size, dst, reg, disp);
}

export function stxSlot(size: Size, off: number, src: Reg): Insn {
  const [reg, disp] = base(off);
  return stx(size, reg, src, disp);
}

export function stSlot(size: Size, off: number, imm: number): Insn {
  const [reg, disp] = base(off);
  return st(size, reg, disp, imm);
}

/** reg = the address of a slot, for helpers that take pointers. */
export function addrOf(reg: Reg, off: number): Insn[] {
  const [b, disp] = base(off);
  return [mov64Reg(reg, b), alu64Imm('add', reg, disp)];
}
