import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  R0,
  R1,
  R2,
  callLabel,
  encode,
  exit,
  ja,
  jmpImm,
  label,
  ldFuncAddr,
  ldImm64,
  ldMapFd,
  ldMapValue,
  ldx,
  mov64Imm,
  patchMapFd,
  withSpan,
  type Insn,
} from '../../../compiler/asm/index.ts';
import { sourceFile, type Span } from '../../../lang/source.ts';
import { hex } from './hex.ts';

function slot(bytes: Uint8Array, index: number): string {
  return hex(bytes.subarray(index * 8, index * 8 + 8));
}

const file = sourceFile('stdin', 'BEGIN { @x = 1; exit(); }');
const span = (start: number, end: number): Span => ({ file, start, end });

test('a forward jump counts from the slot after it', () => {
  const { bytes } = encode([jmpImm('jeq', R1, 0, 'out'), mov64Imm(R0, 1), label('out'), exit()]);
  assert.is(slot(bytes, 0), '15 01 01 00 00 00 00 00');
});

test('a backward jump gets a negative offset', () => {
  const { bytes } = encode([label('top'), mov64Imm(R0, 1), mov64Imm(R0, 2), ja('top')]);
  assert.is(slot(bytes, 2), '05 00 fd ff 00 00 00 00');
});

test('a jump to its own slot has offset -1', () => {
  const { bytes } = encode([label('self'), ja('self')]);
  assert.is(slot(bytes, 0), '05 00 ff ff 00 00 00 00');
});

test('a label before the first instruction and one after the last both resolve', () => {
  const { bytes } = encode([label('start'), ja('end'), ja('start'), label('end')]);
  assert.is(slot(bytes, 0), '05 00 01 00 00 00 00 00');
  assert.is(slot(bytes, 1), '05 00 fe ff 00 00 00 00');
});

test('ld_imm64 counts as two slots when jumping over it', () => {
  const enc = encode([ja('after'), ldImm64(R1, 1n), label('after'), exit()]);
  assert.is(enc.slots, 4);
  assert.is(enc.bytes.length, 32);
  assert.is(slot(enc.bytes, 0), '05 00 02 00 00 00 00 00');
});

test('ld_imm64 counts as two slots when jumping back over it', () => {
  const { bytes } = encode([label('top'), ldImm64(R1, 1n), ja('top')]);
  assert.is(slot(bytes, 2), '05 00 fd ff 00 00 00 00');
});

test('adjacent labels name the same slot', () => {
  const { bytes } = encode([ja('b'), label('a'), label('b'), exit()]);
  assert.is(slot(bytes, 0), '05 00 00 00 00 00 00 00');
});

test('a bpf-to-bpf call resolves its label into imm', () => {
  const { bytes } = encode([callLabel('fn'), exit(), label('fn'), mov64Imm(R0, 0), exit()]);
  assert.is(slot(bytes, 0), '85 10 00 00 01 00 00 00');
});

test('a function address resolves its label into the first slot, counting from the slot after it', () => {
  const { bytes, labels } = encode([
    ldFuncAddr(R2, 'cb'),
    mov64Imm(R0, 0),
    exit(),
    label('cb'),
    mov64Imm(R0, 1),
    exit(),
  ]);
  assert.is(slot(bytes, 0), '18 42 00 00 03 00 00 00');
  assert.is(slot(bytes, 1), '00 00 00 00 00 00 00 00');
  assert.is(labels.get('cb'), 4);
});

test('a function address behind its target gets a negative distance', () => {
  const { bytes } = encode([label('cb'), exit(), ldFuncAddr(R1, 'cb')]);
  assert.is(slot(bytes, 1), '18 41 00 00 fe ff ff ff');
  assert.is(slot(bytes, 2), '00 00 00 00 00 00 00 00');
});

test('relocations report the first slot of each map load', () => {
  const enc = encode([mov64Imm(R0, 0), ldMapFd(R1, 'a'), ldImm64(R2, 5n), ldMapValue(R2, 'b', 8), exit()]);
  assert.equal(enc.relocations, [
    { insn: 1, map: 'a', kind: 'fd', offset: 0 },
    { insn: 5, map: 'b', kind: 'value', offset: 8 },
  ]);
});

