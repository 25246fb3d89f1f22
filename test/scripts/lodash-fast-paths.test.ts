// scripts/lodash-fast-paths.mjs (what Chevrotain's bundled copy calls instead of lodash) against lodash itself:
// the same results, for the inputs Chevrotain passes and for the ones handed on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error -- lodash-es (Chevrotain's dependency) has no declarations
import * as lodash from 'lodash-es';
// @ts-expect-error -- plain JavaScript for the build, no declarations
import * as fastPaths from '../../scripts/lodash-fast-paths.mjs';

type Fn = (...a: unknown[]) => unknown;
type Lodash = Record<'includes' | 'isEmpty' | 'clone' | 'has', Fn>;
const L = lodash as Lodash;
const fast = fastPaths as Lodash;

function holey(): unknown[] {
  const a: unknown[] = [1, , 3];
  return a;
}
function args(..._: unknown[]) {
  return arguments;
}
const match = /b(c)/.exec('abcd')!;
class Sub extends Array<number> {}

const collections: unknown[] = [
  [],
  [1, 2, 3],
  ['a', 'b'],
  holey(),
  [NaN, 0, -0, undefined, null],
  [[1], [2, [3]]],
  match,
  Sub.from([4, 5]),
  { a: 1, b: 2 },
  {},
  'xyz',
  null,
  undefined,
  args(1, 2),
  new Map([[1, 2]]),
  new Set([1]),
];

test('includes, isEmpty, clone, has: as lodash', () => {
  const values = [1, 3, 'a', NaN, -0, undefined, null, 'b', 'xyz'];
  for (const c of collections) {
    for (const v of values) assert.is(fast.includes(c, v), L.includes(c, v), `includes ${String(c)} ${String(v)}`);
    assert.is(fast.includes(c, 3, 1), L.includes(c, 3, 1));
    assert.is(fast.isEmpty(c), L.isEmpty(c), `isEmpty ${String(c)}`);
    const copy = fast.clone(c);
    assert.equal(copy, L.clone(c), `clone ${String(c)}`);
    if (c !== null && c !== undefined) assert.is(Object.getPrototypeOf(copy), Object.getPrototypeOf(L.clone(c)));
    if (Array.isArray(c)) {
      assert.is.not(copy, c);
      assert.equal(Object.keys(copy as object), Object.keys(L.clone(c) as object), 'holes read as undefined');
    }
    for (const key of ['a', 'b', '0', '1', '2', 'length', 'index', 'a.b', 'x[0]', 'constructor', 'toString', 'size'])
      assert.is(fast.has(c, key), L.has(c, key), `has ${String(c)} ${key}`);
  }
  const nested = { a: { b: 1 }, 'a.b': undefined };
  for (const key of ['a.b', 'a', 'a.c'] as const) assert.is(fast.has(nested, key), L.has(nested, key));
  assert.is(fast.has({ [Symbol.for('s')]: 1 }, Symbol.for('s')), true);
  assert.is(fast.has(Object.create({ inherited: 1 }), 'inherited'), false);
});

test.run();
