// A zeroed little-endian struct under construction (bpf_attr, perf_event_attr, …), plus the
// pointer fields the native layer must fill with buffer addresses.
import type { PtrFixup } from './native.ts';

const encoder = new TextEncoder();

/** NUL-terminated UTF-8 copy of s. */
export function cString(s: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.byteLength(s) + 1);
  encoder.encodeInto(s, bytes);
  return bytes;
}

/** Text up to the first NUL. */
export function fromCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? bytes.length : end).toString('utf8');
}

export class Attr {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly ptrs: PtrFixup[] = [];

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u16(off: number, v: number): this {
    this.view.setUint16(off, v, true);
    return this;
  }

  u32(off: number, v: number): this {
    this.view.setUint32(off, v >>> 0, true);
    return this;
  }

  i32(off: number, v: number): this {
    this.view.setInt32(off, v, true);
    return this;
  }

  u64(off: number, v: number | bigint): this {
    this.view.setBigUint64(off, BigInt.asUintN(64, BigInt(v)), true);
    return this;
  }

  /** A u64 pointer field: the native layer stores buf's address here. null/undefined leaves 0. */
  ptr(off: number, buf: ArrayBufferView | null | undefined): this {
    if (buf) this.ptrs.push([off, buf]);
    return this;
  }

  /** A fixed char[len] field, truncated to len - 1 bytes so it stays NUL-terminated. */
  chars(off: number, len: number, s: string): this {
    const b = Buffer.from(s, 'utf8').subarray(0, len - 1);
    this.bytes.set(b, off);
    return this;
  }

  getU32(off: number): number {
    return this.view.getUint32(off, true);
  }

  getU64(off: number): bigint {
    return this.view.getBigUint64(off, true);
  }
}
