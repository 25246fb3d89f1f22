// Expected text is llvm-objdump's BPF syntax (decimal immediates, as with
// --no-print-imm-hex); the pre-v4 forms were checked against llvm-mc.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BPF_FUNC,
  R0,
  R1,
  R10,
  R2,
  R6,
  alu32Imm,
  alu32Reg,
  alu64Imm,
  alu64Reg,
  atomic,
  call,
  callLabel,
  disasm,
  disasmListing,
  encode,
  endian,
  exit,
  jmpImm,
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
  patchMapFd,
  st,
  stx,
  withSpan,
  type Insn,
} from '../../../compiler/asm/index.ts';
import { sourceFile } from '../../../lang/source.ts';
import { fromHex } from './hex.ts';

const fromBuilder: [Insn, string][] = [
  [mov64Imm(R1, 33), 'r1 = 33'],
  [mov64Imm(R1, -1), 'r1 = -1'],
  [mov32Imm(R1, 5), 'w1 = 5'],
  [mov64Reg(R1, R2), 'r1 = r2'],
  [mov32Reg(R1, R2), 'w1 = w2'],
  [alu64Imm('add', R1, 5), 'r1 += 5'],
  [alu64Reg('sub', R1, R2), 'r1 -= r2'],
  [alu32Imm('mul', R1, 3), 'w1 *= 3'],
  [alu64Reg('div', R1, R2), 'r1 /= r2'],
  [alu64Reg('sdiv', R1, R2), 'r1 s/= r2'],
  [alu64Imm('mod', R1, 3), 'r1 %= 3'],
  [alu64Reg('smod', R1, R2), 'r1 s%= r2'],
  [alu32Imm('sdiv', R1, -4), 'w1 s/= -4'],
  [alu64Reg('or', R1, R2), 'r1 |= r2'],
  [alu64Imm('and', R1, 255), 'r1 &= 255'],
  [alu64Imm('lsh', R1, 3), 'r1 <<= 3'],
  [alu64Imm('rsh', R1, 3), 'r1 >>= 3'],
  [alu64Imm('arsh', R1, 3), 'r1 s>>= 3'],
  [alu64Reg('xor', R1, R2), 'r1 ^= r2'],
  [alu32Reg('arsh', R1, R2), 'w1 s>>= w2'],
  [neg64(R1), 'r1 = -r1'],
  [neg32(R1), 'w1 = -w1'],
  [movsx64(R1, R2, 8), 'r1 = (s8)r2'],
  [movsx64(R1, R2, 32), 'r1 = (s32)r2'],
  [movsx32(R1, R2, 16), 'w1 = (s16)w2'],
  [endian(R1, 'be', 16), 'r1 = be16 r1'],
  [endian(R1, 'le', 64), 'r1 = le64 r1'],
  [endian(R1, 'bswap', 32), 'r1 = bswap32 r1'],
  [ldImm64(R1, 0x123456789n), 'r1 = 4886718345 ll'],
  [ldImm64(R1, -1n), 'r1 = -1 ll'],
  [ldImm64(R1, 2n ** 63n), 'r1 = -9223372036854775808 ll'],
  [ldImm64(R1, 0x80000000n), 'r1 = 2147483648 ll'],
  [ldMapFd(R1, 'm'), 'ld_pseudo r1, 1, 0'],
  [ldMapValue(R2, 'm', 16), 'ld_pseudo r2, 2, 0'],
  [ldx(4, R0, R1, 4), 'r0 = *(u32 *)(r1 + 4)'],
  [ldx(8, R6, R10, -8), 'r6 = *(u64 *)(r10 - 8)'],
  [ldxsx(1, R0, R1, 4), 'r0 = *(s8 *)(r1 + 4)'],
  [stx(2, R10, R1, -8), '*(u16 *)(r10 - 8) = r1'],
  [st(8, R10, -16, 7), '*(u64 *)(r10 - 16) = 7'],
  [st(1, R1, 0, -1), '*(u8 *)(r1 + 0) = -1'],
  [atomic('add', 8, R1, R2, 0), 'lock *(u64 *)(r1 + 0) += r2'],
  [atomic('or', 4, R1, R2, 0), 'lock *(u32 *)(r1 + 0) |= w2'],
  [atomic('fetch_add', 8, R1, R2, 0), 'r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)'],
  [atomic('fetch_xor', 4, R1, R2, 8), 'w2 = atomic_fetch_xor((u32 *)(r1 + 8), w2)'],
  [atomic('xchg', 8, R1, R2, 0), 'r2 = xchg_64(r1 + 0, r2)'],
  [atomic('xchg', 4, R1, R2, 0), 'w2 = xchg32_32(r1 + 0, w2)'],
  [atomic('cmpxchg', 8, R1, R2, 0), 'r0 = cmpxchg_64(r1 + 0, r0, r2)'],
  [atomic('cmpxchg', 4, R1, R2, -4), 'w0 = cmpxchg32_32(r1 - 4, w0, w2)'],
  [call(6), 'call 6'],
  [exit(), 'exit'],
];

for (const [insn, expected] of fromBuilder) {
  test(`disassembles "${expected}"`, () => {
    assert.equal(disasm(encode([insn]).bytes), [expected]);
  });
}

