// A builtin is one row per layer: the compiler's emit table (compiler/codegen/builtins/) names exactly the
// builtins of lang's table (lang/builtins/), each in the file of the same family, with a hook for each way
// lang lets the builtin be used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILTINS } from '../../../lang/index.ts';
import { BUILTIN_EMIT, EMIT_FAMILIES } from '../../../compiler/codegen/builtins/index.ts';

const sorted = (names: Iterable<string>) => [...names].sort();

test('the emit table and lang name the same builtins', () => {
  assert.equal(sorted(BUILTIN_EMIT.keys()), sorted(BUILTINS.keys()));
});

test("each builtin's emit row is in the family file of its lang row", () => {
  assert.equal(sorted(Object.keys(EMIT_FAMILIES)), sorted(new Set([...BUILTINS.values()].map((r) => r.family))));
  for (const row of BUILTINS.values())
    assert.ok(EMIT_FAMILIES[row.family]?.[row.name], `${row.name}: no emit row in builtins/${row.family}.ts`);
});

test('a builtin variable has variable hooks, a function call hooks, and nothing else does', () => {
  for (const [name, emit] of BUILTIN_EMIT) {
    const row = BUILTINS.get(name);
    assert.is(emit.variable !== undefined, row?.variable !== undefined, `${name}: variable hooks`);
    assert.is(emit.call !== undefined, row?.function !== undefined, `${name}: call hooks`);
    if (emit.variable) assert.ok(emit.variable.int || emit.variable.into, `${name}: a variable with no value`);
    if (emit.call)
      assert.ok(
        emit.call.int || emit.call.into || emit.call.stmt || emit.call.aggregate,
        `${name}: a call with no code`,
      );
  }
});

test('aggregations, and only they, update a map themselves', () => {
  for (const row of BUILTINS.values())
    if (row.function)
      assert.is(BUILTIN_EMIT.get(row.name)?.call?.aggregate !== undefined, row.function.aggregation, row.name);
});

test.run();
