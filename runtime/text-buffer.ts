// A growable byte buffer that compiled printers append UTF-8 text to: at event rates, formatting straight
// into bytes saves a string per piece, a concatenation per event and an encoding per write.

const MIN_CAPACITY = 256;
/** '00'…'99': two digits per division when writing integers */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}
const HEX = Buffer.from('0123456789abcdef', 'latin1');

export class TextBuffer {
  /** bytes [0, len) are the text so far; printers write past len only after ensure() */
  buf: Buffer;
  len = 0;

  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, capacity));
  }

  /** Makes room for n more bytes (grows; never drops what is there). */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** The text so far (a view: valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  reset(): void {
    this.len = 0;
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.len);
  }

  /** Any string, as UTF-8 (lone surrogates become U+FFFD, as Buffer.from would make them). */
  string(s: string): void {
    this.ensure(s.length * 3); // a UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair: 4 for 2)
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** Bytes already encoded (format text, precomputed once). */
  raw(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.len;
    // short pieces (': ', '\n') are the common case, where a loop beats TypedArray.set's call
    if (n <= 16) for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    else {
      buf.set(b, p);
      p += n;
    }
    this.len = p;
  }

  /**
   * A NUL-terminated string of at most max bytes from src at start, as String(utf8 bytes) would print it:
   * ASCII is copied as is; anything else is decoded and re-encoded so invalid sequences print as U+FFFD.
   */
  cString(src: Uint8Array, start: number, max: number): void {
    this.ensure(max * 3);
    const buf = this.buf;
    const begin = this.len;
    let p = begin;
    const end = start + max;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (c === 0) break;
      if (c >= 0x80) {
        let stop = src.indexOf(0, i);
        if (stop < 0 || stop > end) stop = end;
        this.len = begin;
        this.len += buf.write(Buffer.from(src.buffer, src.byteOffset + start, stop - start).toString('utf8'), begin, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    this.len = p;
  }

  /** 0 ≤ n < 2^53, an integer, in decimal. */
  uint(n: number): void {
    this.ensure(16);
    if (n < 4294967296) {
      this.len = writeU32(this.buf, this.len, n >>> 0);
      return;
    }
    // two parts below 2^32, so the digit loops stay in integer arithmetic
    let hi = Math.floor(n / 1e9);
    let lo = n - hi * 1e9;
    if (lo < 0) {
      // n / 1e9 rounded up to the next integer (possible near 2^53)
      hi--;
      lo += 1e9;
    }
    const p = writeU32(this.buf, this.len, hi);
    this.len = writeU32Padded(this.buf, p, lo, 9);
  }

  /** A safe integer (|n| < 2^53) in decimal. */
  int(n: number): void {
    if (n < 0) {
      this.ensure(17);
      this.buf[this.len++] = 45; // '-'
      n = -n;
    }
    this.uint(n);
  }

  /** 0 ≤ n < 2^32 in lowercase hex. */
  hex32(n: number): void {
    this.ensure(8);
    let digits = 1;
    for (let v = n >>> 4; v !== 0; v >>>= 4) digits++;
    const buf = this.buf;
    let p = this.len + digits;
    this.len = p;
    do {
      buf[--p] = HEX[n & 15]!;
      n >>>= 4;
    } while (n !== 0);
  }
}

/** Writes n (a uint32) at p; returns the end. */
function writeU32(buf: Buffer, p: number, n: number): number {
  const end = p + decimalDigits(n);
  fillDigits(buf, end, n);
  return end;
}

/** Writes n (a uint32) at p as exactly `width` digits, zero-padded; returns the end. */
function writeU32Padded(buf: Buffer, p: number, n: number, width: number): number {
  const end = p + width;
  const start = end - decimalDigits(n);
  for (let i = p; i < start; i++) buf[i] = 48;
  fillDigits(buf, end, n);
  return end;
}

/** The digits of n, ending just before end. */
function fillDigits(buf: Buffer, end: number, n: number): void {
  let p = end;
  while (n >= 100) {
    const q = Math.floor(n / 100);
    const r = (n - q * 100) * 2;
    n = q;
    buf[--p] = PAIRS[r + 1]!;
    buf[--p] = PAIRS[r]!;
  }
  if (n >= 10) {
    buf[--p] = PAIRS[n * 2 + 1]!;
    buf[--p] = PAIRS[n * 2]!;
  } else buf[--p] = 48 + n;
}

function decimalDigits(n: number): number {
  if (n < 100000) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  return n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
}
