// Table tests of the optimizer's passes: items in, the disassembly of what comes out. Each pass has cases where
// it must fire and cases where it must not (aliasing, a helper call or a label between, 32-bit ops).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  R0,
  R1,
  R10,
  R2,
  R3,
  R4,
  R6,
  R7,
  R9,
  alu32Imm,
  alu64Imm,
  alu64Reg,
  atomic,
  call,
  disasm,
  encode,
  endian,
  exit,
  ja,
  jmpImm,
  jmpReg,
  label,
  ldMapFd,
  ldMapValue,
  ldx,
  mov32Imm,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  st,
  stx,
  isLabel,
  type AsmItem,
  type Insn,
} from '../../compiler/asm/index.ts';
import { foldConstants } from '../../compiler/opt/fold.ts';
import { removeUnreachable, threadBranches } from '../../compiler/opt/branches.ts';
import { removeDeadCode, removeDeadStores } from '../../compiler/opt/dead.ts';
import { peephole } from '../../compiler/opt/peephole.ts';
import { atomicAdds } from '../../compiler/opt/atomic-add.ts';
import { hoistContextLoads } from '../../compiler/opt/hoist-context.ts';
import { selects } from '../../compiler/opt/select.ts';
import { reuseMapValues } from '../../compiler/opt/map-value-reuse.ts';
import { reuseHelperResults } from '../../compiler/opt/helper-cse.ts';
import { optimize, rounds } from '../../compiler/opt/index.ts';

const show = (items: readonly AsmItem[]): string[] => disasm(encode(items).bytes);
const tail = [mov64Imm(R0, 0), exit()];

test('fold: an ALU op on known operands becomes a move of the result', () => {
  const r = foldConstants([mov64Imm(R1, 6), alu64Imm('mul', R1, 7), mov64Reg(R0, R1), exit()]);
  assert.equal(show(r.items), ['r1 = 6', 'r1 = 42', 'r0 = 42', 'exit']);
});

test('fold: a known register operand becomes the immediate', () => {
  const r = foldConstants([ldx(8, R1, R6, 8), mov64Imm(R0, 3), alu64Reg('mul', R1, R0), mov64Reg(R0, R1), exit()]);
  assert.equal(show(r.items), ['r1 = *(u64 *)(r6 + 8)', 'r0 = 3', 'r1 *= 3', 'r0 = r1', 'exit']);
});

test('fold: 32-bit ops wrap and zero-extend', () => {
  const r = foldConstants([mov64Imm(R1, -1), alu32Imm('add', R1, 1), mov64Reg(R0, R1), exit()]);
  assert.equal(show(r.items).slice(1, 3), ['r1 = 0', 'r0 = 0']);
  const s = foldConstants([mov64Imm(R1, 0x7fffffff), alu32Imm('add', R1, 1), mov64Reg(R0, R1), exit()]);
  assert.equal(
    show(s.items).slice(1, 2),
    ['w1 = -2147483648'],
    'zero-extended 0x80000000: a 32-bit move, not r1 = -2^31',
  );
});

test('fold: a decided branch becomes a jump, or goes', () => {
  const taken = foldConstants([mov64Imm(R1, 5), jmpImm('jgt', R1, 3, 'L'), ...tail, label('L'), ...tail]);
  assert.equal(show(taken.items)[1], 'goto +2');
  const not = foldConstants([mov64Imm(R1, 5), jmpImm('jgt', R1, 9, 'L'), ...tail, label('L'), ...tail]);
  assert.equal(show(not.items).length, 5);
});

test('fold: facts meet at labels (no folding of a value that differs by path)', () => {
  const items = [
    ldx(8, R2, R6, 0),
    mov64Imm(R1, 1),
    jmpImm('jeq', R2, 0, 'L'),
    mov64Imm(R1, 2),
    label('L'),
    alu64Imm('add', R1, 1),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.equal(show(foldConstants(items).items)[4], 'r1 += 1');
});

test('forward: a reload of a spilled register becomes a move, or goes', () => {
  const r = foldConstants([ldx(8, R0, R6, 0), stx(8, R10, R0, -8), ldx(8, R1, R10, -8), mov64Reg(R0, R1), exit()]);
  assert.equal(show(r.items)[2], 'r1 = r0');
  const k = foldConstants([st(8, R10, -8, 1), ldx(8, R1, R10, -8), mov64Reg(R0, R1), exit()]);
  assert.equal(show(k.items)[1], 'r1 = 1');
});

test('forward: not across a store through a pointer that may alias the slot', () => {
  const items = [
    ldx(8, R0, R6, 0),
    stx(8, R10, R0, -8),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -16),
    mov64Reg(R3, R2),
    alu64Reg('add', R3, R0), // r10-relative, offset unknown: may point at -8
    st(8, R3, 0, 7),
    ldx(8, R1, R10, -8),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.equal(show(foldConstants(items).items)[7], 'r1 = *(u64 *)(r10 - 8)');
});

test('forward: a store through a map value pointer does not touch the stack', () => {
  const items = [
    st(8, R10, -8, 5),
    ldMapFd(R1, 'm'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -16),
    call(1),
    jmpImm('jeq', R0, 0, 'out'),
    st(8, R0, 0, 9),
    ldx(8, R1, R10, -8),
    stx(8, R0, R1, 8),
    label('out'),
    ...tail,
  ];
  assert.ok(show(foldConstants(items).items).includes('r1 = 5'));
});

test('forward: not across a helper that writes memory, nor a 32-bit store read back as 64', () => {
  const items = [
    ldx(8, R0, R6, 0),
    stx(8, R10, R0, -8),
    mov64Reg(R1, R10),
    alu64Imm('add', R1, -8),
    mov64Imm(R2, 8),
    call(16), // get_current_comm writes through r1
    ldx(8, R1, R10, -8),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.equal(show(foldConstants(items).items)[6], 'r1 = *(u64 *)(r10 - 8)');
  const narrow = [ldx(8, R0, R6, 0), stx(4, R10, R0, -8), ldx(4, R1, R10, -8), mov64Reg(R0, R1), exit()];
  assert.equal(show(foldConstants(narrow).items)[2], 'r1 = *(u32 *)(r10 - 8)');
});

test('forward: not after the register was changed (helper calls clobber r0-r5)', () => {
  const items = [ldx(8, R1, R6, 0), stx(8, R10, R1, -8), call(5), ldx(8, R2, R10, -8), mov64Reg(R0, R2), exit()];
  assert.equal(show(foldConstants(items).items)[3], 'r2 = *(u64 *)(r10 - 8)');
});

test('fold: redundant helper-argument setup goes', () => {
  const items = [
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -8),
    st(8, R10, -8, 0),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -8),
    ldMapFd(R1, 'm'),
    ldMapFd(R1, 'm'),
    call(1),
    ...tail,
  ];
  assert.equal(show(foldConstants(items).items), [
    'r2 = r10',
    'r2 += -8',
    '*(u64 *)(r10 - 8) = 0',
    'ld_pseudo r1, 1, 0',
    'call 1',
    'r0 = 0',
    'exit',
  ]);
});

