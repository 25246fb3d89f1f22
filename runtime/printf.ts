// C printf semantics for one conversion; values arrive as 64-bit integers or strings (see printf-compiled.ts).
import { bytesText, textByteLength, textBytes, type FormatSpec } from '../lang/index.ts';
import { formatGfpFlags, kernelGfpBits } from './gfp-flags.ts';
import type { Value } from './value.ts';
import { valueText } from './value-text.ts';

const lengthBits: Record<FormatSpec['length'], number> = { hh: 8, h: 16, '': 32, l: 64, ll: 64, z: 64, j: 64, t: 64 };

export function formatOne(spec: FormatSpec, v: Value): string {
  let body: string;
  let sign = '';
  let prefix = '';
  switch (spec.conv) {
    case 's':
    // %r/%rx/%rh: buffers arrive as the text they print as (render.ts)
    case 'r':
    case 'rx':
    case 'rh': {
      // anything else as print() writes it: 5, true, (1, a), { .x = 1 } (bpftrace v0.26's %s takes any value)
      const s = valueText(v);
      // a precision counts bytes, as C's: `%.1s` of "é" is its first byte
      body = spec.precision === undefined ? s : bytesText(textBytes(s).subarray(0, spec.precision));
      return pad(spec, '', '', body, false);
    }
    case 'gr': {
      const s = formatGfpFlags(BigInt.asUintN(64, asBig(v)), kernelGfpBits());
      return pad(spec, '', '', spec.precision === undefined ? s : s.slice(0, spec.precision), false);
    }
    case 'c':
      return pad(spec, '', '', String.fromCharCode(Number(BigInt.asUintN(8, asBig(v)))), false);
    case 'd':
    case 'i': {
      // C semantics, as bpftrace has them: without a length modifier %d is a 32-bit int
      const n = BigInt.asIntN(lengthBits[spec.length], asBig(v));
      if (n < 0n) sign = '-';
      else if (spec.flags.includes('+')) sign = '+';
      else if (spec.flags.includes(' ')) sign = ' ';
      body = (n < 0n ? -n : n).toString();
      break;
    }
    case 'u':
    case 'o':
    case 'x':
    case 'X':
    case 'p': {
      const bits = spec.conv === 'p' ? 64 : lengthBits[spec.length];
      const n = BigInt.asUintN(bits, asBig(v));
      const radix = spec.conv === 'u' ? 10 : spec.conv === 'o' ? 8 : 16;
      body = n.toString(radix);
      if (spec.conv === 'X') body = body.toUpperCase();
      // a null pointer is `0`, as bpftrace v0.26's stream output writes it (0.17's glibc printf: `(nil)`)
      if (spec.conv === 'p' && n === 0n) return pad(spec, '', '', '0', false);
      if (spec.conv === 'p') prefix = '0x';
      else if (spec.flags.includes('#') && n !== 0n) prefix = spec.conv === 'o' ? '0' : spec.conv === 'x' ? '0x' : '0X';
      break;
    }
  }
  if (spec.precision !== undefined) {
    body = spec.precision === 0 && body === '0' ? '' : body.padStart(spec.precision, '0');
  }
  return pad(spec, sign, prefix, body, spec.precision === undefined);
}

function pad(spec: FormatSpec, sign: string, prefix: string, body: string, zeroAllowed: boolean): string {
  const width = spec.width ?? 0;
  // a width counts bytes, as C's printf and v0.26's streams count them: `%5s` of "é" (2 bytes) adds 3 blanks
  const bodyLen = body.length < width ? textByteLength(body) : body.length; // a byte that is not UTF-8: 1
  const len = sign.length + prefix.length + bodyLen;
  if (len >= width) return sign + prefix + body;
  if (spec.flags.includes('-')) return sign + prefix + body + ' '.repeat(width - len);
  if (zeroAllowed && spec.flags.includes('0')) return sign + prefix + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + prefix + body;
}

function asBig(v: Value): bigint {
  return typeof v === 'bigint' ? v : typeof v === 'boolean' ? BigInt(v) : 0n; // a bool is 1 or 0 to %d
}
