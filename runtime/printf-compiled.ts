// printf at event rates: each format is turned once into a function that reads its arguments straight out
// of the record and appends the text, as UTF-8, to a TextBuffer. Plain %d/%u/%x/%s (no flags, width or
// precision) take fast paths that write digits and bytes without strings or BigInt; everything else goes
// through formatOne, which implements the whole of C's printf.
import { textBytes, type FormatPiece, type FormatSpec, type Type } from '../lang/index.ts';
import { readValue } from './maps.ts';
import { formatOne } from './printf.ts';
import { escapeBuffer, type RenderContext } from './render.ts';
import { TextBuffer } from './text-buffer.ts';

/** Appends one record's text to out; `view` and `bytes` may cover a larger buffer, the record starting at `base`. */
export type RecordPrinter = (view: DataView, bytes: Uint8Array, base: number, out: TextBuffer) => void;

/** Formats one record as a string; `view` and `bytes` may cover a larger buffer, the record starting at `base`. */
export type RecordFormatter = (view: DataView, bytes: Uint8Array, base: number) => string;

type Arg = { readonly type: Type; readonly offset: number };

export function compilePrintfInto(
  pieces: readonly FormatPiece[],
  args: readonly Arg[],
  ctx: RenderContext = {},
): RecordPrinter {
  let i = 0;
  const parts = pieces.map((p): RecordPrinter => {
    if ('text' in p) {
      const text = textBytes(p.text);
      return (_v, _b, _base, out) => out.raw(text);
    }
    return argPrinter(p.spec, args[i++]!, ctx);
  });
  // Unrolled for the usual handful of parts: one call each, no loop over a closure array.
  const [a, b, c, d] = parts;
  switch (parts.length) {
    case 0:
      return () => {};
    case 1:
      return a!;
    case 2:
      return (view, bytes, base, out) => {
        a!(view, bytes, base, out);
        b!(view, bytes, base, out);
      };
    case 3:
      return (view, bytes, base, out) => {
        a!(view, bytes, base, out);
        b!(view, bytes, base, out);
        c!(view, bytes, base, out);
      };
    case 4:
      return (view, bytes, base, out) => {
        a!(view, bytes, base, out);
        b!(view, bytes, base, out);
        c!(view, bytes, base, out);
        d!(view, bytes, base, out);
      };
    default:
      return (view, bytes, base, out) => {
        for (let k = 0; k < parts.length; k++) parts[k]!(view, bytes, base, out);
      };
  }
}

/** The same formatting, as a string (for JSON output, the live view, cat() and system()). */
export function compilePrintf(
  pieces: readonly FormatPiece[],
  args: readonly Arg[],
  ctx: RenderContext = {},
): RecordFormatter {
  return toStringFormatter(compilePrintfInto(pieces, args, ctx));
}

/** A RecordFormatter that runs printer into a scratch buffer and decodes its bytes. */
export function toStringFormatter(printer: RecordPrinter): RecordFormatter {
  const scratch = new TextBuffer(256);
  return (view, bytes, base) => {
    scratch.reset();
    printer(view, bytes, base, scratch);
    return scratch.toString();
  };
}

function argPrinter(spec: FormatSpec, arg: Arg, ctx: RenderContext): RecordPrinter {
  const plain = spec.flags === '' && spec.width === undefined && spec.precision === undefined;
  const off = arg.offset;
  const t = arg.type;
  if (plain && t.kind === 'string' && spec.conv === 's') {
    const size = t.size;
    const trailer = t.trailer;
    if (!trailer) return (_view, bytes, base, out) => out.cString(bytes, base + off, size);
    // str() filled its buffer: the string was probably cut (bpftrace v0.26 prints its trailer after it)
    return (_view, bytes, base, out) => {
      out.cString(bytes, base + off, size);
      const nul = bytes.indexOf(0, base + off);
      if (nul < 0 || nul >= base + off + size - 1) out.string(trailer);
    };
  }
  // numbers as numbers (a view only changes what %s prints)
  if (plain && (t.kind === 'int' || t.kind === 'bool')) {
    const wide =
      spec.length === 'l' || spec.length === 'll' || spec.length === 'z' || spec.length === 'j' || spec.length === 't';
    switch (spec.conv) {
      case 'd':
      case 'i':
        if (spec.length === '') return (view, _b, base, out) => out.int(view.getInt32(base + off, true));
        if (wide) return (view, _b, base, out) => int64(view, base + off, true, out);
        break;
      case 'u':
        if (spec.length === '') return (view, _b, base, out) => out.uint(view.getUint32(base + off, true));
        if (wide) return (view, _b, base, out) => int64(view, base + off, false, out);
        break;
      case 'x':
        if (spec.length === '') return (view, _b, base, out) => out.hex32(view.getUint32(base + off, true));
        break;
    }
  }
  if (t.kind === 'buffer' && (spec.conv === 'r' || spec.conv === 'rx' || spec.conv === 'rh')) {
    const { size } = t;
    const conv = spec.conv;
    return (view, bytes, base, out) => {
      const at = base + off; // a u64 length, then the bytes (compiler/layout.ts)
      const len = Math.min(view.getUint32(at, true), size);
      out.string(formatOne(spec, escapeBuffer(bytes.subarray(at + 8, at + 8 + len), conv)));
    };
  }
  // %s (and %r) print what the value reads as: an errno's message, a stack's frames, a symbol… (render.ts)
  // (enum values too, even in JSON output, where they are otherwise numbers: bpftrace v0.26)
  const render =
    spec.conv === 's' || spec.conv === 'r' || spec.conv === 'rx' || spec.conv === 'rh'
      ? { ...ctx, symbolic: true }
      : undefined;
  return (view, _b, base, out) => out.string(formatOne(spec, readValue(t, view, base + off, render)));
}

const TWO32 = 4294967296;

/** A 64-bit integer in decimal, from plain numbers while they are exact (below 2^53 in magnitude). */
function int64(view: DataView, off: number, signed: boolean, out: TextBuffer): void {
  const lo = view.getUint32(off, true);
  const hi = signed ? view.getInt32(off + 4, true) : view.getUint32(off + 4, true);
  if (hi >= -0x200000 && hi < 0x200000) out.int(hi * TWO32 + lo);
  else out.string((signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true)).toString());
}