test('branches: a jump to a jump goes to the final target; a jump to the next instruction goes', () => {
  const items = [
    ldx(8, R1, R6, 0),
    jmpImm('jeq', R1, 0, 'A'),
    ja('N'),
    label('N'),
    mov64Imm(R0, 1),
    exit(),
    label('A'),
    ja('C'),
    label('C'),
    ...tail,
  ];
  const r = threadBranches(items);
  assert.equal(show(removeUnreachable(r.items).items), [
    'r1 = *(u64 *)(r6 + 0)',
    'if r1 == 0 goto +2',
    'r0 = 1',
    'exit',
    'r0 = 0',
    'exit',
  ]);
  const chain = [
    ldx(8, R1, R6, 0),
    jmpImm('jeq', R1, 0, 'A'),
    ...tail,
    label('A'),
    ja('B'),
    label('B2'),
    ...tail,
    label('B'),
    mov64Imm(R0, 1),
    exit(),
  ];
  assert.equal(show(threadBranches(chain).items)[1], 'if r1 == 0 goto +5', 'straight to B');
});

test('branches: a conditional jump to the next instruction goes too (either way lands there)', () => {
  // what a for loop leaves after bpf_loop when its body has no early return
  const items = [ldx(8, R1, R10, -8), jmpImm('jne', R1, 0, 'N'), label('N'), ...tail];
  assert.equal(show(threadBranches(items).items), ['r1 = *(u64 *)(r10 - 8)', 'r0 = 0', 'exit']);
});

test('branches: a jump whose landing branch is decided on the way skips it', () => {
  // r0 = c ? 1 : 0; if r0 == 0 …: the materialised boolean is tested straight away
  const items = [
    ldx(8, R1, R6, 0),
    jmpImm('jgt', R1, 5, 'T'),
    mov64Imm(R0, 0),
    ja('J'),
    label('T'),
    mov64Imm(R0, 1),
    label('J'),
    jmpImm('jeq', R0, 0, 'F'),
    mov64Imm(R0, 7),
    exit(),
    label('F'),
    mov64Imm(R0, 8),
    exit(),
  ];
  const out = optimize(items);
  assert.equal(show(out), ['r1 = *(u64 *)(r6 + 0)', 'if r1 <= 5 goto +2', 'r0 = 7', 'exit', 'r0 = 8', 'exit']);
});

test('branches: if c goto A; goto B; A: becomes if !c goto B, but not with a label before the goto', () => {
  const items = [
    ldx(8, R1, R6, 0),
    jmpImm('jgt', R1, 0, 'A'),
    ja('B'),
    label('A'),
    ...tail,
    label('B'),
    mov64Imm(R0, 1),
    exit(),
  ];
  assert.equal(show(threadBranches(items).items).slice(1, 2), ['if r1 <= 0 goto +2']);
  const entered = [
    ldx(8, R1, R6, 0),
    jmpImm('jgt', R1, 0, 'A'),
    label('X'),
    ja('B'),
    label('A'),
    ...tail,
    label('B'),
    mov64Imm(R0, 1),
    jmpImm('jeq', R0, 2, 'X'),
    exit(),
  ];
  assert.equal(show(threadBranches(entered).items).slice(1, 3), ['if r1 > 0 goto +1', 'goto +2']);
  const jset = [
    ldx(8, R1, R6, 0),
    jmpImm('jset', R1, 1, 'A'),
    ja('B'),
    label('A'),
    ...tail,
    label('B'),
    mov64Imm(R0, 1),
    exit(),
  ];
  assert.equal(show(threadBranches(jset).items).slice(1, 3), ['if r1 & 1 goto +1', 'goto +2'], 'jset has no negation');
});

test('dead code: a register nothing reads goes; stores, calls and jumps stay', () => {
  const r = removeDeadCode([mov64Imm(R7, 1), mov64Imm(R2, 2), st(8, R10, -8, 1), call(200), mov64Imm(R3, 3), ...tail]);
  // a helper whose arity is not listed reads all five argument registers: r2 stays
  assert.equal(show(r.items), ['r2 = 2', '*(u64 *)(r10 - 8) = 1', 'call 200', 'r0 = 0', 'exit']);
  // ktime_get_ns reads none, map_lookup_elem r1 and r2 only
  const none = removeDeadCode([mov64Imm(R2, 2), call(5), ...tail]);
  assert.equal(show(none.items), ['call 5', 'r0 = 0', 'exit']);
  const two = removeDeadCode([ldMapFd(R1, 'm'), mov64Reg(R2, R10), mov64Imm(R3, 3), call(1), ...tail]);
  assert.equal(
    show(two.items).filter((l) => l.startsWith('r3')),
    [],
  );
  assert.is(show(two.items).length, 5, show(two.items).join('\n'));
});

