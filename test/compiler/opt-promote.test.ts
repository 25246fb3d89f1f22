// Stack slots kept in registers, and the copy/zero-extension facts of the value analysis.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  R0,
  R1,
  R2,
  R3,
  R6,
  R7,
  R8,
  R9,
  R10,
  alu64Imm,
  call,
  disasm,
  encode,
  exit,
  jmpImm,
  label,
  ldMapFd,
  ldx,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  st,
  stx,
  type AsmItem,
} from '../../compiler/asm/index.ts';
import { promoteSlots } from '../../compiler/opt/promote.ts';
import { foldConstants } from '../../compiler/opt/fold.ts';

const show = (items: readonly AsmItem[]): string[] => disasm(encode(items).bytes);

test('promote: a slot only loaded and stored directly lives in a free callee-saved register across a call', () => {
  const items = [
    st(8, R10, -8, 0),
    call(14),
    stx(8, R10, R0, -8),
    call(5),
    ldx(8, R1, R10, -8),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.equal(show(promoteSlots(items).items), [
    '*(u64 *)(r10 - 8) = 0', // a value nothing reads: the dead-store pass removes it
    'call 14',
    'r6 = r0',
    'call 5',
    'r1 = r6',
    'r0 = r1',
    'exit',
  ]);
});

test('promote: a slot reused for a helper argument still keeps its earlier value, a spill, in a register', () => {
  // the spill of r0 across get_current_pid_tgid, then the same slot as map_update_elem's value
  const items = [
    call(5),
    stx(8, R10, R0, -16),
    call(14),
    ldx(8, R1, R10, -16),
    stx(8, R10, R1, -8),
    st(8, R10, -16, 1),
    ldMapFd(R1, 'm'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -8),
    mov64Reg(R3, R10),
    alu64Imm('add', R3, -16),
    call(2),
    exit(),
  ];
  const out = show(promoteSlots(items).items);
  assert.equal(out.slice(0, 4), ['call 5', 'r6 = r0', 'call 14', 'r1 = r6']);
  assert.ok(out.includes('*(u64 *)(r10 - 16) = 1'), 'the value the helper reads stays on the stack');
  // once the helper may read the spill itself, it stays
  const read = [
    ...items.slice(0, 3),
    ldMapFd(R1, 'm'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -16),
    call(1),
    ...items.slice(3),
  ];
  assert.is(promoteSlots(read).changed, false);
});

test('promote: not a slot a helper is given a pointer to, nor one read before any write', () => {
  const key = [
    stx(8, R10, R6, -8),
    ldMapFd(R1, 'm'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -8),
    call(1),
    ldx(8, R1, R10, -8),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.is(promoteSlots(key).changed, false, 'the key escapes to the helper');
  const below = [
    stx(8, R10, R6, -8),
    mov64Reg(R1, R10),
    alu64Imm('add', R1, -16),
    mov64Imm(R2, 16),
    call(16),
    ldx(8, R0, R10, -8),
    exit(),
  ];
  assert.is(promoteSlots(below).changed, false, 'get_current_comm may write up to the frame top');
  const unread = [ldx(8, R0, R10, -8), exit()];
  assert.is(promoteSlots(unread).changed, false);
});

test('promote: not when no callee-saved register is free, nor for partial accesses', () => {
  const busy = [
    mov64Imm(R6, 1),
    mov64Imm(R7, 1),
    mov64Imm(R8, 1),
    mov64Imm(R9, 1),
    st(8, R10, -8, 0),
    ldx(8, R0, R10, -8),
    exit(),
  ];
  assert.is(promoteSlots(busy).changed, false);
  const partial = [st(8, R10, -8, 0), ldx(4, R0, R10, -8), exit()];
  assert.is(promoteSlots(partial).changed, false);
});

test('copies: a use of a copy becomes a use of its origin; a 32-bit move of a zero-extended value is a copy', () => {
  const items = [
    ldx(4, R0, R6, 0),
    mov32Reg(R0, R0),
    mov64Reg(R1, R0),
    stx(8, R10, R1, -8),
    ...[mov64Imm(R0, 0), exit()],
  ];
  assert.equal(show(foldConstants(items).items), [
    'r0 = *(u32 *)(r6 + 0)',
    'r1 = r0',
    '*(u64 *)(r10 - 8) = r0',
    'r0 = 0',
    'exit',
  ]);
  const wide = [ldx(8, R0, R6, 0), mov32Reg(R0, R0), mov64Imm(R0, 0), exit()];
  assert.equal(show(foldConstants(wide).items)[1], 'w0 = w0', 'a 64-bit load: the upper half may be set');
});

test('promote: a slot with more direct stores than a number has bits (29) is promoted as one with a few', () => {
  // every store reaches the one load (each jumps there, the last falls through): one web of them all. The
  // reaching-store sets are numbers up to 29 stores and BigInts beyond: both must find the same web.
  const program = (stores: number): AsmItem[] => [
    ...Array.from({ length: stores }, (_, k) => [
      mov64Imm(R1, k),
      stx(8, R10, R1, -8),
      jmpImm('jeq', R0, k, 'join'),
    ]).flat(),
    label('join'),
    ldx(8, R2, R10, -8),
    mov64Reg(R0, R2),
    exit(),
  ];
  for (const stores of [3, 29, 30, 40]) {
    const out = show(promoteSlots(program(stores)).items);
    assert.is(out.filter((l) => l.includes('r10 - 8')).length, 0, `${stores} stores: ${out.join('; ')}`);
    assert.is(out.filter((l) => l === 'r6 = r1').length, stores, `${stores} stores`);
    assert.ok(out.includes('r2 = r6'), `${stores} stores`);
  }
});

test.run();
