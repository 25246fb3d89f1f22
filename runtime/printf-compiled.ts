// printf at event rates: each format is turned once into a function that reads its arguments straight out
// of the record. Plain %d/%u/%x/%s (no flags, width or precision) take fast paths without BigInt;
// everything else goes through formatOne, which implements the whole of C's printf.
import type { FormatPiece, FormatSpec } from '../lang/format-string.ts';
import type { Type } from '../lang/types.ts';
import { readValue, type StackFormatter } from './maps.ts';
import { formatOne } from './printf.ts';
import { errnoMessage } from './sys/errors.ts';

/** Formats one record; `view` and `bytes` may cover a larger buffer, the record starting at `base`. */
export type RecordFormatter = (view: DataView, bytes: Uint8Array, base: number) => string;

type Arg = { readonly type: Type; readonly offset: number };

export function compilePrintf(pieces: readonly FormatPiece[], args: readonly Arg[], formatStack?: StackFormatter): RecordFormatter {
  let i = 0;
  const parts = pieces.map((p): string | RecordFormatter => {
    if ('text' in p) return p.text;
    return argFormatter(p.spec, args[i++]!, formatStack);
  });
  return (view, bytes, base) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(view, bytes, base);
    return out;
  };
}

function argFormatter(spec: FormatSpec, arg: Arg, formatStack?: StackFormatter): RecordFormatter {
  const plain = spec.flags === '' && spec.width === undefined && spec.precision === undefined;
  const off = arg.offset;
  const stack = arg.type.kind === 'int' ? arg.type.stack : undefined;
  if (stack && formatStack && spec.conv === 's') return (view, _b, base) => formatOne(spec, formatStack(view.getBigUint64(base + off, true), stack, 8));
  if (plain && arg.type.kind === 'string' && spec.conv === 's') {
    const size = arg.type.size;
    return (_view, bytes, base) => {
      const start = base + off;
      const end = bytes.indexOf(0, start);
      return Buffer.from(bytes.buffer, bytes.byteOffset + start, (end < 0 || end > start + size ? start + size : end) - start).toString('utf8');
    };
  }
  if (plain && arg.type.kind !== 'string' && arg.type.kind !== 'tuple') {
    const wide = spec.length === 'l' || spec.length === 'll' || spec.length === 'z' || spec.length === 'j' || spec.length === 't';
    switch (spec.conv) {
      case 'd':
      case 'i':
        if (spec.length === '') return (view, _b, base) => String(view.getInt32(base + off, true));
        if (wide) return (view, _b, base) => int64String(view, base + off, true);
        break;
      case 'u':
        if (spec.length === '') return (view, _b, base) => String(view.getUint32(base + off, true));
        if (wide) return (view, _b, base) => int64String(view, base + off, false);
        break;
      case 'x':
        if (spec.length === '') return (view, _b, base) => view.getUint32(base + off, true).toString(16);
        break;
    }
  }
  if (arg.type.kind === 'int' && arg.type.errno && spec.conv === 's')
    return (view, _b, base) => formatOne(spec, errnoMessage(view.getInt32(base + off, true)));
  return (view, _b, base) => formatOne(spec, readValue(arg.type, view, base + off));
}

const TWO32 = 4294967296;

/** A 64-bit integer as decimal, with plain numbers while they are exact (below 2^53). */
function int64String(view: DataView, off: number, signed: boolean): string {
  const lo = view.getUint32(off, true);
  const hi = signed ? view.getInt32(off + 4, true) : view.getUint32(off + 4, true);
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * TWO32 + lo);
  return (signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true)).toString();
}