test('dead stores: a slot nothing reads goes; one a helper reads stays', () => {
  const items = [
    st(8, R10, -8, 1), // dead: overwritten before any read
    st(8, R10, -8, 2),
    st(8, R10, -16, 3), // dead: nothing reads -16 (the helper reads the 8-byte key at -8)
    ldMapFd(R1, 'm'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -8),
    call(1),
    ...tail,
  ];
  const sizes = (m: string) => (m === 'm' ? { key: 8, value: 8 } : undefined);
  assert.equal(show(removeDeadStores(items, sizes).items).slice(0, 2), ['*(u64 *)(r10 - 8) = 2', 'ld_pseudo r1, 1, 0']);
  // without the key size the helper may read up to the frame top: -16 is below the key, still dead; -8 kept
  assert.equal(show(removeDeadStores(items).items).slice(0, 1), ['*(u64 *)(r10 - 8) = 2']);
  // an unknown helper given a pointer below the slot: it may read it
  const unknown = [st(8, R10, -8, 1), mov64Reg(R1, R10), alu64Imm('add', R1, -16), mov64Imm(R2, 16), call(67), ...tail];
  assert.equal(show(removeDeadStores(unknown).items)[0], '*(u64 *)(r10 - 8) = 1');
});

test("dead stores: a comm slot's zeroing goes only where the kernel pads get_current_comm (paddedComm)", () => {
  const items = [
    st(8, R10, -16, 0),
    st(8, R10, -8, 0),
    mov64Reg(R1, R10),
    alu64Imm('add', R1, -16),
    mov64Imm(R2, 16),
    call(16), // get_current_comm(r10 - 16, 16)
    ldMapFd(R1, 'm'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -16),
    call(1), // the 16 bytes as a key
    ...tail,
  ];
  const sizes = (m: string) => (m === 'm' ? { key: 16, value: 8 } : undefined);
  // Linux 6.1's strscpy leaves the bytes after the name as they were: the zeroing must stay
  assert.equal(show(removeDeadStores(items, sizes).items).slice(0, 2), [
    '*(u64 *)(r10 - 16) = 0',
    '*(u64 *)(r10 - 8) = 0',
  ]);
  const padded = show(removeDeadStores(items, sizes, true).items);
  assert.is(padded[0], 'r1 = r10', padded.join('\n'));
  assert.is(padded.length, show(items).length - 2);
  // a write of part of the slot leaves the rest's zeroing alone
  const part = items.map((it) => (it === items[4] ? mov64Imm(R2, 8) : it));
  assert.equal(show(removeDeadStores(part, sizes, true).items)[0], '*(u64 *)(r10 - 8) = 0');
  // another helper's partial write (probe_read_str stops at the NUL) is never taken as full
  const str = items.map((it) => (it === items[5] ? call(45) : it));
  assert.equal(show(removeDeadStores(str, sizes, true).items).length, show(items).length);
});

test('dead stores: a load through a pointer that may be the stack keeps everything', () => {
  const items = [
    st(8, R10, -8, 1),
    mov64Reg(R1, R10),
    ldx(8, R2, R6, 0),
    alu64Reg('add', R1, R2),
    ldx(8, R0, R1, 0),
    exit(),
  ];
  assert.equal(show(removeDeadStores(items).items)[0], '*(u64 *)(r10 - 8) = 1');
});

