// `let $x: T` and `let $x: typeof(…)` (issue 13 item 3, typed declarations): the variable keeps the declared
// type as bpftrace v0.26 keeps it. An assigned integer is converted to it (a warning when the value's type may
// not fit, an error for a literal out of range); a string or tuple must fit the declared size. Undeclared
// variables still widen (`$x = (int8)1; $x = 1000` is int16: literal-types.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, renderDiagnostics, sourceFile } from '../../lang/index.ts';
import { typeName } from '../../lang/types.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';

/** The variables of the program's one probe, by name, as type names. */
function varTypes(text: string): Record<string, string> {
  const parsed = parse(sourceFile('stdin', text));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const out = check(parsed.program!, fixedKernel, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  const vars = out.program!.varTypes.values().next().value!;
  return Object.fromEntries([...vars].map(([k, t]) => [k, typeName(t)]));
}

const mismatch = (v: string, from: string, to: string) =>
  `Type mismatch for ${v}: trying to assign value of type '${from}' when variable already has a type '${to}'`;

test('a declared integer keeps its type through later assignments', () => {
  const t = varTypes(
    'BEGIN { let $a: int8 = 1; $a = (int32)1000; let $b: uint8; $b = 7; let $c: int16 = 1; $c = (int8)2; $d = (int8)1; $d = 1000; }',
  );
  assert.equal([t.$a, t.$b, t.$c, t.$d], ['int8', 'uint8', 'int16', 'int16']);
});

test('a literal that does not fit the declared integer is an error at the literal, with the cast to write', () => {
  for (const [prog, v, from, to] of [
    ['BEGIN { let $a: uint16 = -1; }', '$a', 'int8', 'uint16'],
    ['BEGIN { let $a: uint8 = 10000000; }', '$a', 'int32', 'uint8'],
    ['BEGIN { let $a: uint8 = (uint8)1; $a = 10000; }', '$a', 'int16', 'uint8'],
    ['BEGIN { let $a: int8 = 1; $a = -10000; }', '$a', 'int16', 'int8'],
    ['BEGIN { let $a: uint8; $a = -1; }', '$a', 'int8', 'uint8'],
  ] as const) {
    const d = diagnose(prog);
    assert.match(d, mismatch(v, from, to), prog);
    assert.match(d, `HINT: cast it if truncating is what you want: (${to})`, prog);
    assert.not.match(d, 'undefined variable', prog); // the variable is still declared
  }
  // in range, or cast explicitly: no diagnostic at all
  for (const prog of [
    'BEGIN { let $a: uint8 = 255; let $b: int8 = -128; $b = -100; let $c: uint16 = (uint16)-1; let $d: uint8 = (uint8)10000; }',
    'BEGIN { let $a: uint32; $a = (uint8)1; let $b: int64 = 0; $b = (uint32)5; }',
  ])
    assert.is(diagnose(prog), '', prog);
});

test("a value whose type may not fit is converted with bpftrace v0.26's warning", () => {
  for (const [prog, from, to] of [
    ['BEGIN { let $a: int32 = (uint32)1; }', 'uint32', 'int32'],
    ['BEGIN { let $a: uint64 = (int64)1; }', 'int64', 'uint64'],
    ['BEGIN { let $a: int8 = 1; $a = (int32)1000; }', 'int32', 'int8'],
  ] as const) {
    const d = diagnose(prog);
    assert.match(d, `WARNING: Expression of type: ${from} being cast to type: ${to}.`, prog);
    assert.not.match(d, 'ERROR', prog);
  }
});

test('strings and tuples must fit the declared size; a string of no size is the largest', () => {
  assert.match(diagnose('BEGIN { let $x: string[3] = "helloooooo"; }'), mismatch('$x', 'string[11]', 'string[3]'));
  assert.match(
    diagnose('BEGIN { let $x: string[3] = "hi"; $x = "helloooooo"; }'),
    mismatch('$x', 'string[11]', 'string[3]'),
  );
  assert.match(
    diagnose('BEGIN { $a = (1, "hi"); let $x: typeof($a) = (2, "by"); $x = (1, "helllooo"); }'),
    mismatch('$x', '(int8, string[9])', '(int8, string[3])'),
  );
  assert.match(diagnose('BEGIN { $x = "foo"; let $y: typeof($x); $y = 2; }'), mismatch('$y', 'int8', 'string[4]'));
  assert.is(
    diagnose('BEGIN { let $y: string = "hi"; $y = "muchmuchlongerstr"; $x = "foo"; let $z: typeof($x); $z = "bar"; }'),
    '',
  );
  assert.equal(varTypes('BEGIN { let $x: string[3] = "hi"; $x = "a"; }').$x, 'string[3]');
});

test('typeof() of a variable that a later assignment settles does not pin the declaration', () => {
  assert.is(diagnose('BEGIN { let $x; let $y: typeof($x); $y = (uint8)2; $x = (uint8)1; }'), '');
});

test.run();
