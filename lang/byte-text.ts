// Text that carries bytes. A script's string literal is bytes ("\xff" is the byte 0xff, a typed "é" its UTF-8
// bytes c3 a9, as in bpftrace), and so is every string the kernel hands back; neither need be UTF-8. scry keeps
// them as JS strings all the same, so names, paths and formats read as text: a byte string is a JS string whose
// UTF-8 encoding is its bytes, except that a byte outside any valid UTF-8 sequence is the lone surrogate
// U+DC80 + (byte - 0x80) ("surrogateescape", as Python calls it). Valid UTF-8 decodes to its characters, so text
// is text; the escaped bytes go back out as themselves, so nothing is lost between a script, the kernel and the
// output. Pure: the compiler, the runtime and the map-snapshot worker all use it.

/** A lone low surrogate in U+DC80..U+DCFF (not the second half of a pair): an escaped byte. */
const ESCAPED = /(?<![\ud800-\udbff])[\udc80-\udcff]/;

/** Whether s holds an escaped byte (a byte that is not UTF-8). */
export function hasEscapedBytes(s: string): boolean {
  return ESCAPED.test(s);
}

/** The bytes of a byte string: its UTF-8, each escaped byte as itself. */
export function textBytes(s: string): Buffer {
  if (!ESCAPED.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc80 || c > 0xdcff) continue;
    const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
    if (prev >= 0xd800 && prev <= 0xdbff) continue; // the second half of a pair
    parts.push(Buffer.from(s.slice(from, i), 'utf8'), Buffer.of(c - 0xdc00));
    from = i + 1;
  }
  parts.push(Buffer.from(s.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

/** How many bytes s is (textBytes(s).length). */
export function textByteLength(s: string): number {
  if (!ESCAPED.test(s)) return Buffer.byteLength(s, 'utf8');
  return textBytes(s).length;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Bytes as a byte string: valid UTF-8 as its characters, any other byte escaped (see above). */
export function bytesText(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++)
    if (b[i]! >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  try {
    return strict.decode(b);
  } catch {
    // not all UTF-8: decode the valid runs, escape the rest byte by byte
  }
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let out = '';
  let run = 0; // the start of the current run of valid UTF-8
  let i = 0;
  while (i < b.length) {
    const n = sequenceLength(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString('utf8', run, i) + String.fromCharCode(0xdc00 + b[i]!);
    i++;
    run = i;
  }
  return out + buf.toString('utf8', run, i);
}

/** The length of the valid UTF-8 sequence at i (Unicode's table 3-7), or 0 when the byte there starts none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
