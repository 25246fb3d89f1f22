// The code generator obeys the checker's side tables (issue 12): it reads the register of reg(), the value
// of $N, the operand conversions of an operator and the map of a map function from the checked program,
// never working them out again. Each test changes one recorded decision and sees the bytecode follow it;
// a compiler that re-derived the decision from the syntax tree would ignore the change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile, type CheckedProgram } from '../../../lang/index.ts';
import { compile, disasmListing, type CompiledProgram } from '../../../compiler/index.ts';
import { fixedKernel } from '../../helpers/fixed-kernel.ts';

function checked(text: string, params: string[] = []): CheckedProgram {
  const parsed = parse(sourceFile('t.bt', text));
  const out = check(parsed.program!, fixedKernel, { params });
  if (!out.program) throw new Error(out.diagnostics.map((d) => d.message).join('\n'));
  return out.program;
}

function compiled(program: CheckedProgram): CompiledProgram {
  const out = compile(program);
  if (!out.program) throw new Error(out.diagnostics.map((d) => d.message).join('\n'));
  return out.program;
}

function listing(program: CheckedProgram): string {
  return compiled(program)
    .programs.map((p) => disasmListing(p.bytecode, p.sourceMap, p.relocations))
    .join('\n');
}

/** The one entry of a side table, to change. */
function only<K, V>(table: Map<K, V>): K {
  assert.is(table.size, 1);
  return [...table.keys()][0]!;
}

test('reg() reads the pt_regs offset the checker recorded', () => {
  const p = checked('profile:hz:99 { @x = reg("di"); }');
  // (from r1, where the context still is at the program's first read: codegen/emitter.ts context())
  assert.match(listing(p), 'r0 = *(u64 *)(r1 + 112)'); // di
  p.registers.set(only(p.registers), 80); // ax
  const text = listing(p);
  assert.match(text, 'r0 = *(u64 *)(r1 + 80)');
  assert.not.match(text, 'r1 + 112');
});

test('$N is the value the checker recorded', () => {
  const p = checked('BEGIN { @y = $1; }', ['5']);
  assert.match(listing(p), 'r0 = 5\n');
  p.positionals.set(only(p.positionals), 77n);
  assert.match(listing(p), 'r0 = 77\n');
});

test('a string $N is the text the checker recorded', () => {
  const p = checked('BEGIN { @s = $1; }', ['ab']);
  p.positionals.set(only(p.positionals), 'cd');
  assert.match(listing(p), `r1 = ${0x6463}\n`); // "cd", little-endian
});

test('an operator works on the operand types the checker recorded (signedness picks < or s<)', () => {
  const p = checked('BEGIN { $a = (int32)-8; $b = (int32)1; @x = $a < $b; }');
  assert.match(listing(p), /if r1 s< r0/);
  const u64 = { kind: 'int', bits: 64, signed: false } as const;
  p.operandTypes.set(only(p.operandTypes), [u64, u64]);
  const text = listing(p);
  assert.match(text, /if r1 < r0/);
  assert.not.match(text, /s</);
});

test('a compound assignment works on the operand types the checker recorded', () => {
  const p = checked('BEGIN { $a = (int32)-8; $a /= 2; @x = $a; }');
  assert.match(listing(p), 'r2 = 0\n'); // signed division keeps the result's sign in r2
  const u64 = { kind: 'int', bits: 64, signed: false } as const;
  p.operandTypes.set(only(p.operandTypes), [u64, u64]);
  assert.not.match(listing(p), 'r2 = 0');
});

test('clear() acts on the map the checker recorded', () => {
  const p = checked('BEGIN { @a[1] = 1; @b[1] = 2; clear(@a); }');
  const call = only(p.mapTargets);
  const events = () => compiled(p).events.filter((e) => e.kind === 'map-op');
  assert.equal(
    events().map((e) => e.kind === 'map-op' && e.map),
    ['@a'],
  );
  p.mapTargets.set(call, { ...p.mapTargets.get(call)!, name: '@b' });
  assert.equal(
    events().map((e) => e.kind === 'map-op' && e.map),
    ['@b'],
  );
});

test('delete() removes the entry the checker recorded', () => {
  const p = checked('BEGIN { @a[1] = 1; @b[1] = 2; delete(@a, 1); }');
  // the map loaded into r1 for bpf_map_delete_elem
  const deleted = (text: string) => {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('map_delete_elem'));
    return lines.slice(Math.max(0, at - 4), at).find((l) => l.includes('; map '));
  };
  assert.match(deleted(listing(p)) ?? '', 'map m0_a');
  const call = only(p.mapTargets);
  p.mapTargets.set(call, { ...p.mapTargets.get(call)!, name: '@b' });
  assert.match(deleted(listing(p)) ?? '', 'map m1_b');
});

test.run();
