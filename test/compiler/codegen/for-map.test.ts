// for ($kv : @map): the compiled shape, without a kernel. Callbacks follow the main program, each is
// reached only through a BPF_PSEUDO_FUNC load, and func_info names every function's first slot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BPF_PSEUDO_FUNC,
  LD_IMM64,
  exit,
  label,
  ldFuncAddr,
  mov64Imm,
  R0,
  R2,
  type AsmItem,
} from '../../../compiler/asm/index.ts';
import { functionsBtf } from '../../../compiler/btf/index.ts';
import { pruneUnreachable } from '../../../compiler/codegen/prune.ts';
import type { ProgramSpec } from '../../../compiler/program.ts';
import { compileText, diagnose } from '../../helpers/pipeline.ts';

/** Slots that ld_imm64 BPF_PSEUDO_FUNC instructions point at. */
function funcTargets(p: ProgramSpec): number[] {
  const v = new DataView(p.bytecode.buffer, p.bytecode.byteOffset, p.bytecode.byteLength);
  const out: number[] = [];
  for (let slot = 0; slot < p.bytecode.length / 8; slot++) {
    const code = v.getUint8(slot * 8);
    if (code === LD_IMM64 && v.getUint8(slot * 8 + 1) >> 4 === BPF_PSEUDO_FUNC)
      out.push(slot + 1 + v.getInt32(slot * 8 + 4, true));
    if (code === LD_IMM64) slot++;
  }
  return out;
}

test('a program without for-map loops has BTF for its main function alone, named as bpftrace v0.26 names it', () => {
  const p = compileText('BEGIN { @m[1] = 1; exit(); }').programs[0]!;
  const btf = functionsBtf('BEGIN_1', []);
  assert.equal(p.btf, btf.data);
  assert.equal(p.funcInfo, [{ insn: 0, typeId: btf.main }]);
});

test('a loop becomes a callback after the main program, with BTF func_info for both', () => {
  const p = compileText('BEGIN { @m[1] = 1; for ($kv : @m) { @s += $kv.1; } exit(); }').programs[0]!;
  const targets = funcTargets(p);
  assert.is(targets.length, 1);
  const btf = functionsBtf('BEGIN_1', ['for_map_cb0']);
  assert.equal(p.funcInfo, [
    { insn: 0, typeId: btf.main },
    { insn: targets[0]!, typeId: btf.callbacks[0]! },
  ]);
  assert.equal(p.btf, btf.data);
  // the slot before the callback is the main program's exit
  assert.is(p.bytecode[(targets[0]! - 1) * 8], 0x95);
});

test('nested loops and loops side by side each get a function, in slot order', () => {
  const p = compileText(`BEGIN { @m[1] = 1; @k[1, 2] = 3;
    for ($a : @m) { for ($b : @k) { @n += $b.0.1; } }
    for ($c : @k) { @n += $c.1; } exit(); }`).programs[0]!;
  const info = p.funcInfo!;
  assert.is(info.length, 4);
  assert.equal(
    info.map((f) => f.insn),
    [...info.map((f) => f.insn)].sort((a, b) => a - b),
  );
  assert.equal(new Set(funcTargets(p)), new Set(info.slice(1).map((f) => f.insn)));
});

test('a loop that can never run (after exit()) leaves no function behind', () => {
  const p = compileText('BEGIN { @m[1] = 1; exit(); for ($kv : @m) { @s += $kv.1; } }').programs[0]!;
  assert.equal(p.btf, functionsBtf('BEGIN_1', []).data);
  assert.is(funcTargets(p).length, 0);
});

test('pruning keeps code reached only through a function address', () => {
  const items: AsmItem[] = [
    ldFuncAddr(R2, 'cb'),
    mov64Imm(R0, 0),
    exit(),
    mov64Imm(R0, 9),
    label('cb'),
    mov64Imm(R0, 1),
    exit(),
  ];
  const kept = pruneUnreachable(items);
  assert.is(kept.length, items.length - 1); // only the dead `r0 = 9`
  assert.ok(!kept.includes(items[3]!));
});

test('a loop body whose frame would not fit beside its caller spills into scratch space instead of failing', () => {
  const vars = Array.from({ length: 56 }, (_, i) => `$v${i} = ${i};`).join(' ');
  assert.is(diagnose(`BEGIN { @m[1] = 1; ${vars} for ($kv : @m) { @s[$kv.0, 1, 2, 3] += $kv.1 + $v1; } }`), '');
});

test.run();
