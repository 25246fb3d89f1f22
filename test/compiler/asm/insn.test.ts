// Every builder, byte for byte. Expected bytes are derived by hand from the
// instruction-set spec: opcode, dst | src << 4, off (s16 LE), imm (s32 LE).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FP,
  NEGATED_JMP,
  NEGATED_JMP_CODE,
  R0,
  R1,
  R10,
  R2,
  R3,
  R4,
  R6,
  R9,
  alu32Imm,
  alu32Reg,
  alu64Imm,
  alu64Reg,
  atomic,
  call,
  callLabel,
  encode,
  endian,
  exit,
  ja,
  jmp32Imm,
  jmp32Reg,
  jmpImm,
  jmpReg,
  label,
  ldFuncAddr,
  ldImm64,
  ldMapFd,
  ldMapValue,
  ldx,
  ldxsx,
  mov32Imm,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  movsx32,
  movsx64,
  neg32,
  neg64,
  st,
  stx,
  withSpan,
  type Insn,
} from '../../../compiler/asm/index.ts';
import { sourceFile } from '../../../lang/source.ts';
import { hex } from './hex.ts';

// Jump and call builders target 'L', placed two slots past the instruction, so their off/imm is 2.
function bytesOf(insn: Insn): string {
  const { bytes } = encode([insn, exit(), exit(), label('L')]);
  return hex(bytes.subarray(0, bytes.length - 16));
}

