// bpftrace v0.26's integer literal types and tuple sizes, as the checker reports them (no kernel needed):
// a literal is the smallest signed integer that holds it, a variable assigned more than one type holds the
// promotion of them, tuples are laid out as C structs (each element at its alignment, strings at 1), and a
// record reassigned with its fields in another order keeps its first order. Pinned against v0.26.1's
// builtin.sizeof, tuples.* sizing and record.record evaluation order runtime tests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, renderDiagnostics, sourceFile, walk, type Expr } from '../../lang/index.ts';
import { typeName } from '../../lang/types.ts';
import { parseCDeclarations } from '../../lang/c/declarations.ts';
import { withScriptTypes } from '../../lang/c/script-btf.ts';
import type { BtfTypes } from '../../lang/btf.ts';
import type { KernelInfo } from '../../lang/kernel.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';
import { program } from './parser-helpers.ts';

/** The fixed kernel with BTF made from C declarations; `plain` hides the C layer's alignOf, as vmlinux's BTF has none. */
function kernelWith(c: string, plain = false): KernelInfo {
  const { types } = withScriptTypes(undefined, parseCDeclarations(sourceFile('types.h', c), {}).declarations);
  const btf: BtfTypes = plain
    ? new Proxy(types, {
        get: (t, k) => {
          const v = k === 'alignOf' ? undefined : Reflect.get(t, k);
          return typeof v === 'function' ? v.bind(t) : v;
        },
      })
    : types;
  return { ...fixedKernel, btf: () => btf };
}