test('map loads are encoded with fd 0 for the loader to patch', () => {
  const { bytes } = encode([ldMapValue(R2, 'b', 8)]);
  assert.is(hex(bytes), '18 22 00 00 00 00 00 00 00 00 00 00 08 00 00 00');
});

test('the source map has one entry per slot, and both ld_imm64 slots share its span', () => {
  const a = span(8, 14);
  const b = span(16, 22);
  const enc = encode([withSpan(mov64Imm(R1, 1), a), withSpan(ldImm64(R2, 2n), b), label('x'), exit()]);
  assert.is(enc.sourceMap.length, enc.slots);
  assert.equal(enc.sourceMap, [a, b, b, undefined]);
});

test('an empty program encodes to nothing', () => {
  const enc = encode([]);
  assert.is(enc.slots, 0);
  assert.is(enc.bytes.length, 0);
  assert.equal(enc.relocations, []);
  assert.equal(enc.sourceMap, []);
});

test('an unknown label throws', () => {
  assert.throws(() => encode([ja('nowhere')]), /unknown label "nowhere"/);
  assert.throws(() => encode([callLabel('nofn')]), /unknown label "nofn"/);
});

test('a duplicate label throws', () => {
  assert.throws(() => encode([label('a'), exit(), label('a'), exit()]), /duplicate label "a"/);
});

test('a jump too far for 16 bits throws', () => {
  const filler: Insn[] = Array.from({ length: 0x8000 }, () => mov64Imm(R0, 0));
  assert.not.throws(() => encode([ja('far'), ...filler.slice(1), label('far'), exit()]));
  assert.throws(() => encode([ja('far'), ...filler, label('far'), exit()]), /jump to "far".*out of range/);
});

test('fields outside their encodable range throw', () => {
  assert.throws(() => encode([mov64Imm(R1, 2 ** 31)]), /imm 2147483648 out of range/);
  assert.throws(() => encode([mov64Imm(R1, 1.5)]), /imm 1.5 out of range/);
  assert.throws(() => encode([ldx(8, R0, R1, 0x8000)]), /offset 32768 out of range/);
  assert.throws(() => encode([ldImm64(R1, 2n ** 64n)]), /imm64 .* out of 64-bit range/);
  assert.throws(() => encode([ldImm64(R1, -(2n ** 63n) - 1n)]), /out of 64-bit range/);
});

test('the full unsigned and signed 64-bit ranges are accepted by ld_imm64', () => {
  assert.not.throws(() => encode([ldImm64(R1, 2n ** 64n - 1n), ldImm64(R1, -(2n ** 63n))]));
});

test('patchMapFd writes the fd into the first slot and keeps the value offset', () => {
  const enc = encode([mov64Imm(R0, 0), ldMapValue(R1, 'b', 8)]);
  patchMapFd(enc.bytes, 1, 7);
  assert.is(hex(enc.bytes.subarray(8)), '18 21 00 00 07 00 00 00 00 00 00 00 08 00 00 00');
});

test('patchMapFd works on a view into a larger buffer', () => {
  const enc = encode([ldMapFd(R1, 'a')]);
  const backing = new Uint8Array(32);
  backing.set(enc.bytes, 8);
  patchMapFd(backing.subarray(8, 24), 0, 0x1234);
  assert.is(hex(backing.subarray(8, 24)), '18 11 00 00 34 12 00 00 00 00 00 00 00 00 00 00');
});

test('patchMapFd refuses a slot that is not an ld_imm64', () => {
  const enc = encode([mov64Imm(R0, 0), ldMapFd(R1, 'a')]);
  assert.throws(() => patchMapFd(enc.bytes, 0, 3), /slot 0 is not an ld_imm64/);
  assert.throws(() => patchMapFd(enc.bytes, 2, 3), /slot 2 is not an ld_imm64/);
});

test.run();
