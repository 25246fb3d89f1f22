// The optimizer against the kernel, on programs it was not written for: random straight-line and branching
// arithmetic over the values a raw tracepoint is given (masks, shifts, narrow loads, 32-bit ops, comparisons
// with constants near the edges of what the values can hold), each loaded as generated and as optimized and run
// with BPF_PROG_TEST_RUN on the same inputs. The two must return the same number for every input; a fact the
// value analysis gets wrong (a bound on a value, a decided branch) shows as a different one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R10,
  alu32Imm,
  alu32Reg,
  alu64Imm,
  alu64Reg,
  disasm,
  encode,
  endian,
  exit,
  jmp32Imm,
  jmpImm,
  label,
  ldx,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  st,
  stx,
  type AluOp,
  type AsmItem,
  type JmpOp,
  type Reg,
} from '../../compiler/asm/index.ts';
import { optimize } from '../../compiler/opt/index.ts';
import { loadProgram, progTestRun } from '../../runtime/sys/bpf.ts';
import { ProgType } from '../../runtime/sys/constants.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { rng } from '../helpers/rng.ts';

const VALUES: readonly Reg[] = [R2, R3, R4, R5, R7];
const SLOTS = [-8, -16, -24];
const EDGES = [0, 1, 2, 7, 8, 15, 16, 255, 256, 0xffff, 0x10000, 0x7fffffff, -1, -2, -0x80000000, -256, -65536];
const MASKS = [0xff, 0xffff, 0xfff, 7, 1, 0x7fffffff, -1, -8, -0x10000];

/** ±(2^k + d), d in -1..1, as a 32-bit immediate: where a bound on a value decides a comparison or does not. */
function nearPowerOfTwo(rnd: () => number): number {
  const k = rnd() < 0.5 ? [7, 8, 15, 16, 31][Math.floor(rnd() * 5)]! : Math.floor(rnd() * 32); // a load's or mask's width
  const v = 2 ** k + Math.floor(rnd() * 3) - 1;
  return (rnd() < 0.8 ? v : -v) | 0;
}

function programOf(seed: number): AsmItem[] {
  const rnd = rng(seed); // (a failure names a seed that reproduces it)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const reg = () => pick(VALUES);
  // a rough width of what each register holds (loads and masks), so comparisons land on its edges more often
  const width = new Map<Reg, number>([
    [R2, 64],
    [R3, 64],
    [R4, 32],
    [R5, 64],
    [R7, 16],
  ]);
  let last: Reg = R7;
  const wrote = (r: Reg, w: number): void => {
    width.set(r, w);
    last = r;
  };
  const items: AsmItem[] = [
    mov64Reg(R6, R1),
    ldx(8, R2, R6, 0),
    ldx(8, R3, R6, 8),
    ldx(4, R4, R6, 16), // a narrow load: 32 bits
    ldx(8, R5, R6, 24),
    ldx(2, R7, R6, 32), // 16 bits
    mov64Imm(R0, 0),
    ...SLOTS.map((off) => st(8, R10, off, 0)),
  ];
  const pending: { at: number; name: string }[] = [];
  const steps = 6 + Math.floor(rnd() * 14);
  for (let n = 0; n < steps; n++) {
    for (const p of pending.filter((x) => x.at === n)) items.push(label(p.name));
    const wide = rnd() < 0.7;
    const r = rnd();
    if (r < 0.05) {
      items.push(stx(8, R10, reg(), pick(SLOTS))); // spilled, to be reloaded below
    } else if (r < 0.1) {
      const d = reg();
      items.push(ldx(8, d, R10, pick(SLOTS)));
      wrote(d, 64);
    } else if (r < 0.15) {
      const size = pick([1, 2, 4, 8] as const);
      const d = reg();
      items.push(ldx(size, d, R6, 8 * Math.floor(rnd() * 5))); // a narrow value again, to be tested next
      wrote(d, size * 8);
    } else if (r < 0.45) {
      const op = pick<AluOp>([
        'and',
        'and',
        'and',
        'rsh',
        'rsh',
        'lsh',
        'arsh',
        'or',
        'xor',
        'add',
        'mul',
        'mod',
        'div',
      ]);
      const imm =
        op === 'rsh' || op === 'lsh' || op === 'arsh'
          ? Math.floor(rnd() * (wide ? 64 : 32))
          : op === 'mod' || op === 'div'
            ? pick([1, 3, 16, 0x100, 0x10000, 0x7fffffff])
            : op === 'and'
              ? pick(MASKS)
              : pick(EDGES);
      const d = reg();
      items.push(wide ? alu64Imm(op, d, imm) : alu32Imm(op, d, imm));
      const w = op === 'and' && imm >= 0 ? Math.min(width.get(d)!, Math.ceil(Math.log2(imm + 1))) : 64;
      wrote(d, wide ? w : Math.min(w, 32));
    } else if (r < 0.5) {
      // byte swaps: as wide as their immediate, in the 32-bit class or not
      const d = reg();
      const bits = pick([16, 32, 64] as const);
      items.push(endian(d, pick(['le', 'be', 'bswap'] as const), bits));
      wrote(d, bits);
    } else if (r < 0.65) {
      const op = pick<AluOp>(['and', 'or', 'xor', 'add', 'sub', 'mul', 'mod', 'div', 'rsh', 'lsh', 'smod', 'sdiv']);
      const d = reg();
      items.push(wide ? alu64Reg(op, d, reg()) : alu32Reg(op, d, reg()));
      wrote(d, wide ? 64 : 32);
    } else if (r < 0.75) {
      const [d, from] = [reg(), reg()];
      items.push(wide ? mov64Reg(d, from) : mov32Reg(d, from));
      wrote(d, wide ? width.get(from)! : Math.min(width.get(from)!, 32));
    } else {
      const op = pick<JmpOp>(['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset']);
      const name = `L${n}`;
      const d = rnd() < 0.5 ? last : reg();
      const w = width.get(d)!;
      const imm =
        w < 32 && rnd() < 0.6
          ? (2 ** (w - Math.floor(rnd() * 2)) + Math.floor(rnd() * 4) - 2) | 0 // around its largest value, or half
          : rnd() < 0.5
            ? pick([...EDGES, ...MASKS])
            : nearPowerOfTwo(rnd);
      items.push(rnd() < 0.8 ? jmpImm(op, d, imm, name) : jmp32Imm(op, d, imm, name));
      items.push(alu64Imm('add', R0, 1 + n)); // the branch's outcome shows in the result
      pending.push({ at: n + 1 + Math.floor(rnd() * 3), name });
    }
  }
  for (const p of pending.filter((x) => x.at >= steps)) items.push(label(p.name));
  // r0 = r0 * 31 + each value, then the upper half folded into the lower (test runs return 32 bits)
  for (const v of VALUES) items.push(alu64Imm('mul', R0, 31), alu64Reg('add', R0, v));
  items.push(mov64Reg(R1, R0), alu64Imm('rsh', R1, 32), alu64Reg('xor', R0, R1), exit());
  return items;
}