function checked(text: string, kernel: KernelInfo = fixedKernel) {
  const p = program(text);
  const out = check(p, kernel, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return { p, program: out.program! };
}

/** The value of every sizeof(…) in the program, in source order. */
function sizes(text: string, kernel?: KernelInfo): number[] {
  const { p, program: c } = checked(text, kernel);
  const found: number[] = [];
  walk(p, (n) => {
    if ((n as Expr).kind === 'sizeof') found.push(Number(c.constants.get(n as Expr)));
  });
  return found;
}

function varType(text: string, name: string): string {
  const vars = checked(text).program.varTypes.values().next().value!;
  return typeName(vars.get(name)!);
}

test('a literal is the smallest int that holds it; sizeof(1 == 1) is a bool', () => {
  assert.equal(
    sizes(
      'BEGIN { $a = 1; $b = 200; $c = -129; $d = 70000; $e = 5000000000; print((sizeof($a), sizeof($b), sizeof($c), sizeof($d), sizeof($e), sizeof(1 == 1))); }',
    ),
    [1, 2, 2, 4, 8, 1],
  );
  assert.is(varType('BEGIN { $x = 18446744073709551615; }', '$x'), 'uint64');
  // a literal measured or swapped is its own type too (v0.26 type_resolver Integer, bswap), literals folded as well
  assert.equal(
    sizes(
      'BEGIN { print((sizeof(1), sizeof(-1), sizeof(300), sizeof(100 + 200), sizeof(5000000000), sizeof(pid + 1))); }',
    ),
    [1, 1, 2, 2, 8, 8],
  );
  assert.is(diagnose('BEGIN { @a = bswap(1); @b = bswap(258); }'), '');
});

test('a variable holds the promotion of what it is assigned; anything computed is 64-bit', () => {
  assert.is(varType('BEGIN { $x = 1; $x = 1000; }', '$x'), 'int16');
  assert.is(varType('BEGIN { $x = (int8)1; $x = 1000; }', '$x'), 'int16');
  assert.is(varType('BEGIN { $x = 1; $x = (uint32)7; }', '$x'), 'uint32');
  assert.is(varType('BEGIN { $x = 5; $x = (uint64)18446744073709551615; }', '$x'), 'uint64');
  assert.is(varType('BEGIN { $x = 1; $x = $x + 1; }', '$x'), 'int64');
  assert.is(varType('BEGIN { $x = 1; $x++; }', '$x'), 'int64');
  assert.is(varType('BEGIN { $x = 1; $x += 1; }', '$x'), 'int64');
  assert.is(varType('BEGIN { let $x: int32 = 1; }', '$x'), 'int32');
});

test('operators on literals fold as v0.26 folds them: an overflow, a division by 0 or a wide shift is refused', () => {
  // v0.26.1 tests/fold_literals.cpp: scry computed 1 << 64 as 1 and 0xffffffffffffffff + 1 as 0
  for (const [expr, col] of [
    ['1 << 64', 14],
    ['8 >> 64', 14],
    ['1 << -1', 14],
    ['0xffffffffffffffff + 1', 14],
    ['0x8000000000000000 * 2', 14],
    ['-9223372036854775807 - 2', 14],
    ['0 - 0xffffffffffffffff', 14],
    ['0x7fffffffffffffff - -1', 14],
    ['-1 & 0xffffffffffffffff', 14],
    ['5 / 0', 14],
    ['2 + 3 % 0', 18],
  ] as const)
    assert.is(
      diagnose(`BEGIN { @x = ${expr}; }`).split('\n')[0],
      `stdin:1:${col}-${col + (col === 14 ? expr.length : 5)}: ERROR: unable to fold literals due to overflow or underflow`,
      expr,
    );
  assert.match(diagnose('BEGIN { @x = -0x8000000000000001; }'), 'ERROR: negative value will underflow');
  // what folds: past INT64_MAX unsigned, a negative result signed; the last shift that keeps a bit is allowed
  const types = (text: string) => {
    const { p, program: c } = checked(text);
    const found: string[] = [];
    walk(p, (n) => {
      if (n.kind === 'assign') found.push(typeName(c.typeOf.get(n.value)!));
    });
    return found;
  };
  assert.equal(
    types(
      'BEGIN { @a = 1 << 63; @b = 9223372036854775807 + 1; @c = -(-9223372036854775807 - 1); @d = -0x8000000000000000; @e = 0x8000000000000000 << 1; @f = 9223372036854775807 - 9223372036854775808; }',
    ),
    ['uint64', 'uint64', 'uint64', 'int64', 'int64', 'int64'],
  );
});

test('tuples are laid out as C structs: elements at their alignment, the whole padded to the largest', () => {
  assert.equal(
    sizes(
      'BEGIN { $a = ((int8)-100, (int8) 100, "abcdef", 3, (int32) 1, (int64)-10, (int8)10, (int16)-555, "abc"); print(sizeof($a)); }',
    ),
    [32],
  );
  assert.equal(sizes('BEGIN { print(sizeof((1, "a"))); print(sizeof(((int32)1, (int64)2))); }'), [3, 16]);
  // a struct aligns as its members do (from the C layer, or from BTF's members); an int array as its element
  const types = 'struct Foo { int m; int n; }; struct A { int x[4]; }; struct L { char c; long l; };';
  const prog =
    'BEGIN { print(sizeof(((int32)1, *((struct Foo *)0)))); print(sizeof(((int32)1, ((struct A *)0)->x))); print(sizeof(((int8)1, *((struct L *)0)))); }';
  for (const plain of [false, true])
    assert.equal(sizes(prog, kernelWith(types, plain)), [12, 20, 24], `plain ${plain}`);
  assert.is(varType('BEGIN { $t = (1, "hi", -300); }', '$t'), '(int8, string[3], int16)');
});

// (a tuple assigned twice widens its integers to 64 bits: a copy made before the second assignment keeps the
// first layout, so narrower elements could show a wider value wrong; v0.26 would say int8 here)
test('a record reassigned with its fields in another order keeps its first order; other names are refused', () => {
  assert.is(
    varType('BEGIN { $r = (foo = 1, bar = "x"); $r = (bar = "yz", foo = 2); }', '$r'),
    '(foo=int64, bar=string[3])',
  );
  assert.match(
    diagnose('BEGIN { $r = (foo = 1, bar = 2); $r = (foo = 1, baz = 2); }'),
    'cannot assign (foo=int8, baz=int8)',
  );
  assert.match(diagnose('BEGIN { $r = (foo = 1, bar = 2); $r = (1, 2); }'), 'cannot assign (int8, int8)');
});

test('&$t of a tuple is a pointer to it; taking an address before the variable widens is refused', () => {
  assert.is(varType('BEGIN { $t = (1, "a"); $p = &$t; }', '$p'), '(int8, string[2]) *');
  assert.match(
    diagnose('BEGIN { $x = (int8)1; $p = &$x; $x = 1000; }'),
    '$x is int16 after later assignments, wider than the int8 this address points to',
  );
  assert.is(diagnose('BEGIN { $x = 1; $p = &$x; $x = 2; print(*$p); }'), '');
});

test("a map used with other key types: v0.26's words, keys named at their literal width", () => {
  const text = diagnose('BEGIN { @g[1, "hi"] = 2; if (has_key(@g, (1, 2))) { printf("ok\\n"); } }');
  assert.match(
    text,
    "stdin:1:46-47: ERROR: Argument mismatch for @g: trying to access with arguments: '(int8,int8)' when map expects arguments: '(int8,string[3])'",
  );
  assert.match(text, 'HINT: key 2 is int8 here but string[3] elsewhere');
  assert.match(
    diagnose('BEGIN { @x[1] = 1; @x[1000] = 2; @x["a"] = 3; }'),
    "trying to access with arguments: 'string[2]' when map expects arguments: 'int16'",
  );
});

/** The stored type of a map's keys and value (8-byte integers: their sign is what prints). */
function mapTypes(text: string, name: string): { keys: string[]; value: string } {
  const info = checked(text).program.maps.get(name)!;
  return {
    keys: info.keys.map(typeName),
    value: info.value.kind === 'value' ? typeName(info.value.type) : info.value.kind,
  };
}

test('an integer map key or value is stored signed as v0.26 promotes what is written: a literal takes the other sign', () => {
  // v0.26.1 tests/type_resolver.cpp map_value_promotion_integers, map_key_promotion_integers
  assert.is(mapTypes('BEGIN { @a = 1; @a = (uint64)2; }', '@a').value, 'uint64');
  assert.is(mapTypes('BEGIN { @a = (uint64)2; @a = 1; }', '@a').value, 'uint64');
  assert.is(mapTypes('BEGIN { @a = 0; @a = nsecs; }', '@a').value, 'uint64');
  assert.is(mapTypes('BEGIN { @a = -1; @a = (uint64)2; }', '@a').value, 'int64');
  assert.is(mapTypes('BEGIN { @a = (int64)1; @a = (uint64)2; }', '@a').value, 'int64');
  assert.is(mapTypes('BEGIN { @a = 1; @a = -1; @a = (uint32)3; }', '@a').value, 'int64');
  assert.equal(mapTypes('BEGIN { @a[1] = 1; @a[(uint64)2] = 1; }', '@a').keys, ['uint64']);
  assert.equal(mapTypes('BEGIN { @a[1] = 1; @a[18446744073709551615] = 1; }', '@a').keys, ['uint64']);
  assert.equal(mapTypes('BEGIN { @a[-1] = 1; @a[(uint64)2] = 1; }', '@a').keys, ['int64']);
  assert.equal(mapTypes('BEGIN { @a[(uint64)1] = 1; @a[(int64)2] = 1; }', '@a').keys, ['int64']);
  assert.equal(mapTypes('BEGIN { @k[1, 2] = 1; @k[(uint64)3, -1] = 2; }', '@k').keys, ['uint64', 'int64']);
});

test('string literals fold with +, as bpftrace v0.26 folds them: "ab" + "cd" is "abcd", "hello" + 2 is "llo"', () => {
  // v0.26.1 tests/fold_literals.cpp ("foo" + "bar", "hello" + 3)
  assert.equal(
    sizes('BEGIN { print((sizeof("ab" + "cd"), sizeof("hello" + 2), sizeof(2 + "hello"), sizeof("a" + "b" + "c"))); }'),
    [5, 4, 4, 4],
  );
  assert.match(diagnose('BEGIN { print("hi" + 5); }'), 'WARNING: literal string will always be empty');
  assert.match(diagnose('BEGIN { $s = "x"; print($s + "y"); }'), 'ERROR: operator + does not apply to strings');
});

test.run();
