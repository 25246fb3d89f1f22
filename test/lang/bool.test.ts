// bool as a type of its own, as bpftrace v0.26 types it (bpftrace 0.17 had no bool: comparisons, !x,
// strcontains() and has_key() were integers 0/1 there; v0.26 wins). Checked without a kernel: the types the
// checker gives expressions, variables and map keys/values, and the errors for what a bool refuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile, renderDiagnostics, type CheckedProgram } from '../../lang/index.ts';
import type { Expr } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { mapValueName, typeName, type MapValue } from '../../lang/types.ts';
import { diagnose } from '../helpers/pipeline.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

function checked(text: string): CheckedProgram {
  const parsed = parse(sourceFile('stdin', text));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const out = check(parsed.program!, fixedKernel, {});
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return out.program!;
}

/** The type of the tuple `print((…))` prints, as typeName writes it. */
function printed(body: string): string {
  const p = checked(`BEGIN { ${body} }`);
  let shown = '';
  walk(p.ast, (n) => {
    const e = n as Expr;
    if (e.kind === 'call' && e.name === 'print') shown = typeName(p.typeOf.get(e.args[0]!)!);
  });
  return shown;
}

function mapTypes(text: string, name: string): string {
  const info = checked(text).maps.get(name)!;
  const v: MapValue = info.value;
  return `[${info.keys.map(typeName).join(', ')}]: ${v.kind === 'value' ? typeName(v.type) : mapValueName(v)}`;
}

/** The first line of the rendered diagnostics (the message), or '' when the program compiles. */
function first(text: string): string {
  return diagnose(text).split('\n')[0] ?? '';
}

test('true/false, comparisons, && || and !x are bools; arithmetic on a bool is an integer', () => {
  assert.is(printed('print((true, false));'), '(bool, bool)');
  assert.is(
    printed('$a = 1; print(($a > 0, $a == 2, $a != 1, $a <= 0, $a >= 0, $a < 0));'),
    '(bool, bool, bool, bool, bool, bool)',
  );
  assert.is(printed('$a = 1; print(($a && 0, $a || 0, !$a, !0));'), '(bool, bool, bool, bool)');
  assert.is(printed('print(("a" == "b", "a" < "b"));'), '(bool, bool)', 'string comparisons too');
  assert.is(
    printed('print((true & false, true | false, true ^ true));'),
    '(bool, bool, bool)',
    'bit operators of two bools',
  );
  // a bool is unsigned, and the literal takes its sign (v0.26)
  assert.is(printed('print((true + 1, (1 > 0) * 5));'), '(uint64, uint64)');
  assert.is(printed('$c = 1 > 0; print(((uint64)$c, (int32)$c));'), '(uint64, int32)');
  assert.is(printed('$x = nsecs ? true : false; print($x);'), 'bool', 'a ternary of bools');
});

test('(bool) casts integers, pointers, strings, bools and castable maps; other values are refused', () => {
  assert.is(printed('print(((bool)1, (bool)"hi", (bool)(int64 *)0, (bool)true));'), '(bool, bool, bool, bool)');
  assert.is(printed('@a = count(); @b = sum(1); print(((bool)@a, (bool)@b));'), '(bool, bool)');
  assert.is(first('BEGIN { print((bool)(1, 2)); }'), 'stdin:1:15-27: ERROR: cannot cast (int8, int8) to bool');
  assert.is(
    first('BEGIN { $b = buf("ab", 2); print((bool)$b); }'),
    'stdin:1:34-42: ERROR: cannot cast buffer[2] to bool',
  );
});

test('- and ~ do not apply to a bool (as in bpftrace v0.26); ! does', () => {
  assert.is(first('BEGIN { print(-true); }'), 'stdin:1:15-20: ERROR: operator - does not apply to bool');
  assert.is(first('BEGIN { $b = 1 > 0; print(~$b); }'), 'stdin:1:27-30: ERROR: operator ~ does not apply to bool');
  assert.is(first('BEGIN { print(!true); }'), '');
});

test('strcontains, has_key and delete are bools', () => {
  assert.is(printed('print(strcontains("abc", "b"));'), 'bool');
  assert.is(printed('@m[1] = 1; print((has_key(@m, 1), delete(@m, 1)));'), '(bool, bool)');
  assert.is(printed('@m[1] = 1; $x = delete(@m, 2); print($x);'), 'bool', 'delete() has a value to assign');
  assert.is(first('BEGIN { @m[1] = 1; if (delete(@m, 1)) { } if (!delete(@m, 2)) { } }'), '');
});

test('bools stay bools as map keys, map values and tuple elements; bool keys do not mix with integers', () => {
  assert.is(mapTypes('BEGIN { @a[true] = false; }', '@a'), '[bool]: bool');
  assert.is(
    mapTypes('BEGIN { @a[false, 1, true] = 1; @a[true, (int32)2, false] = 2; }', '@a'),
    '[bool, int64, bool]: int64',
  );
  assert.is(mapTypes('BEGIN { @a = (1 > 0, "x"); }', '@a'), '[]: (bool, string[2])');
  assert.match(
    first('BEGIN { @a[true] = 1; @a[2] = 1; }'),
    /ERROR: Argument mismatch for @a: trying to access with arguments: 'int8' when map expects arguments: 'bool'/,
  );
});

test('has_key/delete with a key, and len(), on a scalar map: worded as bpftrace v0.26 words it', () => {
  assert.is(
    first('BEGIN { @g = 2; if (has_key(@g, 2)) { } }'),
    'stdin:1:21-35: ERROR: call to has_key() expects a map with explicit keys (non-scalar map)',
  );
  assert.is(
    first('BEGIN { @g = 2; delete(@g, 2); }'),
    'stdin:1:17-30: ERROR: call to delete() expects a map with explicit keys (non-scalar map)',
  );
  assert.is(first('BEGIN { @g = 2; delete(@g); }'), '', 'delete of the scalar map itself is fine');
  assert.is(
    first('BEGIN { @ = 0; printf("%d\\n", len(@)); }'),
    'stdin:1:35-36: ERROR: call to len() expects a map with explicit keys (non-scalar map)',
  );
});

test('a tuple variable spreads over the keys of a multi-key map in has_key/delete, as a tuple literal does', () => {
  const p = checked('BEGIN { @c[1, ("hello", (int8)5)] = 0; $a = (2, ("evenlongerstr", 10)); $h = has_key(@c, $a); }');
  assert.is(p.maps.get('@c')!.keys.map(typeName).join(', '), 'int64, (string[14], int64)');
  assert.is(
    first('BEGIN { @m[0, 0, 1] = 1; for ($kv : @m) { if ($kv.0.1 == 0) { delete(@m, $kv.0); } } }'),
    '',
    "a loop's key tuple $kv.0 too",
  );
  assert.is(
    first('BEGIN { @c[1, 2] = 0; $a = (1, 2, 3); $h = has_key(@c, $a); }').includes('ERROR'),
    true,
    'three elements for two keys',
  );
});

test.run();
