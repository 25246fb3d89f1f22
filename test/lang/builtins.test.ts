// The builtin table (issue 12): each builtin is one row, by name, with its family, signature and check hook;
// the checker's skeleton names none of them.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILTINS, builtinFunctions, builtinVars } from '../../lang/index.ts';
import { diagnose } from '../helpers/pipeline.ts';

const families = new Set([
  'aggregations',
  'maps',
  'control',
  'printf',
  'time',
  'strings',
  'stacks',
  'data',
  'context',
  'params',
  'meta',
]);

test('every row is a variable, a function or both, of a known family, with a signature that names it', () => {
  assert.ok(BUILTINS.size > 60, `${BUILTINS.size} rows`);
  for (const [name, row] of BUILTINS) {
    assert.is(row.name, name);
    assert.ok(row.variable || row.function, name);
    assert.ok(families.has(row.family), `${name}: ${row.family}`);
    assert.ok(row.doc.length > 0, name);
    const fn = row.function;
    if (!fn) continue;
    assert.ok(fn.minArgs <= fn.maxArgs, name);
    assert.ok(fn.signature.startsWith(`${name}(`), `${name}: ${fn.signature}`);
    assert.is(typeof (fn.aggregation ? fn.value : fn.check), 'function', name);
  }
  assert.ok(BUILTINS.get('kstack')?.variable && BUILTINS.get('kstack')?.function, 'kstack is both');
  assert.is(BUILTINS.get('count')?.function?.aggregation, true);
});

test('builtinVars and builtinFunctions (completion) are the table, in its order', () => {
  assert.equal(
    builtinVars.map((v) => v.name),
    [...BUILTINS.values()].filter((r) => r.variable).map((r) => r.name),
  );
  assert.equal(
    builtinFunctions.map((f) => f.name),
    [...BUILTINS.values()].filter((r) => r.function).map((r) => r.name),
  );
  assert.is(builtinVars.find((v) => v.name === 'comm')?.type.kind, 'string');
});

// "did you mean" takes the first of equally close names: the table's order keeps the suggestions scry made
// before the table existed (checked for every name one or two edits away from a builtin).
test('equally close names suggest what they did before the table: xid → pid, exintf → exit, stimen → time', () => {
  assert.match(diagnose('BEGIN { $x = xid; }'), "did you mean 'pid'?");
  assert.match(diagnose('BEGIN { exintf(); }'), "did you mean 'exit'?");
  assert.match(diagnose('BEGIN { stimen(); }'), "did you mean 'time'?");
  assert.match(diagnose('BEGIN { $x = kutask; }'), "did you mean 'kstack'?");
});

test('the checker skeleton (infer.ts) names no builtin: each is looked up in the table', () => {
  const source = readFileSync(new URL('../../lang/check/infer.ts', import.meta.url), 'utf8');
  const named = [...BUILTINS.keys()].filter((name) => source.includes(`'${name}'`) || source.includes(`"${name}"`));
  assert.equal(named, []);
});

test.run();