const table: [string, Insn, string][] = [
  ['mov64Imm(R1, 22)', mov64Imm(R1, 22), 'b7 01 00 00 16 00 00 00'],
  ['mov64Imm(R3, -1)', mov64Imm(R3, -1), 'b7 03 00 00 ff ff ff ff'],
  ['mov64Reg(R6, R1)', mov64Reg(R6, R1), 'bf 16 00 00 00 00 00 00'],
  ['mov32Imm(R2, 0x12345678)', mov32Imm(R2, 0x12345678), 'b4 02 00 00 78 56 34 12'],
  ['mov32Reg(R0, R9)', mov32Reg(R0, R9), 'bc 90 00 00 00 00 00 00'],
  ['movsx64(R1, R2, 8)', movsx64(R1, R2, 8), 'bf 21 08 00 00 00 00 00'],
  ['movsx64(R1, R2, 16)', movsx64(R1, R2, 16), 'bf 21 10 00 00 00 00 00'],
  ['movsx64(R1, R2, 32)', movsx64(R1, R2, 32), 'bf 21 20 00 00 00 00 00'],
  ['movsx32(R1, R2, 8)', movsx32(R1, R2, 8), 'bc 21 08 00 00 00 00 00'],
  ['movsx32(R1, R2, 16)', movsx32(R1, R2, 16), 'bc 21 10 00 00 00 00 00'],

  ["alu64Imm('add', R1, 5)", alu64Imm('add', R1, 5), '07 01 00 00 05 00 00 00'],
  ["alu64Imm('sub', R1, 5)", alu64Imm('sub', R1, 5), '17 01 00 00 05 00 00 00'],
  ["alu64Imm('mul', R1, 5)", alu64Imm('mul', R1, 5), '27 01 00 00 05 00 00 00'],
  ["alu64Imm('div', R1, 5)", alu64Imm('div', R1, 5), '37 01 00 00 05 00 00 00'],
  ["alu64Imm('sdiv', R1, 5)", alu64Imm('sdiv', R1, 5), '37 01 01 00 05 00 00 00'],
  ["alu64Imm('or', R1, 5)", alu64Imm('or', R1, 5), '47 01 00 00 05 00 00 00'],
  ["alu64Imm('and', R1, 5)", alu64Imm('and', R1, 5), '57 01 00 00 05 00 00 00'],
  ["alu64Imm('lsh', R1, 5)", alu64Imm('lsh', R1, 5), '67 01 00 00 05 00 00 00'],
  ["alu64Imm('rsh', R1, 5)", alu64Imm('rsh', R1, 5), '77 01 00 00 05 00 00 00'],
  ["alu64Imm('mod', R1, 5)", alu64Imm('mod', R1, 5), '97 01 00 00 05 00 00 00'],
  ["alu64Imm('smod', R1, 5)", alu64Imm('smod', R1, 5), '97 01 01 00 05 00 00 00'],
  ["alu64Imm('xor', R1, 5)", alu64Imm('xor', R1, 5), 'a7 01 00 00 05 00 00 00'],
  ["alu64Imm('arsh', R1, 5)", alu64Imm('arsh', R1, 5), 'c7 01 00 00 05 00 00 00'],
  ["alu64Imm('add', R1, -2)", alu64Imm('add', R1, -2), '07 01 00 00 fe ff ff ff'],

  ["alu64Reg('add', R1, R2)", alu64Reg('add', R1, R2), '0f 21 00 00 00 00 00 00'],
  ["alu64Reg('sub', R1, R2)", alu64Reg('sub', R1, R2), '1f 21 00 00 00 00 00 00'],
  ["alu64Reg('mul', R1, R2)", alu64Reg('mul', R1, R2), '2f 21 00 00 00 00 00 00'],
  ["alu64Reg('div', R1, R2)", alu64Reg('div', R1, R2), '3f 21 00 00 00 00 00 00'],
  ["alu64Reg('sdiv', R1, R2)", alu64Reg('sdiv', R1, R2), '3f 21 01 00 00 00 00 00'],
  ["alu64Reg('or', R1, R2)", alu64Reg('or', R1, R2), '4f 21 00 00 00 00 00 00'],
  ["alu64Reg('and', R1, R2)", alu64Reg('and', R1, R2), '5f 21 00 00 00 00 00 00'],
  ["alu64Reg('lsh', R1, R2)", alu64Reg('lsh', R1, R2), '6f 21 00 00 00 00 00 00'],
  ["alu64Reg('rsh', R1, R2)", alu64Reg('rsh', R1, R2), '7f 21 00 00 00 00 00 00'],
  ["alu64Reg('mod', R1, R2)", alu64Reg('mod', R1, R2), '9f 21 00 00 00 00 00 00'],
  ["alu64Reg('smod', R1, R2)", alu64Reg('smod', R1, R2), '9f 21 01 00 00 00 00 00'],
  ["alu64Reg('xor', R1, R2)", alu64Reg('xor', R1, R2), 'af 21 00 00 00 00 00 00'],
  ["alu64Reg('arsh', R1, R2)", alu64Reg('arsh', R1, R2), 'cf 21 00 00 00 00 00 00'],

  ["alu32Imm('add', R1, 5)", alu32Imm('add', R1, 5), '04 01 00 00 05 00 00 00'],
  ["alu32Imm('mul', R1, 3)", alu32Imm('mul', R1, 3), '24 01 00 00 03 00 00 00'],
  ["alu32Imm('sdiv', R1, 5)", alu32Imm('sdiv', R1, 5), '34 01 01 00 05 00 00 00'],
  ["alu32Imm('smod', R1, 5)", alu32Imm('smod', R1, 5), '94 01 01 00 05 00 00 00'],
  ["alu32Imm('arsh', R1, 5)", alu32Imm('arsh', R1, 5), 'c4 01 00 00 05 00 00 00'],
  ["alu32Reg('sub', R1, R2)", alu32Reg('sub', R1, R2), '1c 21 00 00 00 00 00 00'],
  ["alu32Reg('sdiv', R1, R2)", alu32Reg('sdiv', R1, R2), '3c 21 01 00 00 00 00 00'],
  ["alu32Reg('mod', R1, R2)", alu32Reg('mod', R1, R2), '9c 21 00 00 00 00 00 00'],
  ["alu32Reg('xor', R1, R2)", alu32Reg('xor', R1, R2), 'ac 21 00 00 00 00 00 00'],

  ['neg64(R4)', neg64(R4), '87 04 00 00 00 00 00 00'],
  ['neg32(R4)', neg32(R4), '84 04 00 00 00 00 00 00'],
  ["endian(R1, 'le', 16)", endian(R1, 'le', 16), 'd4 01 00 00 10 00 00 00'],
  ["endian(R1, 'le', 32)", endian(R1, 'le', 32), 'd4 01 00 00 20 00 00 00'],
  ["endian(R1, 'le', 64)", endian(R1, 'le', 64), 'd4 01 00 00 40 00 00 00'],
  ["endian(R1, 'be', 16)", endian(R1, 'be', 16), 'dc 01 00 00 10 00 00 00'],
  ["endian(R1, 'be', 32)", endian(R1, 'be', 32), 'dc 01 00 00 20 00 00 00'],
  ["endian(R1, 'be', 64)", endian(R1, 'be', 64), 'dc 01 00 00 40 00 00 00'],
  ["endian(R1, 'bswap', 16)", endian(R1, 'bswap', 16), 'd7 01 00 00 10 00 00 00'],
  ["endian(R1, 'bswap', 32)", endian(R1, 'bswap', 32), 'd7 01 00 00 20 00 00 00'],
  ["endian(R1, 'bswap', 64)", endian(R1, 'bswap', 64), 'd7 01 00 00 40 00 00 00'],

  ['ldImm64(R1, 0x123456789n)', ldImm64(R1, 0x123456789n), '18 01 00 00 89 67 45 23 00 00 00 00 01 00 00 00'],
  ['ldImm64(R2, -1n)', ldImm64(R2, -1n), '18 02 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff'],
  ['ldImm64(R2, 2n ** 64n - 1n)', ldImm64(R2, 2n ** 64n - 1n), '18 02 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff'],
  ['ldImm64(R0, 0x80000000n)', ldImm64(R0, 0x80000000n), '18 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00'],
  ["ldMapFd(R1, 'm')", ldMapFd(R1, 'm'), '18 11 00 00 00 00 00 00 00 00 00 00 00 00 00 00'],
  ["ldMapValue(R3, 'm', 16)", ldMapValue(R3, 'm', 16), '18 23 00 00 00 00 00 00 00 00 00 00 10 00 00 00'],
  // BPF_PSEUDO_FUNC (4): imm = slots from the one after the first slot to 'L' (4 - 1)
  ["ldFuncAddr(R2, 'L')", ldFuncAddr(R2, 'L'), '18 42 00 00 03 00 00 00 00 00 00 00 00 00 00 00'],

  ['ldx(1, R0, R1, 4)', ldx(1, R0, R1, 4), '71 10 04 00 00 00 00 00'],
  ['ldx(2, R0, R1, 4)', ldx(2, R0, R1, 4), '69 10 04 00 00 00 00 00'],
  ['ldx(4, R0, R1, 4)', ldx(4, R0, R1, 4), '61 10 04 00 00 00 00 00'],
  ['ldx(8, R0, R10, -8)', ldx(8, R0, R10, -8), '79 a0 f8 ff 00 00 00 00'],
  ['ldxsx(1, R0, R1, 4)', ldxsx(1, R0, R1, 4), '91 10 04 00 00 00 00 00'],
  ['ldxsx(2, R0, R1, 4)', ldxsx(2, R0, R1, 4), '89 10 04 00 00 00 00 00'],
  ['ldxsx(4, R0, R1, 4)', ldxsx(4, R0, R1, 4), '81 10 04 00 00 00 00 00'],
  ['st(1, R10, -1, 0x7f)', st(1, R10, -1, 0x7f), '72 0a ff ff 7f 00 00 00'],
  ['st(2, R10, -2, -1)', st(2, R10, -2, -1), '6a 0a fe ff ff ff ff ff'],
  ['st(4, R10, -4, 0x100)', st(4, R10, -4, 0x100), '62 0a fc ff 00 01 00 00'],
  ['st(8, R10, -16, 7)', st(8, R10, -16, 7), '7a 0a f0 ff 07 00 00 00'],
  ['stx(1, R10, R1, -8)', stx(1, R10, R1, -8), '73 1a f8 ff 00 00 00 00'],
  ['stx(2, R10, R1, -8)', stx(2, R10, R1, -8), '6b 1a f8 ff 00 00 00 00'],
  ['stx(4, R10, R1, -8)', stx(4, R10, R1, -8), '63 1a f8 ff 00 00 00 00'],
  ['stx(8, R10, R1, 0x7fff)', stx(8, R10, R1, 0x7fff), '7b 1a ff 7f 00 00 00 00'],

  ["atomic('add', 8, R1, R2, 0)", atomic('add', 8, R1, R2, 0), 'db 21 00 00 00 00 00 00'],
  ["atomic('or', 8, R1, R2, 0)", atomic('or', 8, R1, R2, 0), 'db 21 00 00 40 00 00 00'],
  ["atomic('and', 8, R1, R2, 0)", atomic('and', 8, R1, R2, 0), 'db 21 00 00 50 00 00 00'],
  ["atomic('xor', 8, R1, R2, 0)", atomic('xor', 8, R1, R2, 0), 'db 21 00 00 a0 00 00 00'],
  ["atomic('fetch_add', 8, R1, R2, 0)", atomic('fetch_add', 8, R1, R2, 0), 'db 21 00 00 01 00 00 00'],
  ["atomic('fetch_or', 8, R1, R2, 0)", atomic('fetch_or', 8, R1, R2, 0), 'db 21 00 00 41 00 00 00'],
  ["atomic('fetch_and', 8, R1, R2, 0)", atomic('fetch_and', 8, R1, R2, 0), 'db 21 00 00 51 00 00 00'],
  ["atomic('fetch_xor', 8, R1, R2, 0)", atomic('fetch_xor', 8, R1, R2, 0), 'db 21 00 00 a1 00 00 00'],
  ["atomic('xchg', 8, R1, R2, 0)", atomic('xchg', 8, R1, R2, 0), 'db 21 00 00 e1 00 00 00'],
  ["atomic('cmpxchg', 8, R1, R2, 0)", atomic('cmpxchg', 8, R1, R2, 0), 'db 21 00 00 f1 00 00 00'],
  ["atomic('add', 4, R10, R3, -8)", atomic('add', 4, R10, R3, -8), 'c3 3a f8 ff 00 00 00 00'],
  ["atomic('xchg', 4, R1, R2, 0)", atomic('xchg', 4, R1, R2, 0), 'c3 21 00 00 e1 00 00 00'],

  ["ja('L')", ja('L'), '05 00 02 00 00 00 00 00'],
  ["jmpImm('jeq', R1, 5, 'L')", jmpImm('jeq', R1, 5, 'L'), '15 01 02 00 05 00 00 00'],
  ["jmpImm('jgt', R1, 5, 'L')", jmpImm('jgt', R1, 5, 'L'), '25 01 02 00 05 00 00 00'],
  ["jmpImm('jge', R1, 5, 'L')", jmpImm('jge', R1, 5, 'L'), '35 01 02 00 05 00 00 00'],
  ["jmpImm('jset', R1, 5, 'L')", jmpImm('jset', R1, 5, 'L'), '45 01 02 00 05 00 00 00'],
  ["jmpImm('jne', R1, 5, 'L')", jmpImm('jne', R1, 5, 'L'), '55 01 02 00 05 00 00 00'],
  ["jmpImm('jsgt', R1, 5, 'L')", jmpImm('jsgt', R1, 5, 'L'), '65 01 02 00 05 00 00 00'],
  ["jmpImm('jsge', R1, 5, 'L')", jmpImm('jsge', R1, 5, 'L'), '75 01 02 00 05 00 00 00'],
  ["jmpImm('jlt', R1, 5, 'L')", jmpImm('jlt', R1, 5, 'L'), 'a5 01 02 00 05 00 00 00'],
  ["jmpImm('jle', R1, 5, 'L')", jmpImm('jle', R1, 5, 'L'), 'b5 01 02 00 05 00 00 00'],
  ["jmpImm('jslt', R1, 5, 'L')", jmpImm('jslt', R1, 5, 'L'), 'c5 01 02 00 05 00 00 00'],
  ["jmpImm('jsle', R1, 5, 'L')", jmpImm('jsle', R1, 5, 'L'), 'd5 01 02 00 05 00 00 00'],
  ["jmpImm('jne', R1, -1, 'L')", jmpImm('jne', R1, -1, 'L'), '55 01 02 00 ff ff ff ff'],
  ["jmpReg('jeq', R1, R2, 'L')", jmpReg('jeq', R1, R2, 'L'), '1d 21 02 00 00 00 00 00'],
  ["jmpReg('jgt', R1, R2, 'L')", jmpReg('jgt', R1, R2, 'L'), '2d 21 02 00 00 00 00 00'],
  ["jmpReg('jset', R1, R2, 'L')", jmpReg('jset', R1, R2, 'L'), '4d 21 02 00 00 00 00 00'],
  ["jmpReg('jslt', R1, R2, 'L')", jmpReg('jslt', R1, R2, 'L'), 'cd 21 02 00 00 00 00 00'],
  ["jmp32Imm('jne', R1, 5, 'L')", jmp32Imm('jne', R1, 5, 'L'), '56 01 02 00 05 00 00 00'],
  ["jmp32Imm('jsle', R1, 5, 'L')", jmp32Imm('jsle', R1, 5, 'L'), 'd6 01 02 00 05 00 00 00'],
  ["jmp32Reg('jeq', R1, R2, 'L')", jmp32Reg('jeq', R1, R2, 'L'), '1e 21 02 00 00 00 00 00'],
  ["jmp32Reg('jle', R1, R2, 'L')", jmp32Reg('jle', R1, R2, 'L'), 'be 21 02 00 00 00 00 00'],
  ['call(6)', call(6), '85 00 00 00 06 00 00 00'],
  ["callLabel('L')", callLabel('L'), '85 10 00 00 02 00 00 00'],
  ['exit()', exit(), '95 00 00 00 00 00 00 00'],
];