// Jumps with particular offsets are easiest to state as raw bytes.
const fromBytes: [string, string][] = [
  ['15 01 03 00 00 00 00 00', 'if r1 == 0 goto +3'],
  ['2d 21 fb ff 00 00 00 00', 'if r1 > r2 goto -5'],
  ['c5 01 01 00 00 00 00 00', 'if r1 s< 0 goto +1'],
  ['56 01 01 00 05 00 00 00', 'if w1 != 5 goto +1'],
  ['45 01 01 00 04 00 00 00', 'if r1 & 4 goto +1'],
  ['7e 21 00 00 00 00 00 00', 'if w1 s>= w2 goto +0'],
  ['a5 01 01 00 ff ff ff ff', 'if r1 < -1 goto +1'],
  ['05 00 02 00 00 00 00 00', 'goto +2'],
  ['06 00 00 00 05 00 00 00', 'gotol +5'],
  ['85 10 00 00 fd ff ff ff', 'call -3'],
  ['18 11 00 00 ff ff ff ff 00 00 00 00 00 00 00 00', 'ld_pseudo r1, 1, 4294967295'],
];

for (const [bytes, expected] of fromBytes) {
  test(`disassembles ${bytes} as "${expected}"`, () => {
    assert.equal(disasm(fromHex(bytes)), [expected]);
  });
}

test('undecodable instructions print as <unknown>', () => {
  assert.equal(
    disasm(
      fromHex(`
      00 00 00 00 00 00 00 00
      8d 01 00 00 00 00 00 00
      bf b1 00 00 00 00 00 00
      d7 01 00 00 0c 00 00 00
      3f 21 02 00 00 00 00 00
      db 21 00 00 02 00 00 00
      18 01 00 00 00 00 00 00`),
    ),
    ['<unknown>', '<unknown>', '<unknown>', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
  );
});

test('a byte count that is not a whole number of slots throws', () => {
  assert.throws(() => disasm(new Uint8Array(12)), /not a whole number of instructions/);
});

test('a patched map fd shows in the pseudo load', () => {
  const { bytes } = encode([ldMapFd(R1, 'm')]);
  patchMapFd(bytes, 0, 7);
  assert.equal(disasm(bytes), ['ld_pseudo r1, 1, 7']);
});

test('a program round-trips from builders through encode to disassembly', () => {
  const { bytes } = encode([
    mov64Reg(R6, R1),
    call(BPF_FUNC.get_current_pid_tgid),
    stx(8, R10, R0, -8),
    ldMapFd(R1, 'counts'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -8),
    call(BPF_FUNC.map_lookup_elem),
    jmpImm('jeq', R0, 0, 'out'),
    mov64Imm(R1, 1),
    atomic('add', 8, R0, R1, 0),
    label('out'),
    mov64Imm(R0, 0),
    exit(),
  ]);
  assert.equal(disasm(bytes), [
    'r6 = r1',
    'call 14',
    '*(u64 *)(r10 - 8) = r0',
    'ld_pseudo r1, 1, 0',
    'r2 = r10',
    'r2 += -8',
    'call 1',
    'if r0 == 0 goto +2',
    'r1 = 1',
    'lock *(u64 *)(r0 + 0) += r1',
    'r0 = 0',
    'exit',
  ]);
});

test('the listing numbers slots, names maps and helpers, and shows each new source line', () => {
  const file = sourceFile('stdin', 'kprobe:f {\n  @n = count();\n  exit();\n}');
  const at = (text: string) => ({ file, start: file.text.indexOf(text), end: file.text.indexOf(text) + text.length });
  const count = at('@n = count()');
  const enc = encode([
    withSpan(ldMapValue(R1, 'fmt', 8), undefined),
    withSpan(ldMapFd(R1, '@n'), count),
    withSpan(mov64Reg(R2, R10), count),
    withSpan(call(BPF_FUNC.map_lookup_elem), at('count()')),
    withSpan(mov64Imm(R0, 0), at('exit()')),
    exit(),
  ]);
  assert.is(
    disasmListing(enc.bytes, enc.sourceMap, enc.relocations),
    [
      '   0: ld_pseudo r1, 2, 0  ; map value fmt + 8',
      '; @n = count();',
      '   2: ld_pseudo r1, 1, 0  ; map @n',
      '   4: r2 = r10',
      '   5: call 1  ; bpf_map_lookup_elem',
      '; exit();',
      '   6: r0 = 0',
      '   7: exit',
    ].join('\n'),
  );
});

test('the listing says where a function address points', () => {
  const { bytes } = encode([ldFuncAddr(R2, 'cb'), exit(), label('cb'), mov64Imm(R0, 0), exit()]);
  assert.is(disasmListing(bytes), '   0: ld_pseudo r2, 4, 2  ; function at 3\n   2: exit\n   3: r0 = 0\n   4: exit');
});

test('the listing works from bytes alone', () => {
  assert.is(disasmListing(encode([mov64Imm(R1, 33), exit()]).bytes), '   0: r1 = 33\n   1: exit');
});

test('the listing names helpers only for helper calls, not bpf-to-bpf calls', () => {
  const { bytes } = encode([callLabel('fn'), call(BPF_FUNC.trace_printk), label('fn'), exit()]);
  assert.is(disasmListing(bytes), '   0: call 1\n   1: call 6  ; bpf_trace_printk\n   2: exit');
});

test('the listing widens the slot column for long programs', () => {
  const lines = disasmListing(encode(Array.from({ length: 10001 }, () => exit())).bytes).split('\n');
  assert.is(lines[0], '    0: exit');
  assert.is(lines[10000], '10000: exit');
});

test.run();
