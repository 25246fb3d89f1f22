// typeof() where a type is written (issue 13 item 3; bpftrace v0.26 docs/language.md "Cast Parsing" and its
// type checker): `(typeof(expr))x` and `(typeof(T))x` casts, `sizeof(typeof(…))`, `offsetof(typeof(…), f)`, and
// what typeof names: a variable's own type (`$x = (uint8)1` is uint8, not the 64-bit slot), a literal's, and for
// a map with keys its key type (a tuple of several, as the whole program types the map), for one without its
// value type. The expression inside is typed, never evaluated. `let $x: typeof(…)` itself: pointers.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  check,
  expandScriptMacros,
  parse,
  renderDiagnostics,
  sourceFile,
  type CheckedProgram,
} from '../../lang/index.ts';
import type { Expr } from '../../lang/ast.ts';
import { typeName } from '../../lang/types.ts';
import { walk } from '../../lang/walk.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';
import { errors, expr, stmts } from './parser-helpers.ts';

function checked(text: string): CheckedProgram {
  const parsed = parse(sourceFile('stdin', text));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const expanded = expandScriptMacros(parsed.program!);
  assert.is(renderDiagnostics(expanded.diagnostics), '');
  const out = check(expanded.program, fixedKernel, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return out.program!;
}

/** The variables of the program's one probe, by name, as type names. */
function varTypes(text: string): Record<string, string> {
  const vars = checked(text).varTypes.values().next().value!;
  return Object.fromEntries([...vars].map(([k, t]) => [k, typeName(t)]));
}

/** The values of the program's sizeof expressions, in source order. */
function sizes(text: string): bigint[] {
  const p = checked(text);
  const found: Expr[] = [];
  walk(p.ast, (n) => void ((n as Expr).kind === 'sizeof' && found.push(n as Expr)));
  return found.sort((a, b) => a.span.start - b.span.start).map((n) => p.constants.get(n)!);
}

test('(typeof(…))x parses as a cast, whatever typeof names; both parsers agree', () => {
  assert.is(expr('(typeof($x))10'), '(cast (typeof $x) 10)');
  assert.is(expr('(typeof(uint16))-1'), '(cast (typeof <uint16>) (- 1))');
  assert.is(expr('(typeof(struct task_struct *))arg0'), '(cast (typeof <struct task_struct*>) arg0)');
  assert.is(expr('(typeof(@m[1, 2]))$v'), '(cast (typeof @m[1, 2]) $v)');
  assert.is(expr('(typeof({ $a; }))(1 + 2)'), '(cast (typeof ({$a})) (+ 1 2))');
  assert.is(expr('(typeof(typeof($x)))7'), '(cast (typeof $x) 7)');
  // (typeof(x)) before a binary operator is still a cast of the operand that follows
  assert.is(expr('(typeof($x))5 + 1'), '(+ (cast (typeof $x) 5) 1)');
});

test('sizeof(typeof(…)) and offsetof(typeof(…), f) take typeof where a type goes; typeof(…) elsewhere is a call', () => {
  assert.is(expr('sizeof(typeof(uint16))'), '(sizeof (typeof <uint16>))');
  assert.is(expr('sizeof(typeof($x + 1))'), '(sizeof (typeof (+ $x 1)))');
  assert.is(expr('offsetof(typeof(struct s), a.b)'), '(offsetof (typeof <struct s>) a.b)');
  assert.is(expr('typeof($x)'), '(typeof() $x)');
  assert.equal(stmts('BEGIN { let $y: typeof(typeof($x)); let $z: typeof(typeof(uint8)); }'), [
    '(let $y (typeof $x))',
    '(let $z <uint8>)',
  ]);
  assert.match(errors('BEGIN { $y = (typeof($x)); }'), 'syntax error');
});

test('a typeof cast converts to the type named: a variable keeps its own width, a literal its own', () => {
  const t = varTypes(
    'BEGIN { $x = (uint8)1; $a = (typeof($x))300; $b = (typeof(uint16))3; $c = (typeof(1))2; $d = (typeof(pid))1;' +
      ' $p = (int32 *)0; $e = (typeof($p))8; $f = (typeof((int16)1 + (int16)2))1; }',
  );
  assert.equal(
    [t.$a, t.$b, t.$c, t.$d, t.$e, t.$f],
    ['uint8', 'uint16', 'int8', 'uint32', 'int32 *', typeName(checkedBinary('(int16)1 + (int16)2'))],
  );
  assert.match(diagnose('BEGIN { $x = (typeof(nosuch))1; }'), "1:22-28: ERROR: unknown type 'nosuch'");
  assert.match(diagnose('BEGIN { $x = (typeof($nope))1; }'), '1:22-27: ERROR: Undefined or undeclared variable: $nope');
});

/** What the checker makes of a binary expression on its own (typeof gives it as it is). */
function checkedBinary(e: string) {
  const p = checked(`BEGIN { $v = ${e}; }`);
  return p.varTypes.values().next().value!.get('$v')!;
}

test('sizeof(typeof(T)) and sizeof(typeof($x)) are the sizes of the type and of the variable', () => {
  assert.equal(
    sizes(
      'BEGIN { $x = (uint8)1; $s = "abc"; @a = sizeof(typeof(uint16)); @b = sizeof(typeof($x)); @c = sizeof($x);' +
        ' @d = sizeof(typeof($s)); @e = sizeof(typeof(int32 *)); @f = sizeof(typeof(comm)); }',
    ),
    [2n, 1n, 1n, 4n, 8n, 16n],
  );
  // a variable assigned only literals has their type: `$n = 1` is int8, after a later 1000 int16
  assert.equal(sizes('BEGIN { $n = 1; $n = 1000; @a = sizeof(typeof($n)); }'), [2n]);
});

test("let $y: typeof($x) is the variable's own type, not its 64-bit slot", () => {
  const t = varTypes(
    'BEGIN { $x = (uint8)1; let $y: typeof($x); $y = (uint8)2; $i = (int16)-3; let $j: typeof($i) = 4; $n = 1; let $m: typeof($n); }',
  );
  assert.equal([t.$y, t.$j, t.$m], ['uint8', 'int16', 'int8']);
  // typeof of a `let $x;` not assigned yet does not read it (which would make $x an integer): both take strings
  const u = varTypes('BEGIN { let $x; let $y: typeof($x); $y = "bar"; $x = "foo"; }');
  assert.equal([u.$x, u.$y], ['string[4]', 'string[4]']);
  // and it is kept: a value that does not fit is refused as for any declared type
  assert.match(
    diagnose('BEGIN { $x = (uint8)1; let $y: typeof($x); $y = -1; }'),
    "Type mismatch for $y: trying to assign value of type 'int8' when variable already has a type 'uint8'",
  );
});

test('typeof(@m) of a map with keys is its key type, as the whole program types the map', () => {
  const t = varTypes(
    'BEGIN { @a[(int8)1] = 2; let $k: typeof(@a); @b["hi", 2] = 1; let $t: typeof(@b) = ("hello", (int16)1);' +
      ' @b["hello", (int32)2] = 2; $c = (typeof(@later))5; @later[(uint16)1] = (int8)0; }',
  );
  assert.equal([t.$k, t.$t, t.$c], ['int8', '(string[6], int32)', 'uint16']);
  // a map without keys: its value type, as assigned (bpftrace v0.26: not widened to the 8 bytes stored)
  assert.equal(varTypes('BEGIN { @s = (uint32)3; $v = (typeof(@s))1; }').$v, 'uint32');
  // an element is the value: typeof(@m[k])
  assert.equal(
    varTypes('BEGIN { @m[1] = "str"; let $v: typeof(@m[1]); }').$v,
    typeName(checkedMapValue('"str"', '[1]')),
  );
  const d = diagnose('BEGIN { $x = (typeof(@nope))1; }');
  assert.match(d, '1:22-27: ERROR: @nope is never assigned a value');
});

test('typeof(@m[k]) and typeof(@m) of integer values are the assigned type, as the whole program assigns it', () => {
  // bpftrace v0.26 keeps a map's integer values at their own width: int8 here, not the int64 scry stores
  assert.is(varTypes('BEGIN { @x[1] = (int8)3; let $y: typeof(@x[1]); }').$y, 'int8');
  assert.is(varTypes('BEGIN { @x[1] = (uint16)3; $y = (typeof(@x[1]))-1; }').$y, 'uint16');
  // a literal is the smallest signed type that holds it, and takes the sign of an unsigned assignment
  assert.is(varTypes('BEGIN { @x[1] = 3; let $y: typeof(@x[1]); }').$y, 'int8');
  assert.is(varTypes('BEGIN { @x = 2; $a = (typeof(@x))1; } END { @x = (int32)1; }').$a, 'int32');
  assert.is(varTypes('BEGIN { @x = 2; $a = (typeof(@x))1; @x = (uint32)1; }').$a, 'uint32');
  // the later assignments count too, wherever typeof is
  assert.is(varTypes('BEGIN { let $y: typeof(@x[1]); @x[1] = (int8)3; @x[2] = (int16)4; }').$y, 'int16');
  // ++ and += store a 64-bit result, as in v0.26
  assert.is(varTypes('BEGIN { @x[1] = (int8)3; @x[1]++; let $y: typeof(@x[1]); }').$y, 'int64');
  assert.equal(sizes('BEGIN { @x[1] = (int8)3; let $y: typeof(@x[1]); @s = sizeof($y); }'), [1n]);
});

/** The type reading a map back gives, whatever scry stores its values as. */
function checkedMapValue(value: string, key = '') {
  const p = checked(`BEGIN { @m${key} = ${value}; $v = @m${key}; }`);
  return p.varTypes.values().next().value!.get('$v')!;
}

test('in a macro, typeof(x) of an expression parameter x is the type of the argument', () => {
  const text =
    'macro cst(a) { (typeof(a))-1 } macro sz(a) { sizeof(typeof(a)) } BEGIN { $x = (uint16)1; $y = cst($x); @z = sz($x); }';
  assert.is(varTypes(text).$y, 'uint16');
  assert.equal(sizes(text), [2n]);
});

test('typeof(…) used as a value is an unknown function, with what typeof is for', () => {
  const d = diagnose('BEGIN { $x = 1; $y = typeof($x); }');
  assert.match(d, "1:22-28: ERROR: unknown function 'typeof'");
  assert.match(d, 'HINT: typeof(…) names a type, not a value');
});

test.run();
