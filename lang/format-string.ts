// printf format strings: parsed once at compile time; the runtime formats from the parsed pieces.

/**
 * r, rx and rh print buffers: escaped text, every byte as \xNN, and hex bytes separated by spaces; gr prints
 * an integer as GFP allocation flags, GFP_KERNEL|__GFP_ZERO (bpftrace v0.26).
 */
export type Conversion = 'd' | 'i' | 'u' | 'o' | 'x' | 'X' | 'c' | 's' | 'p' | 'r' | 'rx' | 'rh' | 'gr';

export interface FormatSpec {
  readonly flags: string; // any of '-', '+', ' ', '#', '0'
  readonly width?: number;
  readonly precision?: number;
  readonly length: '' | 'hh' | 'h' | 'l' | 'll' | 'z' | 'j' | 't';
  readonly conv: Conversion;
}

export type FormatPiece = { readonly text: string } | { readonly spec: FormatSpec; readonly offset: number };

const specRe = /%([-+ #0]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z|j|t)?([a-zA-Z%])/y;

/** Parses a format; errors name the offset inside the format string so the checker can point at it. */
export function parseFormat(fmt: string): { pieces: FormatPiece[] } | { error: string; offset: number } {
  const pieces: FormatPiece[] = [];
  let text = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i]!;
    if (c !== '%') {
      text += c;
      i++;
      continue;
    }
    specRe.lastIndex = i;
    const m = specRe.exec(fmt);
    if (!m) return { error: 'incomplete format specifier', offset: i };
    const conv = m[5]!;
    if (conv === '%') {
      text += '%'; // with flags or a width too (`%5%`), as bpftrace v0.26 reads it
    } else if (!/^[diuoxXcspr]$/.test(conv) && !(conv === 'g' && fmt[i + m[0].length] === 'r')) {
      // %g alone is a float, which bpftrace has not; %gr is GFP flags
      return { error: `unknown format specifier '%${conv}'`, offset: i };
    } else {
      // %rx and %rh: the letter after r picks the buffer rendering; %gr: the r after g
      const next = fmt[i + m[0].length];
      const sub = (conv === 'r' && (next === 'x' || next === 'h')) || conv === 'g' ? next! : '';
      if (text) pieces.push({ text });
      text = '';
      pieces.push({
        offset: i,
        spec: {
          flags: m[1] ?? '',
          width: m[2] === undefined ? undefined : Number(m[2]),
          precision: m[3] === undefined ? undefined : Number(m[3]),
          length: (m[4] ?? '') as FormatSpec['length'],
          conv: (conv + sub) as Conversion,
        },
      });
      i += sub.length;
    }
    i += m[0].length;
  }
  if (text) pieces.push({ text });
  return { pieces };
}
