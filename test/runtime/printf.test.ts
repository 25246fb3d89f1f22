import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFormat, type FormatPiece, type FormatSpec } from '../../lang/format-string.ts';
import { i64, stringType, type Type } from '../../lang/types.ts';
import { compilePrintf, compilePrintfInto } from '../../runtime/printf-compiled.ts';
import { TextBuffer } from '../../runtime/text-buffer.ts';
import type { Value } from '../../runtime/value.ts';
import { formatOne } from '../../runtime/printf.ts';
import { textByteLength, textBytes } from '../../lang/index.ts';

/** Formats as the runtime does: the values packed into a record the way the compiler lays them out. */
function fmt(f: string, ...values: Value[]): string {
  const parsed = parseFormat(f);
  if ('error' in parsed) throw new Error(parsed.error);
  const args: { type: Type; offset: number }[] = [];
  let off = 8;
  for (const v of values) {
    const type = typeof v === 'string' ? stringType(textByteLength(v) + 1) : i64;
    args.push({ type, offset: off });
    off += Math.ceil((type.kind === 'string' ? type.size : 8) / 8) * 8;
  }
  const bytes = new Uint8Array(off);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    if (typeof v === 'bigint') view.setBigInt64(args[i]!.offset, BigInt.asIntN(64, v), true);
    else if (typeof v === 'string') bytes.set(textBytes(v), args[i]!.offset);
  });
  const text = compilePrintf(parsed.pieces as FormatPiece[], args)(view, bytes, 0);
  // the byte printer the session uses writes the same text, as UTF-8, after what the buffer holds
  const out = new TextBuffer(16);
  out.string('>');
  compilePrintfInto(parsed.pieces as FormatPiece[], args)(view, bytes, 0, out);
  assert.is(
    Buffer.from(out.bytes()).toString('hex'),
    textBytes(`>${text}`).toString('hex'),
    `bytes of ${JSON.stringify(text)}`,
  );
  return text;
}

test('%s of an integer is its decimal text, with width and flags; %5% is a % (bpftrace v0.26)', () => {
  assert.is(fmt('%s|%5s|%-4s|%s', 5n, -7n, 200n, -(2n ** 63n)), '5|   -7|200 |-9223372036854775808');
  assert.is(fmt('%5%|%-3%|%%|%d', 1n), '%|%|%|1');
  // a tuple, a struct or a bool as print() writes them (the checker lets %s take any value)
  const s: FormatSpec = { flags: '', length: '', conv: 's' };
  assert.is(formatOne(s, [1n, 'a', [true, -2n]]), '(1, a, (true, -2))');
  assert.is(formatOne({ ...s, width: 12 }, { kind: 'struct', fields: [{ name: 'x', value: 3n }] }), '  { .x = 3 }');
});

test('integers with width, flags and precision follow C', () => {
  assert.is(fmt('%d|%5d|%-5d|%05d|%+d|% d', 42n, 42n, 42n, 42n, 42n, 42n), '42|   42|42   |00042|+42| 42');
  assert.is(fmt('%d %i', -7n, -7n), '-7 -7');
  assert.is(fmt('%.3d|%8.3d', 5n, -5n), '005|    -005');
});

test('unsigned, hex, octal and pointers', () => {
  assert.is(fmt('%u %lu', -1n, -1n), '4294967295 18446744073709551615');
  assert.is(
    fmt('%d %ld %x %lx', 5000000000n, 5000000000n, 5000000000n, 5000000000n),
    '705032704 5000000000 2a05f200 12a05f200',
  );
  assert.is(fmt('%x %X %#x %#o %o', 255n, 255n, 255n, 8n, 8n), 'ff FF 0xff 010 10');
  assert.is(fmt('%p', 4096n), '0x1000');
  assert.is(
    fmt('%p|%4p|%-4p|', 0n, 0n, 0n),
    '0|   0|0   |',
    'a null pointer as bpftrace v0.26 prints it (0.17: (nil))',
  );
  assert.is(fmt('%hhu %hd', 257n, 65535n), '1 -1');
});

test('strings and chars', () => {
  assert.is(fmt('[%s] [%8s] [%-8s] [%.2s]', 'abc', 'abc', 'abc', 'abc'), '[abc] [     abc] [abc     ] [ab]');
  assert.is(fmt('%c%c', 104n, 105n), 'hi');
  // widths count bytes, as bpftrace (0.17's snprintf and v0.26's streams alike) counts them
  assert.is(fmt('[%5s][%-5s][%2s]', 'é', 'é', 'é'), '[   é][é   ][é]');
  // a precision too (`%.1s` of é is its first byte), and a byte that is not UTF-8 (\udcff: 0xff) is one
  assert.is(fmt('[%.1s][%5s][%-3s]', 'é', '\udcff', '\udcffé'), '[\udcc3][    \udcff][\udcffé]');
});

test('plain conversions take the fast paths and print as C does, 64-bit extremes included', () => {
  assert.is(fmt('%d %lu\n', 1234n, 123456789012345n), '1234 123456789012345\n');
  assert.is(fmt('%d|%u|%x', -2147483648n, 4294967295n, 3735928559n), '-2147483648|4294967295|deadbeef');
  assert.is(
    fmt('%ld|%lu|%lld', -9223372036854775808n, 18446744073709551615n, 9007199254740993n),
    '-9223372036854775808|18446744073709551615|9007199254740993',
  );
  assert.is(
    fmt('%ld %ld %lu', -9007199254740992n, 9007199254740992n, 9007199254740991n),
    '-9007199254740992 9007199254740992 9007199254740991',
  );
  assert.is(fmt('%ld %ld', -4294967296n, -1n), '-4294967296 -1');
});

test('the fast paths print what the general formatter prints, over random values', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const conv of ['%d', '%i', '%u', '%x', '%ld', '%lu', '%lld', '%llu', '%zu', '%li']) {
    const parsed = parseFormat(conv);
    if ('error' in parsed) throw new Error(parsed.error);
    const spec = (parsed.pieces[0] as { spec: FormatSpec }).spec;
    for (let i = 0; i < 2000; i++) {
      const v = BigInt.asIntN(
        64,
        BigInt(Math.floor(rand() * 2 ** 32)) *
          BigInt(Math.floor(rand() * 2 ** (rand() * 33))) *
          (rand() < 0.5 ? -1n : 1n),
      );
      assert.is(fmt(conv, v), formatOne(spec, v), `${conv} of ${v}`);
    }
  }
});

test('text pieces and strings keep their UTF-8; strings stop at NUL or their size', () => {
  assert.is(fmt('é %s → %s!', 'naïve', 'ok'), 'é naïve → ok!');
  assert.is(fmt('%s%s%s%s%s%s', 'a', 'b', 'c', 'd', 'e', 'f'), 'abcdef');
  assert.is(fmt(''), '');
  assert.is(fmt('%s', ''), '');
});

test('%% prints one percent sign', () => {
  assert.is(fmt('100%%'), '100%');
});

test('bad format specifiers are rejected with their offset', () => {
  assert.equal(parseFormat('a %q'), { error: "unknown format specifier '%q'", offset: 2 });
  assert.equal(parseFormat('a %'), { error: 'incomplete format specifier', offset: 2 });
});

test.run();