const INPUTS: readonly bigint[] = [
  0n,
  1n,
  0xffn,
  0x100n,
  0xffffn,
  0x10000n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  1n << 32n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
  0x123456789abcdef0n,
  0xfedcba9876543210n,
];

function runAll(items: readonly AsmItem[], inputs: readonly BigUint64Array[], what: string): number[] {
  const insns = encode(items).bytes;
  let fd;
  try {
    fd = loadProgram({ type: ProgType.RAW_TRACEPOINT, insns, license: 'GPL' });
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}\n${disasm(insns).join('\n')}`, { cause: e });
  }
  try {
    return inputs.map((ctxIn) => progTestRun(fd.fd, { ctxIn }).retval);
  } finally {
    fd.close();
  }
}

const PROGRAMS = 1000;

if (requireRoot('optimizer on random programs')) {
  test('random arithmetic and branches: the optimized program returns what the generated one does', () => {
    const rnd = rng(7);
    // each argument an edge value, or 2^k ± 1, or random bits
    const arg = (): bigint => {
      const r = rnd();
      if (r < 0.5) return INPUTS[Math.floor(rnd() * INPUTS.length)]!;
      if (r < 0.8)
        return BigInt.asUintN(64, (1n << BigInt(Math.floor(rnd() * 64))) + BigInt(Math.floor(rnd() * 3) - 1));
      return (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
    };
    const inputs = Array.from({ length: 24 }, () => BigUint64Array.from({ length: 5 }, arg));
    let shorter = 0;
    for (let seed = 1; seed <= PROGRAMS; seed++) {
      const items = programOf(seed);
      const optimized = optimize(items);
      if (optimized.length < items.length) shorter++;
      const before = runAll(items, inputs, `seed ${seed}, as generated`);
      const after = runAll(optimized, inputs, `seed ${seed}, optimized`);
      assert.equal(
        after,
        before,
        `seed ${seed}:\n${disasm(encode(items).bytes).join('\n')}\n--\n${disasm(encode(optimized).bytes).join('\n')}`,
      );
    }
    assert.ok(shorter > PROGRAMS / 2, `the optimizer shortened only ${shorter} of ${PROGRAMS} programs`);
  });
}

test.run();