for (const [name, insn, expected] of table) {
  test(`${name} encodes as ${expected}`, () => {
    assert.is(bytesOf(insn), expected);
  });
}

test('FP is r10', () => {
  assert.is(FP, R10);
  assert.is(R10, 10);
});

test('ldMapFd and ldMapValue carry the map reference for the loader', () => {
  assert.equal(ldMapFd(R1, 'counts').mapRef, { map: 'counts', kind: 'fd', offset: 0 });
  assert.equal(ldMapValue(R1, 'fmt', 24).mapRef, { map: 'fmt', kind: 'value', offset: 24 });
});

test('each comparison jump has its negation, by name and by opcode; jset has none', () => {
  assert.equal(NEGATED_JMP_CODE, {
    0x10: 0x50, // jeq ↔ jne
    0x50: 0x10,
    0x20: 0xb0, // jgt ↔ jle
    0xb0: 0x20,
    0x30: 0xa0, // jge ↔ jlt
    0xa0: 0x30,
    0x60: 0xd0, // jsgt ↔ jsle
    0xd0: 0x60,
    0x70: 0xc0, // jsge ↔ jslt
    0xc0: 0x70,
  });
  for (const [a, b] of Object.entries(NEGATED_JMP)) assert.is(NEGATED_JMP[b!], a);
  assert.is(NEGATED_JMP.jset, undefined);
});

test('label builds a Label item', () => {
  assert.equal(label('loop'), { label: 'loop' });
});

test('withSpan copies the instruction and leaves the original unchanged', () => {
  const span = { file: sourceFile('stdin', 'BEGIN {}'), start: 0, end: 5 };
  const plain = mov64Imm(R1, 1);
  const spanned = withSpan(plain, span);
  assert.is(spanned.span, span);
  assert.is(plain.span, undefined);
  assert.is(bytesOf(spanned), bytesOf(plain));
});

test.run();
