// Pointer semantics in the checker (issue 13, item 3): arithmetic moves by elements of the pointee (the
// step is recorded for the compiler), pointers keep their type in variables and maps, and arithmetic that
// has no meaning on a pointer is refused with a located diagnostic. Pinned to bpftrace v0.26's rules
// (docs/language.md "Pointers may be used with arithmetic operators but only for addition and subtraction";
// 0.17 agrees on the steps but also refuses pointer - pointer).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile, renderDiagnostics, type CheckedProgram } from '../../lang/index.ts';
import type { Expr } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { typeName } from '../../lang/types.ts';
import { parseCDeclarations } from '../../lang/c/declarations.ts';
import { withScriptTypes } from '../../lang/c/script-btf.ts';
import type { KernelInfo } from '../../lang/kernel.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

/** The fixed kernel with BTF made from C declarations (script-btf.ts), so struct pointers have a size. */
function kernelWith(c: string): KernelInfo {
  const { types } = withScriptTypes(undefined, parseCDeclarations(sourceFile('types.h', c), {}).declarations);
  return { ...fixedKernel, btf: () => types };
}
const withTask = kernelWith('struct task_struct { int pid; char comm[16]; struct task_struct *parent; };');
import { diagnose } from '../helpers/pipeline.ts';

function checked(text: string, kernel: KernelInfo = fixedKernel): CheckedProgram {
  const parsed = parse(sourceFile('stdin', text));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const out = check(parsed.program!, kernel, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return out.program!;
}

function nodes<K extends Expr['kind']>(p: CheckedProgram, kind: K): Extract<Expr, { kind: K }>[] {
  const found: Extract<Expr, { kind: K }>[] = [];
  walk(p.ast, (n) => {
    if ((n as Expr).kind === kind) found.push(n as Extract<Expr, { kind: K }>);
  });
  return found.sort((a, b) => a.span.start - b.span.start);
}

test('p + n, n + p and p - n are pointers of the same type, moved by the size of the pointee', () => {
  const p = checked('BEGIN { $a = (int32 *)32 + 1; $b = 2 + (int16 *)0; $c = (uint64 *)64 - 3; $d = (int8 *)1 + 1; }');
  const [a, b, c, d] = nodes(p, 'binary');
  assert.is(typeName(p.typeOf.get(a!)!), 'int32 *');
  assert.equal(p.pointerSteps.get(a!), { size: 4, integer: 'right' });
  assert.equal(p.pointerSteps.get(b!), { size: 2, integer: 'left' });
  assert.equal(p.pointerSteps.get(c!), { size: 8, integer: 'right' });
  assert.is(p.pointerSteps.get(d!), undefined, 'a step of one byte needs no scaling');
});

test('a pointer to a kernel struct steps by the struct size; a pointer to pointers by 8', () => {
  const p = checked('BEGIN { $t = (struct task_struct *)0 + 1; $q = (int32 **)0 + 1; }', withTask);
  const [t, q] = nodes(p, 'binary');
  assert.equal(p.pointerSteps.get(t!), { size: 32, integer: 'right' });
  assert.equal(p.pointerSteps.get(q!), { size: 8, integer: 'right' });
});

test('++, --, += and -= on pointer variables and maps record the step; the map keeps the pointer type', () => {
  const p = checked('BEGIN { $p = (int32 *)0; $p++; --$p; $p += 2; @m = (int64 *)0; @m -= 1; @m++; }');
  for (const x of nodes(p, 'incdec')) assert.equal(p.pointerSteps.get(x)?.size, x.target.kind === 'map' ? 8 : 4);
  const values = nodes(p, 'int').filter((x) => x.value === 2n || x.value === 1n);
  assert.equal(
    values.map((v) => p.pointerSteps.get(v)?.size),
    [4, 8],
  );
  assert.is(typeName(p.varTypes.values().next().value!.get('$p')!), 'int32 *');
  const m = p.maps.get('@m')!.value;
  assert.ok(m.kind === 'value');
  assert.is(typeName(m.type), 'int64 *');
});

test('pointers compare with integers and pointers, and are truthy, without any step', () => {
  const p = checked(
    'BEGIN { $a = (int32 *)8; if ($a == 8 && $a < (int32 *)9 && $a) { @x = $a != 0 ? 1 : 2; } @y = !$a; }',
  );
  assert.is(p.pointerSteps.size, 0);
});

test('arithmetic without meaning on pointers is refused where it is written, with a way out', () => {
  assert.is(
    diagnose('BEGIN { $a = (int32 *)8; $b = $a - $a; }'),
    [
      'stdin:1:34-35: ERROR: operator - cannot be used on two pointers (int32 * and int32 *)',
      'BEGIN { $a = (int32 *)8; $b = $a - $a; }',
      '                                 ~',
      'HINT: cast them to integers to work on the addresses: (uint64)a - (uint64)b',
    ].join('\n') + '\n',
  );
  assert.match(diagnose('BEGIN { $a = 1 - (int32 *)8; }'), 'an integer minus a pointer (int32 *) has no meaning');
  assert.match(
    diagnose('BEGIN { $a = (int32 *)8; $a *= 2; }'),
    'operator * cannot be used on a pointer (int32 *): pointers only add and subtract integers',
  );
  assert.match(diagnose('BEGIN { @a = (int16 *)8; @a <<= 1; }'), 'operator << cannot be used on a pointer (int16 *)');
  assert.match(diagnose('BEGIN { $x = curtask & 0xfff; }'), 'HINT: cast it to an integer to work on the address');
  assert.is(diagnose('BEGIN { $x = (uint64)curtask & 0xfff; }'), '', 'a cast to an integer is the way out');
});
test('& takes the address of a variable (a kernel pointer to its type), nothing else', () => {
  const p = checked('BEGIN { $a = (int16)1; $b = &$a; $s = "ab"; $c = &$s; }');
  const [b, c] = nodes(p, 'unary');
  assert.is(typeName(p.typeOf.get(b!)!), 'int16 *');
  assert.is(typeName(p.typeOf.get(c!)!), 'string[3] *');
  assert.is(
    diagnose('BEGIN { $b = &pid; }'),
    [
      'stdin:1:14-18: ERROR: operator & takes the address of a variable only',
      'BEGIN { $b = &pid; }',
      '             ~~~~',
      'HINT: store the value in a variable first: $v = …; $p = &$v',
    ].join('\n') + '\n',
  );
  assert.match(diagnose('BEGIN { $t = buf("ab", 2); $p = &$t; }'), 'scry cannot take the address of buffer[2] yet');
});

test('integer-array casts take their length from the source, and the sizes must agree', () => {
  const p = checked('BEGIN { $a = (int8[])12345; $b = (uint16[])"abc"; $c = (bool[2])(uint16)1; $d = (uint32)$b; }');
  assert.equal(
    ['$a', '$b', '$c', '$d'].map((v) => typeName(p.varTypes.values().next().value!.get(v)!)),
    ['int8[8]', 'uint16[2]', 'bool[2]', 'uint32'],
  );
  assert.is(
    diagnose('BEGIN { $a = (int8[3])12345; }'),
    [
      'stdin:1:14-28: ERROR: cannot cast int64 (8 bytes) to int8[3] (3 bytes)',
      'BEGIN { $a = (int8[3])12345; }',
      '             ~~~~~~~~~~~~~~',
      'HINT: the sizes must match: (int8[8]) fits',
    ].join('\n') + '\n',
  );
  assert.match(
    diagnose('BEGIN { $a = (int16[])"ab"; }'),
    'cannot cast string[3] (3 bytes) to int16[]\nBEGIN { $a = (int16[])"ab"; }\n             ~~~~~~~~~~~~~\nHINT: the sizes must match: 3 bytes are not a whole number of int16',
  );
  assert.match(
    diagnose('BEGIN { $a = (uint64)(int8[2])(int16)1; }'),
    'cannot cast int8[2] to uint64\nBEGIN { $a = (uint64)(int8[2])(int16)1; }\n             ~~~~~~~~~~~~~~~~~~~~~~~~~\nHINT: an integer cast reads all 2 bytes: (uint16) fits',
  );
  // an array of structs as a declared type is refused, not read as one struct
  assert.match(
    diagnose('BEGIN { let $w: struct task_struct[2]; }', withTask),
    'arrays of struct task_struct cannot be named as a type yet',
  );
});

test('arrays compare with == and != against the same type; constant indexes past the end are refused', () => {
  assert.is(diagnose('BEGIN { $a = (int8[2])(int16)1; $b = $a; @x = ($a == $b, $a != $b); }'), '');
  assert.match(
    diagnose('BEGIN { $a = (int8[2])(int16)1; $c = (int8[4])(int32)2; @x = $a == $c; }'),
    'ERROR: cannot compare int8[2] with int8[4]',
  );
  assert.is(
    diagnose('BEGIN { $a = (int8[2])(int16)1; @x = $a[2]; }'),
    [
      'stdin:1:41-42: ERROR: the index 2 is out of bounds for array of size 2',
      'BEGIN { $a = (int8[2])(int16)1; @x = $a[2]; }',
      '                                        ~',
      'HINT: valid indexes are 0 to 1',
    ].join('\n') + '\n',
  );
  assert.match(diagnose('BEGIN { @x = (uint64)"abcdefg"; }'), 'HINT: a string is text, not a number');
});

test('let $x: typeof(type or expression) declares the type without evaluating anything', () => {
  const p = checked(
    'BEGIN { let $a: typeof(uint16) = 1; let $b: typeof($a + 1); let $c: typeof(int32 *); let $d: typeof(comm); }',
  );
  const vars = p.varTypes.values().next().value!;
  assert.equal(
    ['$a', '$b', '$c', '$d'].map((v) => typeName(vars.get(v)!)),
    ['uint16', 'uint64', 'int32 *', 'string[16]'],
  );
  const lets = p.ast.probes[0]!.body.statements.filter((x) => x.kind === 'let');
  assert.ok(lets[1]!.kind === 'let' && lets[1]!.typeOf?.kind === 'binary', 'typeof($a + 1) keeps its expression');
  assert.match(diagnose('BEGIN { let $x: typeof($nope); }'), 'Undefined or undeclared variable: $nope');
});

test('let $x; takes its type from the first assignment (bpftrace v0.26); never assigned, it is an integer', () => {
  const p = checked('BEGIN { let $s; let $n; let $z; $s = "abc"; $n = $z + 1; }');
  const vars = p.varTypes.values().next().value!;
  assert.equal(
    ['$s', '$n', '$z'].map((v) => typeName(vars.get(v)!)),
    ['string[4]', 'int64', 'int64'],
  );
  assert.match(diagnose('BEGIN { let $s; $s = 1; $s = "abc"; }'), '$s holds int64, cannot assign string[4]');
});

test("a declared pointer points into the memory of the value assigned to it (else the probe's)", () => {
  const p = checked(
    'BEGIN { let $u: int32 *; $u = uptr(8); let $k: int32 *; $k = (int32 *)8; let $v: int32 * = uptr(8); }',
  );
  const vars = p.varTypes.values().next().value!;
  assert.equal(
    ['$u', '$k', '$v'].map((v) => (vars.get(v) as { space?: string }).space),
    ['user', 'none', 'user'], // BEGIN's own memory is 'none' (bpftrace v0.26): see address-space.test.ts
  );
});

test('let $w: struct W[N] names the array type a script definition made; a computed index records its bound', () => {
  const k = kernelWith('struct W { int a; }; struct C { struct W w[3]; int x[4]; };');
  const p = checked(
    'BEGIN { let $w: struct W[3]; $c = (struct C *)0; $w = $c->w; $i = 2; @a = $c->x[$i]; @b = $c->x[1]; }',
    k,
  );
  assert.is(typeName(p.varTypes.values().next().value!.get('$w')!), 'struct W[3]');
  const [computed, constant] = nodes(p, 'index').filter((x) => x.base.kind === 'field');
  assert.is(p.memory.get(computed!)?.bound, 4);
  assert.is(p.memory.get(constant!)?.bound, undefined);
  assert.match(
    diagnose('BEGIN { let $w: struct W[2]; $w = ((struct C *)0)->w; }', k),
    'arrays of struct W cannot be named as a type yet',
  );
});

test.run();
