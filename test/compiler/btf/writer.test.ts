// The BTF writer, byte for byte. Expected bytes are written out by hand from include/uapi/linux/btf.h:
// header (u16 magic, u8 version, u8 flags, u32 hdr_len, type_off, type_len, str_off, str_len), then
// struct btf_type { u32 name_off; u32 info /* vlen | kind << 24 */; u32 size_or_type; } + kind data, then strings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BtfWriter, functionsBtf } from '../../../compiler/btf/index.ts';
import { hex } from '../asm/hex.ts';

const u32 = (n: number) => hex(new Uint8Array(new Uint32Array([n]).buffer));
const header = (typeLen: number, strLen: number) =>
  ['9f eb 01 00', u32(24), u32(0), u32(typeLen), u32(typeLen), u32(strLen)].join(' ');
const str = (s: string) => hex(Buffer.from(`${s}\0`, 'latin1'));

test('an empty writer is a header and the empty string', () => {
  assert.is(hex(new BtfWriter().encode()), `${header(0, 1)} 00`);
});

test('INT: name, kind 1, size, then encoding << 24 | bits', () => {
  const w = new BtfWriter();
  assert.is(w.int('int', 4, true), 1);
  assert.is(w.int('u8', 1, false), 2);
  assert.is(
    hex(w.encode()),
    [
      header(32, 8),
      '01 00 00 00',
      '00 00 00 01',
      '04 00 00 00',
      '20 00 00 01', // int: signed, 32 bits
      '05 00 00 00',
      '00 00 00 01',
      '01 00 00 00',
      '08 00 00 00', // u8: unsigned, 8 bits
      str(''),
      str('int'),
      str('u8'),
    ].join(' '),
  );
});

test('PTR: no name, kind 2, the pointee (0 = void)', () => {
  const w = new BtfWriter();
  assert.is(w.ptr(0), 1);
  assert.is(w.ptr(1), 2);
  assert.is(
    hex(w.encode()),
    [header(24, 1), '00 00 00 00 00 00 00 02 00 00 00 00', '00 00 00 00 00 00 00 02 01 00 00 00', '00'].join(' '),
  );
});

test('FUNC_PROTO: vlen params after the type, each { name_off, type }; FUNC: linkage in vlen', () => {
  const w = new BtfWriter();
  const long = w.int('long', 8, true);
  const proto = w.funcProto(long, [
    { name: 'a', type: long },
    { name: 'b', type: 0 },
  ]);
  assert.is(proto, 2);
  assert.is(w.func('f', proto, 'static'), 3);
  assert.is(w.func('g', proto, 'global'), 4);
  assert.is(w.func('h', proto, 'extern'), 5);
  assert.is(
    hex(w.encode()),
    [
      header(16 + 28 + 12 * 3, 16),
      '01 00 00 00',
      '00 00 00 01',
      '08 00 00 00',
      '40 00 00 01', // [1] long
      '00 00 00 00',
      '02 00 00 0d',
      '01 00 00 00', // [2] proto, 2 params, returns [1]
      '06 00 00 00',
      '01 00 00 00', // a: long
      '08 00 00 00',
      '00 00 00 00', // b: type 0
      '0a 00 00 00',
      '00 00 00 0c',
      '02 00 00 00', // [3] static f
      '0c 00 00 00',
      '01 00 00 0c',
      '02 00 00 00', // [4] global g
      '0e 00 00 00',
      '02 00 00 0c',
      '02 00 00 00', // [5] extern h
      str(''),
      str('long'),
      str('a'),
      str('b'),
      str('f'),
      str('g'),
      str('h'),
    ].join(' '),
  );
});

test('repeated names share one string', () => {
  const w = new BtfWriter();
  w.int('x', 4, true);
  w.int('x', 8, true);
  assert.is(hex(w.encode()).endsWith(`${str('')} ${str('x')}`), true);
  assert.is(w.encode().length, 24 + 32 + 3);
});

test('functionsBtf: int main(void *ctx) global, long cb(void *map, void *key, void *value, void *ctx) static', () => {
  const f = functionsBtf('prog', ['cb0', 'cb1']);
  assert.is(f.main, 5);
  assert.equal(f.callbacks, [7, 8]);
  assert.is(
    hex(f.data),
    [
      header(16 + 16 + 12 + 20 + 12 + 44 + 12 + 12, 41),
      '01 00 00 00',
      '00 00 00 01',
      '04 00 00 00',
      '20 00 00 01', // [1] int
      '05 00 00 00',
      '00 00 00 01',
      '08 00 00 00',
      '40 00 00 01', // [2] long
      '00 00 00 00',
      '00 00 00 02',
      '00 00 00 00', // [3] void *
      '00 00 00 00',
      '01 00 00 0d',
      '01 00 00 00',
      '0a 00 00 00',
      '03 00 00 00', // [4] int (void *ctx)
      '0e 00 00 00',
      '01 00 00 0c',
      '04 00 00 00', // [5] global prog
      '00 00 00 00',
      '04 00 00 0d',
      '02 00 00 00', // [6] long (…4 params)
      '13 00 00 00',
      '03 00 00 00', // map
      '17 00 00 00',
      '03 00 00 00', // key
      '1b 00 00 00',
      '03 00 00 00', // value
      '0a 00 00 00',
      '03 00 00 00', // ctx
      '21 00 00 00',
      '00 00 00 0c',
      '06 00 00 00', // [7] static cb0
      '25 00 00 00',
      '00 00 00 0c',
      '06 00 00 00', // [8] static cb1
      str(''),
      str('int'),
      str('long'),
      str('ctx'),
      str('prog'),
      str('map'),
      str('key'),
      str('value'),
      str('cb0'),
      str('cb1'),
    ].join(' '),
  );
});

test('functionsBtf refuses names the kernel would refuse', () => {
  assert.throws(() => functionsBtf('0_BEGIN', []), /not an identifier/);
  assert.throws(() => functionsBtf('ok', ['a-b']), /not an identifier/);
});

test.run();
