import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TextBuffer } from '../../runtime/text-buffer.ts';

const text = (fill: (b: TextBuffer) => void, capacity?: number) => {
  const b = new TextBuffer(capacity);
  fill(b);
  return b.toString();
};

test('unsigned integers print as String() does, across digit counts and the 2^32 split', () => {
  const samples = [
    0,
    1,
    9,
    10,
    99,
    100,
    101,
    999,
    1000,
    65535,
    99999,
    100000,
    999999999,
    1000000000,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 32 + 1,
  ];
  for (let p = 1, i = 0; i < 16; i++, p *= 10) samples.push(p, p - 1, p + 1, p * 4 + 7);
  samples.push(1e15 + 999999999, 2 ** 53 - 1, 2 ** 53, 9007199254000000000 / 1e3, 1234567890123456);
  for (const n of samples)
    if (Number.isSafeInteger(n) || n === 2 ** 53)
      assert.is(
        text((b) => b.uint(n)),
        String(n),
        `uint(${n})`,
      );
});

test('every four-digit group: 0…9999 alone and as the low and middle groups of larger numbers', () => {
  for (let n = 0; n < 10000; n++)
    for (const v of [n, 70000 + n, 3_0000_0000 + n * 10000 + 9])
      assert.is(
        text((b) => b.uint(v)),
        String(v),
        `uint(${v})`,
      );
});

test('near 2^53 the split into 10^8 parts stays exact', () => {
  for (let k = 90071990; k <= 90071993; k++)
    for (const d of [-1, 0, 1]) {
      const n = k * 1e8 + d;
      if (n >= 0 && n <= 2 ** 53)
        assert.is(
          text((b) => b.uint(n)),
          String(n),
        );
    }
});

test('random integers of every magnitude match String()', () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const b = new TextBuffer();
  const want: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rand() * 2 ** Math.floor(rand() * 54)) * (i % 3 === 0 ? -1 : 1);
    if (n < 0) b.int(n);
    else b.uint(n);
    b.raw(Buffer.from(' '));
    want.push(String(n));
  }
  assert.is(b.toString(), `${want.join(' ')} `);
});

test('signed integers and hex', () => {
  for (const n of [0, -1, 1, -2147483648, 2147483647, -(2 ** 53) + 1, -4294967296, 12345])
    assert.is(
      text((b) => b.int(n)),
      String(n),
    );
  for (const n of [0, 1, 15, 16, 255, 0xdeadbeef, 0xffffffff, 0x10000])
    assert.is(
      text((b) => b.hex32(n)),
      n.toString(16),
    );
});

test('C strings: NUL-terminated, bounded, their bytes as they are (UTF-8 or not, as bpftrace writes them)', () => {
  const rec = (s: Uint8Array | string, size: number) => {
    const bytes = new Uint8Array(size + 8).fill(0x41); // 'A's after the field: must not leak
    bytes.set(typeof s === 'string' ? Buffer.from(s) : s, 4);
    return bytes;
  };
  assert.is(
    text((b) => b.cString(rec('abc\0zz', 8), 4, 8)),
    'abc',
  );
  assert.is(
    text((b) => b.cString(rec('abcdefgh', 8), 4, 8)),
    'abcdefgh',
  );
  assert.is(
    text((b) => b.cString(rec('héllo\0', 8), 4, 8)),
    'héllo',
  );
  const bad = Uint8Array.from([0x61, 0xff, 0x62, 0xc3, 0]);
  const raw = new TextBuffer();
  raw.cString(rec(bad, 8), 4, 8);
  assert.equal([...raw.bytes()], [0x61, 0xff, 0x62, 0xc3]);
  // as text, a byte that is not UTF-8 is its escape (lang/byte-text.ts)
  assert.is(
    text((b) => b.cString(rec(bad, 8), 4, 8)),
    'a\udcffb\udcc3',
  );
  assert.is(
    text((b) => b.cString(rec(Uint8Array.from([0xe2, 0x82, 0xac, 0xe2, 0x82, 0xac]), 6), 4, 6)),
    '€€',
  );
});

test('a string holding escaped bytes writes them as themselves', () => {
  const b = new TextBuffer();
  b.string('x\udcffé\udc80');
  assert.equal([...b.bytes()], [0x78, 0xff, 0xc3, 0xa9, 0x80]);
});

test('strings, raw bytes and growth keep everything written', () => {
  const b = new TextBuffer(256);
  const want: string[] = [];
  for (let i = 0; i < 500; i++) {
    b.string(`ü${i}\u{1f600}`);
    b.raw(Buffer.from(i % 2 ? ' ' : 'a somewhat longer piece of text\n'));
    b.uint(i * 1e10);
    want.push(`ü${i}\u{1f600}`, i % 2 ? ' ' : 'a somewhat longer piece of text\n', String(i * 1e10));
  }
  assert.is(b.toString(), want.join(''));
  assert.is(Buffer.compare(Buffer.from(b.bytes()), Buffer.from(want.join(''))), 0);
  b.reset();
  assert.is(b.toString(), '');
});

test.run();
