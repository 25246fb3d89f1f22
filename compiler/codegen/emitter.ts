// Collects instructions for one program: the current source span rides on each one, labels are fresh names.
import { withSpan, label, type AsmItem, type Insn } from '../asm/index.ts';
import type { Span } from '../../lang/source.ts';

export class Emitter {
  readonly items: AsmItem[] = [];
  private labels = 0;
  span: Span | undefined;

  emit(...insns: Insn[]): void {
    for (const i of insns) this.items.push(withSpan(i, this.span));
  }

  freshLabel(hint: string): string {
    return `${hint}.${this.labels++}`;
  }

  place(name: string): void {
    this.items.push(label(name));
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

/** The 512-byte BPF stack, handed out in 8-byte-aligned slots below r10 with scoped release. */
export class Frame {
  private top = 0; // bytes in use below r10
  private peak = 0;
  static readonly limit = 512;

  /** Returns the (negative) offset from r10 of a fresh slot, or undefined when the stack is full. */
  alloc(size: number): number | undefined {
    const rounded = Math.max(8, Math.ceil(size / 8) * 8);
    if (this.top + rounded > Frame.limit) return undefined;
    this.top += rounded;
    this.peak = Math.max(this.peak, this.top);
    return -this.top;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  get used(): number {
    return this.peak;
  }
}
