// The checker records the decisions the compiler obeys (issue 12): the map a delete/has_key/clear/print acts
// on, what each $N stands for, reg()'s offset, the types operands convert to, the element a tuple access reads,
// and each attach point's probetype. Read from the side tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile, PT_REGS_OFFSETS, renderDiagnostics, type CheckedProgram } from '../../lang/index.ts';
import type { CallExpr, Expr } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { typeName } from '../../lang/types.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

function checked(text: string, params: string[] = []): CheckedProgram {
  const parsed = parse(sourceFile('stdin', text));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const out = check(parsed.program!, fixedKernel, { params });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return out.program!;
}

/** Every node of a kind, in source order. */
function nodes<K extends Expr['kind']>(p: CheckedProgram, kind: K): Extract<Expr, { kind: K }>[] {
  const found: Extract<Expr, { kind: K }>[] = [];
  walk(p.ast, (n) => {
    if ((n as Expr).kind === kind) found.push(n as Extract<Expr, { kind: K }>);
  });
  return found.sort((a, b) => a.span.start - b.span.start);
}
const calls = (p: CheckedProgram, name: string): CallExpr[] => nodes(p, 'call').filter((c) => c.name === name);

test('delete(@m, (1, 2)) on a two-key map records the entry with the tuple spread over the keys', () => {
  const p = checked('BEGIN { @m[1, 2] = 3; delete(@m, (1, 2)); }');
  const [del] = calls(p, 'delete');
  const target = p.mapTargets.get(del!)!;
  assert.is(target.name, '@m');
  assert.is(target.keys.length, 2);
  const tuple = del!.args[1]!;
  assert.ok(tuple.kind === 'tuple');
  assert.is(target.keys[0], tuple.elements[0], 'the keys are the tuple elements themselves');
  assert.is(typeName(p.typeOf.get(target.keys[1]!)!), 'int64', 'and they are typed');
});

test('delete(@m, (1, 2)) on a map keyed by a tuple (two keys, as in bpftrace v0.26) spreads it; delete(@m[k]) keeps its map', () => {
  const p = checked('BEGIN { @m[(1, 2)] = 3; delete(@m, (1, 2)); @n[5] = 1; delete(@n[5]); }');
  const [a, b] = calls(p, 'delete');
  assert.is(p.maps.get('@m')!.keys.length, 2);
  assert.is(p.mapTargets.get(a!)!.keys.length, 2);
  assert.is(p.mapTargets.get(b!), b!.args[0], 'the keyed argument is the target');
});

test('clear, zero, len and print(@m) record the whole map; print of a value records nothing', () => {
  const p = checked('BEGIN { @m[1] = 1; clear(@m); zero(@m); $n = len(@m); print(@m, 2); print(5); }');
  for (const name of ['clear', 'zero', 'len']) {
    const [c] = calls(p, name);
    assert.is(p.mapTargets.get(c!), c!.args[0], name);
  }
  const [whole, value] = calls(p, 'print');
  assert.is(p.mapTargets.get(whole!), whole!.args[0]);
  assert.is(p.mapTargets.has(value!), false);
});

test('$N records its value: an integer when it reads as one, else its text; str($N) its text; $# the count', () => {
  const p = checked(
    'BEGIN { $a = $1; $b = $2; $c = $3; $d = $#; $e = str($1); printf("%d %s %d %d %s\\n", $a, $b, $c, $d, $e); }',
    ['0x10', 'vfs_read'],
  );
  const [one, two, three, count, strOne] = nodes(p, 'positional');
  assert.is(p.positionals.get(one!), 16n);
  assert.is(p.positionals.get(two!), 'vfs_read');
  assert.is(p.positionals.get(three!), 0n, 'a missing parameter is 0');
  assert.is(p.positionals.get(count!), 2n);
  assert.is(p.positionals.get(strOne!), '0x10', 'str() reads $1 as text');
});

test('reg("di") records its pt_regs offset', () => {
  const p = checked('profile:hz:99 { @di = reg("di"); @ip = reg("ip"); }');
  const [di, ip] = calls(p, 'reg');
  assert.is(p.registers.get(di!), 112);
  assert.is(p.registers.get(ip!), PT_REGS_OFFSETS.ip);
  assert.is(PT_REGS_OFFSETS.ip, 128);
});

test('operands record the types they convert to: the 64-bit result, a comparison their common type, compound assignments too', () => {
  const p = checked(
    'BEGIN { $a = (uint32)1; $b = (int64)2; $s = (uint8)3; $x = $a + $b; $y = $s << $a; $z = $a < $s; $a += $b; print(($x, $y, $z)); }',
  );
  const types = (e: Expr) => p.operandTypes.get(e)?.map(typeName).join(', ');
  const [plus, shift, less] = nodes(p, 'binary');
  assert.is(types(plus!), 'int64, int64', 'u32 + i64: both become i64');
  assert.is(types(shift!), 'uint64, uint64', 'u8 << u32: each side to 64 bits of its own sign');
  // $a is int64 by the end ($a += $b widens it), and its slot holds that type everywhere; v0.26 promotes int64
  // and u8 to int64 (a u32 it would compare as u32)
  assert.is(types(less!), 'int64, int64', "$a < u8: the variable's final type and the u8 both become int64");
  const assign = nodes(p, 'var')
    .filter((v) => v.name === '$b')
    .at(-1)!;
  assert.is(types(assign), 'int64, int64', '$a += $b is keyed by its value');
  const strings = checked('BEGIN { $t = "a" == "b"; $u = 1 && 2; print(($t, $u)); }');
  assert.is(strings.operandTypes.size, 0, 'string comparisons and && || convert nothing');
});

test('tuple and record accesses record the element they read: t.N, t[N], a record field by its name', () => {
  const p = checked('BEGIN { $t = (1, "a", 3); $r = (x = 1, y = 2); print(($t.2, $t[1], $r.y, $r.x)); }');
  const [two, y, x] = nodes(p, 'field');
  const [one] = nodes(p, 'index');
  assert.is(p.tupleElements.get(two!), 2);
  assert.is(p.tupleElements.get(one!), 1);
  assert.is(p.tupleElements.get(y!), 1, 'y is the second field');
  assert.is(p.tupleElements.get(x!), 0);
  // the field names of the record the variable holds decide, not the order a later value is written in
  const swapped = checked('BEGIN { $r = (x = 1, y = 2); $r = (y = 3, x = 4); print($r.y); }');
  assert.is(swapped.tupleElements.get(nodes(swapped, 'field')[0]!), 1);
});

test('each attach point records its probetype: BEGIN and END are special, the others their provider', () => {
  const p = checked('BEGIN, END, profile:hz:99, tracepoint:sched:sched_switch { print(probetype); }');
  const types = p.probes.flatMap((c) => c.attach.map((a) => p.contexts.get(a)!.probeType));
  assert.equal(types, ['special', 'special', 'profile', 'tracepoint']);
});

test.run();
