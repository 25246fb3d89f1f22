// Collects instructions for one program: the current source span rides on each one, labels are fresh names.
import { R1, R6, mov64Reg, withSpan, label, type AsmItem, type Insn, type Reg } from '../asm/index.ts';
import type { Span } from '../../lang/index.ts';
import { defMask, hasReg } from '../opt/insn-info.ts';

/** The kernel loads at most this many instructions per program (BPF_COMPLEXITY_LIMIT_INSNS). */
export const MAX_INSNS = 1_000_000;

/** A program longer than the kernel loads (nested unroll multiplies code): the user's to shorten, at `span`. */
export class ProgramTooLong extends Error {
  constructor(readonly span: Span | undefined) {
    super(`a BPF program holds at most ${MAX_INSNS} instructions`);
  }
}

export class Emitter {
  readonly items: AsmItem[] = [];
  private labels = 0;
  span: Span | undefined;
  /** r1 still holds the program's context: set at a program's entry, cleared by a write to r1 or a label */
  private contextInR1 = false;
  /** some instruction read the context from r1 (program.ts: the scratch prologue, put before them, restores it) */
  contextReadFromR1 = false;
  /** labels placed so far, and those jumped to from before and not placed yet (see reachedByAll) */
  private readonly placed = new Set<string>();
  private readonly pending = new Set<string>();

  /** `prefix` keeps the labels of functions generated separately (for-loop callbacks) apart. */
  constructor(private readonly prefix = '') {}

  emit(...insns: Insn[]): void {
    for (const i of insns) {
      if (this.contextInR1 && hasReg(defMask(i), R1)) this.contextInR1 = false;
      if (i.jumpTo !== undefined && !this.placed.has(i.jumpTo)) this.pending.add(i.jumpTo);
      this.items.push(withSpan(i, this.span));
    }
    if (this.items.length > MAX_INSNS) throw new ProgramTooLong(this.span);
  }

  /** At a program's entry (after its `r6 = r1`): r1 is the context until something writes it. */
  enterProgram(): void {
    this.contextInR1 = true;
  }

  /**
   * The register to read the context from: r1 while it still holds it (a read there needs no copy, and a program
   * that reads it only there loses its `r6 = r1`: program.ts), else r6. Only for an instruction emitted next.
   */
  context(): Reg {
    if (!this.contextInR1) return R6;
    this.contextReadFromR1 = true;
    return R1;
  }

  /** The context into r1 for a helper that takes it: nothing while r1 still holds it, else `r1 = r6`. */
  contextToR1(): Insn[] {
    const reg = this.context();
    return reg === R1 ? [] : [mov64Reg(R1, reg)];
  }

  freshLabel(hint: string): string {
    return `${this.prefix}${hint}.${this.labels++}`;
  }

  place(name: string): void {
    this.contextInR1 = false; // another path may arrive here
    this.placed.add(name);
    this.pending.delete(name);
    this.items.push(label(name));
  }

  /**
   * Whether the next instruction is on every path to all that is emitted after it (it dominates them): no jump
   * emitted before it goes past it, but to `exit` (the epilogue, which reads no register). A jump back to a label
   * placed before it comes from code after it, which passed it.
   */
  reachedByAll(exit: string): boolean {
    for (const l of this.pending) if (l !== exit) return false;
    return true;
  }

  /** Runs `fn` with `span` as the current source location. */
  at<T>(span: Span, fn: () => T): T {
    const saved = this.span;
    this.span = span;
    try {
      return fn();
    } finally {
      this.span = saved;
    }
  }
}

/**
 * Where values live: the 512-byte BPF stack, handed out in 8-byte-aligned slots below r10, and a per-CPU
 * scratch area (a map value held in r7) for values too big for the stack. Both release in scopes.
 * A slot is one number: negative = r10-relative stack offset, ≥ SCRATCH_BASE = scratch offset + SCRATCH_BASE.
 */
export class Frame {
  static readonly limit = 512;
  /** this function's share of the stack: callers' frames count against the same 512 bytes (see for-map.ts) */
  readonly limit: number;
  /** the bottom 8 bytes hold the scratch map's lookup key (see program.ts) */
  static readonly scratchKey = -8;
  /** values at least this big go to scratch space rather than the stack */
  static readonly bigValue = 128;
  /** scratch bytes a program may use: every slot must be reachable as r7 + a signed 16-bit displacement */
  static readonly scratchLimit = 32768;
  private top = 8;
  private peak = 8;
  private scratchTop: number;
  private scratchPeak: number;

  /**
   * `limit` is the stack this function may use; `scratchFrom` is where its scratch space starts, above what its
   * caller holds while it runs (a callback shares the caller's per-CPU scratch area).
   */
  constructor(limit = Frame.limit, scratchFrom = 0) {
    this.limit = limit;
    this.scratchTop = scratchFrom;
    this.scratchPeak = scratchFrom;
  }

  /** A stack slot's (negative) offset from r10, or undefined when the stack is full. */
  alloc(size: number): number | undefined {
    const rounded = round8(size);
    if (this.top + rounded > this.limit) return undefined;
    this.top += rounded;
    this.peak = Math.max(this.peak, this.top);
    return -this.top;
  }

  /**
   * A slot on the stack when the value is small and there is room, else in scratch space; undefined when
   * scratch space is full too (its offsets are instruction displacements: signed 16 bits).
   */
  allocAny(size: number): number | undefined {
    const rounded = round8(size);
    if (rounded < Frame.bigValue && this.top + rounded <= this.limit - 64) return this.alloc(rounded)!;
    if (this.scratchTop + rounded > Frame.scratchLimit) return undefined;
    const off = this.scratchTop;
    this.scratchTop += rounded;
    this.scratchPeak = Math.max(this.scratchPeak, this.scratchTop);
    return SCRATCH_BASE + off;
  }

  mark(): { top: number; scratchTop: number } {
    return { top: this.top, scratchTop: this.scratchTop };
  }

  release(mark: { top: number; scratchTop: number }): void {
    this.top = mark.top;
    this.scratchTop = mark.scratchTop;
  }

  get used(): number {
    return this.peak;
  }

  /** bytes of scratch space this program needs (0: no scratch map lookup at all) */
  get scratchUsed(): number {
    return this.scratchPeak;
  }
}

export const SCRATCH_BASE = 1 << 24;

function round8(n: number): number {
  return Math.max(8, Math.ceil(n / 8) * 8);
}