test('peephole: a value computed in a copy and moved back is computed in place', () => {
  const items = [
    ldx(8, R0, R6, 8),
    mov64Reg(R1, R0),
    alu64Imm('mul', R1, 3),
    alu64Imm('add', R1, 7),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.equal(show(peephole(items).items), ['r0 = *(u64 *)(r6 + 8)', 'r0 *= 3', 'r0 += 7', 'exit']);
});

test('peephole: not when the copy is still read afterwards, nor across a label or a jump', () => {
  const live = [
    ldx(8, R0, R6, 8),
    mov64Reg(R1, R0),
    alu64Imm('mul', R1, 3),
    mov64Reg(R0, R1),
    stx(8, R10, R1, -8),
    exit(),
  ];
  assert.ok(show(peephole(live).items).includes('r1 *= 3'), 'r1 is read after the move back: computed in r1');
  const lbl = [
    ldx(8, R0, R6, 8),
    mov64Reg(R1, R0),
    label('L'),
    alu64Imm('mul', R1, 3),
    mov64Reg(R0, R1),
    jmpReg('jeq', R0, R7, 'L'),
    exit(),
  ];
  assert.ok(show(peephole(lbl).items).includes('r1 *= 3'), 'not renamed across the label');
});

test("peephole: renaming r0 leaves a byte swap's src field alone (the verifier refuses a nonzero one)", () => {
  // r0 = r6; r0 = be16 r0; r6 = r0 -> r6 = be16 r6: src 0 of the swap is no register, it must stay 0
  const items = [
    ldx(8, R6, R1, 8),
    mov64Reg(R0, R6),
    endian(R0, 'be', 16),
    mov64Reg(R6, R0),
    stx(8, R10, R6, -8),
    ...tail,
  ];
  const out = peephole(items).items.filter((i): i is Insn => !isLabel(i));
  const swap = out.find((i) => (i.code & 0xf0) === 0xd0);
  assert.ok(swap, show(out).join('\n'));
  assert.is(swap.dst, R6);
  assert.is(swap.src, 0);
});

test('peephole: a fresh value moved straight into another register is loaded there', () => {
  const r = peephole([ldx(8, R0, R6, 8), mov64Reg(R1, R0), stx(8, R10, R1, -8), ...tail]);
  assert.equal(show(r.items).slice(0, 2), ['r1 = *(u64 *)(r6 + 8)', '*(u64 *)(r10 - 8) = r1']);
});

test('peephole: a copy worked on and moved back as 32 bits is worked on as 32 bits in place', () => {
  // (u32)(r0 << 2) | r8, as the generator emits a 32-bit shift: r1 = r0; r1 <<= 2; w0 = w1
  const items = [call(14), mov64Reg(R1, R0), alu64Imm('lsh', R1, 2), mov32Reg(R0, R1), stx(8, R10, R0, -8), ...tail];
  assert.equal(show(peephole(items).items).slice(0, 3), ['call 14', 'w0 <<= 2', '*(u64 *)(r10 - 8) = r0']);
  // not a right shift (its low half reads the high half), nor a left shift of 32 or more, nor when r1 is read after
  for (const op of [alu64Imm('rsh', R1, 2), alu64Imm('lsh', R1, 33)]) {
    const keep = [call(14), mov64Reg(R1, R0), op, mov32Reg(R0, R1), stx(8, R10, R0, -8), ...tail];
    assert.is(peephole(keep).changed, false, show([op])[0]);
  }
  const live = [call(14), mov64Reg(R1, R0), alu64Imm('lsh', R1, 2), mov32Reg(R0, R1), stx(8, R10, R1, -8), ...tail];
  assert.is(peephole(live).changed, false);
});

test('peephole: a kept value copied to be worked on is worked on where it is, when it is not read again', () => {
  // pid from a pid_tgid kept across a call: r0 = r9; r0 >>= 32; store r0  ->  r9 >>= 32; store r9
  const kept = [call(14), mov64Reg(R9, R0), call(125), stx(8, R10, R0, -16)];
  const items = [...kept, mov64Reg(R0, R9), alu64Imm('rsh', R0, 32), stx(8, R10, R0, -8), ...tail];
  assert.equal(show(peephole(items).items).slice(4), ['r9 >>= 32', '*(u64 *)(r10 - 8) = r9', 'r0 = 0', 'exit']);
  // not when r9 is read again, nor when the copy lives across a call or into the exit
  const reread = [...kept, mov64Reg(R0, R9), alu64Imm('rsh', R0, 32), stx(8, R10, R0, -8), stx(8, R10, R9, -24)];
  assert.is(peephole([...reread, ...tail]).changed, false);
  const acrossCall = [call(14), mov64Reg(R6, R0), call(125), stx(8, R10, R6, -8), ...tail];
  assert.is(peephole(acrossCall).changed, false, 'r6 is kept across the call: r0 would not survive it');
  // a cmpxchg compares with r0 and writes it without naming it in its fields
  const cas = [...kept, mov64Reg(R0, R9), atomic('cmpxchg', 8, R10, R1, -8), stx(8, R10, R0, -24), ...tail];
  assert.is(peephole(cas).changed, false, show(peephole(cas).items).join('\n'));
  const returned = [...kept, mov64Reg(R0, R9), alu64Imm('rsh', R0, 32), exit()];
  assert.is(peephole(returned).changed, false);
});

test('peephole: a fresh value tested and then moved is loaded where it goes, over the test', () => {
  // /args->ret > 0/ and args->ret kept across a call: r0 = field; if r0 s<= 0 goto out; r6 = r0
  const at = (out: AsmItem[]) => [
    ldx(8, R0, R1, 16),
    jmpImm('jsle', R0, 0, 'out'),
    mov64Reg(R6, R0),
    call(14),
    stx(8, R10, R6, -8),
    label('out'),
    ...out,
  ];
  assert.equal(show(peephole(at(tail)).items).slice(0, 2), ['r6 = *(u64 *)(r1 + 16)', 'if r6 s<= 0 goto +2']);
  // not when the jump's landing reads r0 (it would get what r0 held before) or r6 (its value from before)
  assert.is(peephole(at([exit()])).changed, false, 'r0 returned at the landing');
  assert.is(peephole(at([stx(8, R10, R6, -16), ...tail])).changed, false, 'r6 read at the landing');
});

test('peephole: a copy worked on is renamed over a conditional jump that lands where it is dead', () => {
  // log2's high half: r2 = r0; r2 >>= 32; if r2 == 0 goto L; r1 = r2  ->  on r0 (dead after the copy)
  const at = (landing: AsmItem[]) => [
    call(14),
    mov64Reg(R2, R0),
    alu64Imm('rsh', R2, 32),
    jmpImm('jeq', R2, 0, 'L'),
    stx(8, R10, R2, -8),
    label('L'),
    ...landing,
    ...tail,
  ];
  assert.equal(show(peephole(at([])).items).slice(1, 4), ['r0 >>= 32', 'if r0 == 0 goto +1', '*(u64 *)(r10 - 8) = r0']);
  assert.is(peephole(at([stx(8, R10, R2, -16)])).changed, false, 'r2 read at the landing');
});

test('peephole: a value worked on in a copy and moved back is worked on in place over a conditional jump', () => {
  // `if ($j == 2) { break; } $j++` with $j in r7: r0 = r7; if r7 == 2 goto L; r0 += 1; r7 = r0
  const items = [
    ldx(8, R7, R10, -16),
    mov64Reg(R0, R7),
    jmpImm('jeq', R7, 2, 'L'),
    alu64Imm('add', R0, 1),
    mov64Reg(R7, R0),
    stx(8, R10, R7, -8),
    label('L'),
    ...tail,
  ];
  assert.equal(show(peephole(items).items).slice(1, 3), ['if r7 == 2 goto +2', 'r7 += 1']);
  // not when the jump reads r7 after r0 was worked on (r7 would be the new value there), nor when r0 is read
  // where it lands
  const late = [items[0]!, items[1]!, items[3]!, items[2]!, ...items.slice(4)];
  const lateOut = show(peephole(late).items);
  assert.ok(lateOut.some((l) => l.startsWith('if r7 == 2')) && !lateOut.includes('r7 += 1'), lateOut.join('\n'));
  const readAtLanding = [...items.slice(0, 7), stx(8, R10, R0, -24), ...tail];
  assert.ok(!show(peephole(readAtLanding).items).includes('r7 += 1'), show(peephole(readAtLanding).items).join('\n'));
});

test('map value reuse: a second address in the same map value after a call is reached from a kept register', () => {
  // an id-only event sent from the lost map, then its failure counted in the same map value
  const sent = [
    ldMapFd(R1, 'events'),
    ldMapValue(R2, 'lost', 8),
    mov64Imm(R3, 8),
    mov64Imm(R4, 0),
    call(130),
    jmpImm('jeq', R0, 0, 'sent'),
    ldMapValue(R1, 'lost', 0),
    atomic('add', 8, R1, R0, 0),
    label('sent'),
    ...tail,
  ];
  const out = reuseMapValues(sent);
  assert.is(out.changed, true);
  const text = show(out.items);
  assert.is(text.filter((l) => l.startsWith('ld_pseudo')).length, 2, text.join('\n'));
  assert.ok(text.includes('r6 = r2') && text.includes('lock *(u64 *)(r6 - 8) += r0'), text.join('\n'));
  // not when a path reaches the second load without the first
  const joined = [
    jmpImm('jeq', R1, 0, 'skip'),
    ldMapValue(R2, 'lost', 8),
    stx(8, R2, R1, 0),
    label('skip'),
    call(5),
    ldMapValue(R1, 'lost', 0),
    atomic('add', 8, R1, R0, 0),
    ...tail,
  ];
  assert.is(reuseMapValues(joined).changed, false);
  // nor when the address is used as a value, not as a base
  const passed = [...sent.slice(0, 6), ldMapValue(R1, 'lost', 0), stx(8, R10, R1, -8), label('sent'), ...tail];
  assert.is(reuseMapValues(passed).changed, false);
});

test('spans survive rewriting', () => {
  const span = { file: { name: 'x', text: '' }, start: 1, end: 2 } as never;
  const out = optimize([
    { ...mov64Imm(R1, 2), span },
    { ...alu64Imm('add', R1, 3), span },
    { ...mov64Reg(R0, R1), span },
    exit(),
  ]);
  assert.ok(out.every((i) => !('code' in i) || i.code === exit().code || (i as { span?: unknown }).span === span));
});

test('mov32 of a known value folds as 32 bits', () => {
  const r = foldConstants([mov32Imm(R1, -1), alu64Imm('rsh', R1, 16), mov64Reg(R0, R1), exit()]);
  assert.equal(show(r.items)[1], 'r1 = 65535');
});

test('helpers that write a whole buffer: the stores they overwrite go, facts elsewhere survive', () => {
  const items = [
    st(8, R10, -8, 7),
    st(8, R10, -24, 0), // dead: probe_read writes all 16 bytes at -24 (or clears them when it fails)
    st(8, R10, -16, 0),
    mov64Reg(R1, R10),
    alu64Imm('add', R1, -24),
    mov64Imm(R2, 16),
    call(4),
    ldx(8, R0, R10, -8),
    exit(),
  ];
  assert.equal(show(removeDeadStores(items).items).slice(0, 2), ['*(u64 *)(r10 - 8) = 7', 'r1 = r10']);
  assert.equal(show(foldConstants(items).items)[7], 'r0 = 7', 'the slot at -8 is outside the buffer');
  // probe_read_str may leave bytes after the string as they were: the zeros under a later read stay
  const str = [
    st(8, R10, -16, 0),
    mov64Reg(R1, R10),
    alu64Imm('add', R1, -24),
    mov64Imm(R2, 16),
    call(45),
    ldx(8, R0, R10, -16),
    exit(),
  ];
  assert.equal(show(removeDeadStores(str).items)[0], '*(u64 *)(r10 - 16) = 0');
  const comm = [
    st(8, R10, -16, 0),
    mov64Reg(R1, R10),
    alu64Imm('add', R1, -24),
    mov64Imm(R2, 16),
    call(16),
    ldx(8, R0, R10, -16),
    exit(),
  ];
  // Linux 6.1's get_current_comm copies with strscpy (no padding): a comm map key keeps its zeroing stores, or
  // the bytes after the name differ between events and one comm becomes several keys (seen in the 6.1 VM)
  assert.equal(show(removeDeadStores(comm).items)[0], '*(u64 *)(r10 - 16) = 0');
});

test('context loads: a field read again is the register that still holds it (not after a memory-writing helper)', () => {
  const items = [
    ldx(8, R0, R1, 8),
    mov64Reg(R6, R1),
    mov64Reg(R7, R0),
    ldx(8, R2, R6, 8),
    stx(8, R10, R2, -8),
    ...tail,
  ];
  assert.equal(show(foldConstants(items).items)[3], 'r2 = r0');
  const helper = [mov64Reg(R6, R1), ldx(8, R7, R1, 8), call(58), ldx(8, R2, R6, 8), stx(8, R10, R2, -8), ...tail];
  assert.equal(
    show(foldConstants(helper).items)[3],
    'r2 = *(u64 *)(r6 + 8)',
    'override_return may change the registers',
  );
  const sizes = [ldx(4, R0, R1, 8), ldx(8, R2, R1, 8), stx(8, R10, R2, -8), ...tail];
  assert.equal(show(foldConstants(sizes).items)[1], 'r2 = *(u64 *)(r1 + 8)', 'another width is another load');
});

test('algebra: identities go, x & 0 is 0, 32-bit identities only on zero-extended values', () => {
  const items = [
    ldx(8, R1, R6, 0),
    alu64Imm('add', R1, 0),
    alu64Imm('mul', R1, 1),
    alu64Imm('and', R1, -1),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.equal(show(foldConstants(items).items), ['r1 = *(u64 *)(r6 + 0)', 'r0 = r1', 'exit']);
  assert.equal(
    show(foldConstants([ldx(8, R1, R6, 0), alu64Imm('and', R1, 0), mov64Reg(R0, R1), exit()]).items)[1],
    'r1 = 0',
  );
  const w = [ldx(8, R1, R6, 0), alu32Imm('add', R1, 0), mov64Reg(R0, R1), exit()];
  assert.equal(show(foldConstants(w).items)[1], 'w1 += 0', 'it clears the upper half');
});

test('value bounds: a masked value is never negative, and its bits above the mask are zero', () => {
  // hist's shape for `x & 0xffff`: the sign test, the high word's test and the top step of the search go
  const items = [
    ldx(8, R1, R6, 0),
    alu64Imm('and', R1, 0xffff),
    jmpImm('jsge', R1, 0, 'pos'),
    mov64Imm(R0, 0),
    exit(),
    label('pos'),
    mov64Reg(R2, R1),
    alu64Imm('rsh', R2, 32),
    jmpImm('jeq', R2, 0, 'low'),
    mov64Imm(R0, 1),
    exit(),
    label('low'),
    jmpImm('jlt', R1, 65536, 'small'),
    mov64Imm(R0, 2),
    exit(),
    label('small'),
    mov64Reg(R0, R1),
    exit(),
  ];
  assert.equal(show(optimize(items)), ['r1 = *(u64 *)(r6 + 0)', 'r1 &= 65535', 'r0 = r1', 'exit']);
});

test('value bounds: narrow loads and masks bound a value; unknown bits stay unknown', () => {
  // a u16 load masked by 0xffff: the mask goes; `< 0x10000` is decided, `< 0xffff` is not
  const loaded = foldConstants([
    ldx(2, R1, R6, 0),
    alu64Imm('and', R1, 0xffff),
    jmpImm('jlt', R1, 0xffff, 'L'),
    jmpImm('jlt', R1, 0x10000, 'L'),
    ...tail,
    label('L'),
    ...tail,
  ]);
  assert.equal(show(loaded.items).slice(0, 3), ['r1 = *(u16 *)(r6 + 0)', 'if r1 < 65535 goto +3', 'goto +2']);
  // a remainder by a u8 register may be the whole dividend (the divisor may be 0): not below 256
  const mod = [ldx(8, R1, R6, 0), ldx(1, R2, R6, 8), alu64Reg('mod', R1, R2), jmpImm('jlt', R1, 256, 'L')];
  assert.equal(show(foldConstants([...mod, ...tail, label('L'), ...tail]).items)[3], 'if r1 < 256 goto +2');
  // an 8-byte value may have any bit set: neither test goes
  const wide = [ldx(8, R1, R6, 0), jmpImm('jsge', R1, 0, 'L'), jmpImm('jgt', R1, 0x7fffffff, 'L')];
  assert.is(foldConstants([...wide, ...tail, label('L'), ...tail]).changed, false);
});

test('known registers as immediates: a shift count modulo the width, no division by an immediate 0', () => {
  const shift = foldConstants([
    ldx(8, R1, R6, 0),
    mov64Imm(R2, 100),
    alu64Reg('rsh', R1, R2),
    mov64Reg(R0, R1),
    exit(),
  ]);
  assert.equal(
    show(shift.items)[2],
    'r1 >>= 36',
    'the register count is taken modulo 64, an immediate must be below it',
  );
  const div = [ldx(8, R1, R6, 0), mov64Imm(R2, 0), alu64Reg('mod', R1, R2), alu64Reg('div', R1, R2), mov64Reg(R0, R1)];
  assert.equal(show(foldConstants([...div, exit()]).items).slice(2, 4), ['r1 %= r2', 'r1 /= r2']);
});

test('atomic adds: load, add, store back to a looked-up map value becomes one atomic add', () => {
  const lookup = [ldMapFd(R1, 'm'), mov64Reg(R2, R10), alu64Imm('add', R2, -8), call(1), jmpImm('jeq', R0, 0, 'out')];
  const out = [label('out'), mov64Imm(R0, 0), exit()];
  const byReg = atomicAdds([...lookup, ldx(8, R2, R0, 8), alu64Reg('add', R2, R7), stx(8, R0, R2, 8), ...out]);
  assert.equal(show(byReg.items).slice(5), ['lock *(u64 *)(r0 + 8) += r7', 'r0 = 0', 'exit']);
  const byImm = atomicAdds([...lookup, ldx(8, R1, R0, 0), alu64Imm('add', R1, 1), stx(8, R0, R1, 0), ...out]);
  assert.equal(show(byImm.items).slice(5, 7), ['r1 = 1', 'lock *(u64 *)(r0 + 0) += r1']);
  const direct = atomicAdds([
    ldMapValue(R1, 'lost', 0),
    ldx(8, R2, R1, 0),
    alu64Imm('add', R2, 1),
    stx(8, R1, R2, 0),
    ...tail,
  ]);
  assert.equal(show(direct.items).slice(1, 3), ['r2 = 1', 'lock *(u64 *)(r1 + 0) += r2']);
});

test('atomic adds: not on the stack, not when the sum is used after, not on an unknown pointer, not at 32 bits', () => {
  const lookup = [ldMapFd(R1, 'm'), mov64Reg(R2, R10), alu64Imm('add', R2, -8), call(1), jmpImm('jeq', R0, 0, 'out')];
  const out = [label('out'), mov64Imm(R0, 0), exit()];
  const cases: AsmItem[][] = [
    [ldx(8, R1, R10, -8), alu64Imm('add', R1, 1), stx(8, R10, R1, -8), ...tail],
    [...lookup, ldx(8, R2, R0, 0), alu64Imm('add', R2, 1), stx(8, R0, R2, 0), mov64Reg(R7, R2), ...out],
    [ldx(8, R6, R1, 0), ldx(8, R2, R6, 0), alu64Imm('add', R2, 1), stx(8, R6, R2, 0), ...tail],
    [...lookup, label('other'), ldx(8, R2, R0, 0), alu64Imm('add', R2, 1), stx(8, R0, R2, 0), ...out],
    [...lookup, ldx(4, R2, R0, 0), alu64Imm('add', R2, 1), stx(4, R0, R2, 0), ...out],
    [...lookup, ldx(8, R2, R0, 0), alu32Imm('add', R2, 1), stx(8, R0, R2, 0), ...out],
    [...lookup, ldx(8, R2, R0, 0), alu64Imm('add', R2, 1), stx(8, R0, R2, 8), ...out],
  ];
  for (const [n, c] of cases.entries()) assert.not.ok(atomicAdds(c).changed, `case ${n}`);
});

test('context hoist: a field read through the saved context pointer is read into that register at the entry', () => {
  const r = hoistContextLoads([
    mov64Reg(R6, R1),
    call(14),
    ldx(8, R0, R6, 8),
    stx(8, R10, R0, -16),
    ldx(8, R2, R6, 8),
    ...tail,
  ]);
  assert.equal(show(r.items), [
    'r6 = *(u64 *)(r1 + 8)',
    'call 14',
    'r0 = r6',
    '*(u64 *)(r10 - 16) = r0',
    'r2 = r6',
    'r0 = 0',
    'exit',
  ]);
});

test('context hoist: not with two fields, other uses of the copy, a redefinition, or no copy at the entry', () => {
  const cases: AsmItem[][] = [
    [mov64Reg(R6, R1), ldx(8, R0, R6, 8), ldx(8, R2, R6, 16), ...tail],
    [mov64Reg(R6, R1), ldx(8, R0, R6, 8), ldx(4, R2, R6, 8), ...tail],
    [mov64Reg(R6, R1), call(14), mov64Reg(R1, R6), call(67), ldx(8, R0, R6, 8), ...tail],
    [mov64Reg(R6, R1), ldx(8, R0, R6, 8), mov64Imm(R6, 0), ...tail],
    [mov64Reg(R6, R1), ldx(8, R6, R6, 8), ...tail],
    [label('top'), mov64Reg(R6, R1), ldx(8, R0, R6, 8), ...tail],
    [mov64Reg(R2, R1), ldx(8, R0, R2, 8), ...tail],
    [call(14), mov64Reg(R6, R1), ldx(8, R0, R6, 8), ...tail],
  ];
  for (const [n, c] of cases.entries()) assert.not.ok(hoistContextLoads(c).changed, `case ${n}`);
});

test('select: a branch between two moves into one register becomes a move, the branch and the other move', () => {
  const diamond = [
    jmpImm('jsgt', R1, 100, 'big'),
    mov64Imm(R0, 0),
    ja('join'),
    label('big'),
    mov64Reg(R0, R1),
    label('join'),
  ];
  const r = selects([ldx(8, R1, R6, 8), ...diamond, stx(8, R10, R0, -8), ...tail]);
  assert.equal(show(r.items), [
    'r1 = *(u64 *)(r6 + 8)',
    'r0 = r1',
    'if r1 s> 100 goto +1',
    'r0 = 0',
    '*(u64 *)(r10 - 8) = r0',
    'r0 = 0',
    'exit',
  ]);
  // followed by a copy of the result (dead after it): the moves write the copy's register
  const s = selects([ldx(8, R1, R6, 8), ...diamond, mov64Reg(R7, R0), stx(8, R10, R7, -8), ...tail]);
  assert.equal(show(s.items).slice(1, 5), ['r7 = r1', 'if r1 s> 100 goto +1', 'r7 = 0', '*(u64 *)(r10 - 8) = r7']);
});

test('select: not when the branch or a move reads the register, the taken arm is reached otherwise, or arms differ', () => {
  const cases: AsmItem[][] = [
    [jmpImm('jsgt', R0, 100, 'b'), mov64Imm(R0, 0), ja('j'), label('b'), mov64Reg(R0, R1), label('j'), ...tail],
    [jmpImm('jsgt', R1, 100, 'b'), mov64Imm(R0, 0), ja('j'), label('b'), alu64Imm('add', R0, 1), label('j'), ...tail],
    [jmpImm('jsgt', R1, 100, 'b'), mov64Imm(R0, 0), ja('j'), label('b'), mov64Reg(R2, R1), label('j'), ...tail],
    [
      jmpImm('jeq', R2, 0, 'b'),
      jmpImm('jsgt', R1, 100, 'b'),
      mov64Imm(R0, 0),
      ja('j'),
      label('b'),
      mov64Reg(R0, R1),
      label('j'),
      ...tail,
    ],
  ];
  for (const [n, c] of cases.entries()) assert.not.ok(selects(c).changed, `case ${n}`);
  // the copy stays when the joined value is read after it
  const kept = selects([
    jmpImm('jsgt', R1, 100, 'b'),
    mov64Imm(R0, 0),
    ja('j'),
    label('b'),
    mov64Reg(R0, R1),
    label('j'),
    mov64Reg(R7, R0),
    stx(8, R10, R0, -8),
    ...tail,
  ]);
  assert.equal(show(kept.items).slice(0, 4), ['r0 = r1', 'if r1 s> 100 goto +1', 'r0 = 0', 'r7 = r0']);
});

test("helper results: a later call of a helper constant within a run reads the first call's result from a free register", () => {
  const r = reuseHelperResults([
    call(14),
    alu64Imm('rsh', R0, 32),
    stx(8, R10, R0, -8),
    call(5),
    call(14),
    stx(8, R10, R0, -16),
    jmpImm('jeq', R0, 0, 'L'),
    call(14),
    label('L'),
    call(14),
    ...tail,
  ]);
  assert.ok(r.changed);
  assert.equal(show(r.items), [
    'call 14',
    'r6 = r0',
    'r0 >>= 32',
    '*(u64 *)(r10 - 8) = r0',
    'call 5',
    'r0 = r6',
    '*(u64 *)(r10 - 16) = r0',
    'if r0 == 0 goto +1',
    'r0 = r6',
    'r0 = r6',
    'r0 = 0',
    'exit',
  ]);
});

test('helper results: the register is one the program never uses; several helpers get one each', () => {
  const r = reuseHelperResults([
    mov64Reg(R6, R1),
    call(14),
    call(8),
    stx(8, R10, R0, -8),
    call(8),
    call(14),
    mov64Reg(R7, R0),
    ...tail,
  ]);
  // r6 and r7 are the program's: pid_tgid and the CPU get r8 and r9 (ties keep the order of first calls)
  assert.equal(show(r.items), [
    'r6 = r1',
    'call 14',
    'r8 = r0',
    'call 8',
    'r9 = r0',
    '*(u64 *)(r10 - 8) = r0',
    'r0 = r9',
    'r0 = r8',
    'r7 = r0',
    'r0 = 0',
    'exit',
  ]);
});

test('helper results: not for a call on only one path to the next, other helpers, subprograms, or no free register', () => {
  const cases: AsmItem[][] = [
    // the first call is on one arm only: the second is reached without it
    [ldx(8, R2, R1, 0), jmpImm('jeq', R2, 0, 'L'), call(14), label('L'), call(14), ...tail],
    // ktime and prandom change from one call to the next
    [call(5), mov64Reg(R2, R0), call(5), ...tail],
    [call(7), call(7), ...tail],
    // a bpf-to-bpf call: the subprogram has registers of its own
    [call(14), { ...call(1), src: 1, callTo: 'f' } as Insn, call(14), ...tail, label('f'), ...tail],
    // r6-r9 all in use
    [mov64Reg(R6, R1), mov64Reg(R7, R1), mov64Reg(8, R1), mov64Reg(9, R1), call(14), call(14), ...tail],
  ];
  for (const [n, c] of cases.entries()) assert.not.ok(reuseHelperResults(c).changed, `case ${n}`);
});

test('helper results: a call inside a loop reuses a result from before the loop; the pass settles', () => {
  const items = [
    call(14),
    mov64Imm(R2, 0),
    label('top'),
    call(14),
    alu64Imm('add', R2, 1),
    jmpImm('jlt', R2, 4, 'top'),
    ...tail,
  ];
  const once = reuseHelperResults(items);
  assert.equal(show(once.items).slice(0, 4), ['call 14', 'r6 = r0', 'r2 = 0', 'r0 = r6']);
  assert.not.ok(reuseHelperResults(once.items).changed, 'a second run changes nothing');
});

test('rounds: the passes run in turn until each has seen the current items unchanged, and no further', () => {
  // items stand for a number here (r0 = n): pass 0 raises an odd n by one, pass 2 doubles an n below 6
  const value = (items: readonly AsmItem[]) => (items[0] as Insn).imm;
  const make = (n: number): AsmItem[] => [mov64Imm(R0, n), exit()];
  const log: string[] = [];
  const pass = (name: string, f: (n: number) => number) => (items: readonly AsmItem[]) => {
    const n = value(items);
    log.push(`${name}:${n}`);
    const m = f(n);
    return m === n ? { items: [...items], changed: false } : { items: make(m), changed: true };
  };
  const passes = [
    pass('odd+1', (n) => (n % 2 ? n + 1 : n)),
    pass('none', (n) => n),
    pass('x2', (n) => (n < 6 ? n * 2 : n)),
  ];
  const out = rounds(make(1), passes);
  assert.is(value(out), 8);
  // 1 -> 2 (odd+1) -> 4 (x2); 4 -> 8 (x2 in the next round); then odd+1 and none confirm 8, and x2 does: stop
  assert.equal(log, ['odd+1:1', 'none:2', 'x2:2', 'odd+1:4', 'none:4', 'x2:4', 'odd+1:8', 'none:8', 'x2:8']);
  // the last change by the first pass: the two after it have seen the result unchanged, so it alone confirms it
  log.length = 0;
  const upTo3 = [pass('<3:+1', (n) => (n < 3 ? n + 1 : n)), pass('none', (n) => n), pass('none2', (n) => n)];
  assert.is(value(rounds(make(0), upTo3)), 3);
  assert.equal(log.slice(-4), ['<3:+1:2', 'none:3', 'none2:3', '<3:+1:3']);
  // a pass that never settles stops at the cap: 8 whole rounds
  let calls = 0;
  rounds(make(0), [
    (items) => {
      calls++;
      return { items: make(value(items) + 1), changed: true };
    },
    (items) => ({ items: [...items], changed: false }),
  ]);
  assert.is(calls, 8);
});

test.run();
