import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesText, hasEscapedBytes, textByteLength, textBytes } from '../../lang/index.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('UTF-8 decodes to its characters, other bytes to their escapes (U+DC80 + byte - 0x80)', () => {
  assert.is(bytesText(bytes(0x61, 0x62)), 'ab');
  assert.is(bytesText(bytes(0xc3, 0xa9)), 'é');
  assert.is(bytesText(bytes(0xff)), '\udcff');
  assert.is(bytesText(bytes(0x61, 0xc3)), 'a\udcc3'); // cut in the middle of a character
  assert.is(bytesText(bytes(0xc3, 0xa9, 0x80, 0xf0, 0x9f, 0x98, 0x80)), 'é\udc80😀');
  // not UTF-8: overlong forms, encoded surrogates, past U+10FFFF
  assert.is(bytesText(bytes(0xc0, 0x80)), '\udcc0\udc80');
  assert.is(bytesText(bytes(0xed, 0xb2, 0x80)), '\udced\udcb2\udc80');
  assert.is(bytesText(bytes(0xf4, 0x90, 0x80, 0x80)), '\udcf4\udc90\udc80\udc80');
});

test('every byte sequence comes back exactly', () => {
  let seed = 7;
  for (let n = 0; n < 300; n++) {
    const b = Uint8Array.from({ length: n % 23 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
    assert.equal([...textBytes(bytesText(b))], [...b]);
  }
  for (let c = 0; c < 256; c++) assert.equal([...textBytes(bytesText(bytes(c, 0xc3, 0xa9, c)))], [c, 0xc3, 0xa9, c]);
});

test('a byte string: its bytes and their count; a real surrogate pair is not an escape', () => {
  assert.equal([...textBytes('a\udcffé')], [0x61, 0xff, 0xc3, 0xa9]);
  assert.is(textByteLength('a\udcffé'), 4);
  assert.is(textByteLength('😀'), 4);
  assert.is(hasEscapedBytes('😀'), false);
  assert.is(hasEscapedBytes('\ud83d\udc80'), false); // 💀: its low half is in the escape range
  assert.is(hasEscapedBytes('x\udc80'), true);
});

test.run();
