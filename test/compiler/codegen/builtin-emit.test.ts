// A builtin is one row per layer: the compiler's emit table (compiler/codegen/builtins/) names exactly the
// builtins lang's table names, with a hook for each way lang lets the builtin be used.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builtinFunctions, builtinVars } from '../../../lang/index.ts';
import { BUILTIN_EMIT } from '../../../compiler/codegen/builtins/index.ts';

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

test('the emit table and lang name the same builtins', () => {
  assert.equal(sorted(BUILTIN_EMIT.keys()), sorted([...builtinVars.map((v) => v.name), ...builtinFunctions.map((f) => f.name)]));
});

test('a builtin variable has variable hooks, a function call hooks, and nothing else does', () => {
  const vars = new Set(builtinVars.map((v) => v.name));
  const fns = new Set(builtinFunctions.map((f) => f.name));
  for (const [name, row] of BUILTIN_EMIT) {
    assert.is(row.variable !== undefined, vars.has(name), `${name}: variable hooks`);
    assert.is(row.call !== undefined, fns.has(name), `${name}: call hooks`);
    if (row.variable) assert.ok(row.variable.int || row.variable.into, `${name}: a variable with no value`);
    if (row.call) assert.ok(row.call.int || row.call.into || row.call.stmt || row.call.aggregate, `${name}: a call with no code`);
  }
});

test('aggregations, and only they, update a map themselves', () => {
  for (const f of builtinFunctions) assert.is(BUILTIN_EMIT.get(f.name)?.call?.aggregate !== undefined, f.aggregation, f.name);
});

test.run();
