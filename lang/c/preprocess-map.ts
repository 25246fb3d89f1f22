// Where each piece of preprocessed text came from: a later parse error at an output offset maps back to
// the file and offset the user wrote (for a macro expansion: the macro's name where it was used).
import type { SourceFile, Span } from '../source.ts';

export interface Origin {
  readonly file: SourceFile;
  readonly offset: number;
  /** characters of the origin this covers: the rest of a copied token, or the whole macro name used */
  readonly length: number;
  /** produced by a macro expansion (offset and length are the macro's name where it was used) */
  readonly expanded: boolean;
}

/**
 * One output token at `out`, from `offset` in `file`: `verbatim` when copied from there (`length` characters),
 * else produced by the macro use there (`length` = the macro name's length).
 */
interface Piece {
  readonly out: number;
  readonly length: number;
  readonly file: SourceFile;
  readonly offset: number;
  readonly verbatim: boolean;
}

export class SourceMap {
  private readonly pieces: Piece[] = [];

  /** Records output text; pieces come in increasing `out` order. */
  add(out: number, length: number, file: SourceFile, offset: number, verbatim: boolean): void {
    this.pieces.push({ out, length, file, offset, verbatim });
  }

  /**
   * The origin of an output offset: inside a token copied from a file, the very character; inside an
   * expansion, the macro use it came from; in whitespace between tokens, the end of the token before
   * (undefined before the first token).
   */
  originOf(outputOffset: number): Origin | undefined {
    const ps = this.pieces;
    let lo = 0;
    let hi = ps.length - 1;
    if (hi < 0 || ps[0]!.out > outputOffset) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ps[mid]!.out <= outputOffset) lo = mid;
      else hi = mid - 1;
    }
    const p = ps[lo]!;
    const inside = outputOffset - p.out;
    if (!p.verbatim) return { file: p.file, offset: p.offset, length: p.length, expanded: true };
    const at = Math.min(inside, p.length);
    return { file: p.file, offset: p.offset + at, length: Math.max(1, p.length - at), expanded: false };
  }

  /** A span in the original files for an output range (its start's origin; its end when in the same file). */
  spanOf(outStart: number, outEnd: number): Span | undefined {
    const a = this.originOf(outStart);
    if (!a) return undefined;
    const b = outEnd - 1 > outStart ? this.originOf(outEnd - 1) : undefined;
    let end = a.offset + Math.min(a.length, Math.max(1, outEnd - outStart));
    if (b && b.file === a.file && b.offset >= a.offset) end = Math.max(end, b.offset + (b.expanded ? b.length : 1));
    return { file: a.file, start: a.offset, end: Math.min(end, a.file.text.length) };
  }

  get size(): number {
    return this.pieces.length;
  }
}
