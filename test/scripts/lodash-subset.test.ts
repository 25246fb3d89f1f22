// scripts/lodash-subset.mjs (what Chevrotain's copy in the CLI bundle calls instead of lodash) against lodash
// itself: the same results for every value it accepts, and an error, not a different answer, for the rest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error -- lodash-es (Chevrotain's dependency) has no declarations
import * as lodash from 'lodash-es';
// @ts-expect-error -- plain JavaScript for the build, no declarations
import * as lodashSubset from '../../scripts/lodash-subset.mjs';

type Fn = (...a: unknown[]) => unknown;
const L = lodash as Record<string, Fn>;
const S = lodashSubset as Record<string, Fn>;

function holey(): unknown[] {
  const a: unknown[] = [1, , 3];
  return a;
}
function args(..._: unknown[]) {
  return arguments;
}
class Sub extends Array<number> {}
class WithFields {
  x = 1;
  y = 'b';
}
const withInherited = Object.assign(Object.create({ inherited: 1 }), { own: 2 });
const bare = Object.assign(Object.create(null), { a: 1 });

/** What the subset accepts: the kinds of values Chevrotain passes, and their neighbours. */
const collections: [string, () => unknown][] = [
  ['[]', () => []],
  ['[1,2,3]', () => [1, 2, 3]],
  ['strings', () => ['a', 'b', 'a']],
  ['holey', holey],
  ['zeros and NaN', () => [NaN, 0, -0, undefined, null, NaN, 0]],
  ['nested', () => [[1], [2, [3]], args(4, 5), 6]],
  ['match', () => /b(c)/.exec('abcd')],
  ['Sub', () => Sub.from([4, 5])],
  ['plain', () => ({ a: 1, b: 2, c: 'b' })],
  ['{}', () => ({})],
  ['class instance', () => new WithFields()],
  ['inherited', () => withInherited],
  ['null prototype', () => bare],
  ['array-like object', () => ({ length: 2, 0: 'a', 1: 'b', extra: 3 })],
  ['prototype', () => WithFields.prototype],
  ['xyz', () => 'xyz'],
  ['empty string', () => ''],
  ['String object', () => new String('ab')],
  ['arguments', () => args(1, 'b', 3)],
  ['Uint8Array', () => new Uint8Array([1, 2])],
  ['Map', () => new Map([[1, 2]])],
  ['Set', () => new Set([1])],
  ['null', () => null],
  ['undefined', () => undefined],
  ['number', () => 5],
];

function same(name: string, label: string, call: (f: Record<string, Fn>) => unknown) {
  let expected: unknown;
  let thrown: unknown;
  try {
    expected = call(L);
  } catch (e) {
    thrown = e;
  }
  if (thrown) {
    assert.throws(() => call(S), `${name}(${label}) throws in lodash`);
    return;
  }
  const got = call(S);
  assert.equal(got, expected, `${name}(${label})`);
  if (got !== null && typeof got === 'object')
    assert.is(Object.getPrototypeOf(got), Object.getPrototypeOf(expected), `${name}(${label}): its prototype`);
}

const isBig = (v: unknown) => typeof v === 'number' && v > 1;
const isB = (v: unknown) => v === 2 || v === 'b';
const pair = (v: unknown, k: unknown) => [v, k];

test('collection functions: as lodash, for every kind of collection', () => {
  for (const [label, make] of collections) {
    same('keys', label, (f) => f.keys!(make()));
    same('values', label, (f) => f.values!(make()));
    same('map', label, (f) => f.map!(make(), pair));
    same('map, no iteratee', label, (f) => f.map!(make()));
    same('filter', label, (f) => f.filter!(make(), isBig));
    same('reject', label, (f) => f.reject!(make(), isBig));
    same('find', label, (f) => f.find!(make(), isB));
    same('some', label, (f) => f.some!(make(), isB));
    same('every', label, (f) => f.every!(make(), isBig));
    same('every, empty test', label, (f) => f.every!(make(), () => true));
    same('reduce', label, (f) => f.reduce!(make(), (a: unknown, v: unknown, k: unknown) => `${a}|${v}:${k}`));
    same('reduce from', label, (f) => f.reduce!(make(), (a: unknown, v: unknown, k: unknown) => `${a}|${v}:${k}`, '>'));
    same('groupBy', label, (f) => f.groupBy!(make(), (v: unknown) => typeof v));
    same('flatMap', label, (f) => f.flatMap!(make(), (v: unknown) => [v, [v]]));
    same('includes', label, (f) => [1, 'b', NaN, -0, undefined, null, 'xyz', 'y'].map((v) => f.includes!(make(), v)));
    same('isEmpty', label, (f) => f.isEmpty!(make()));
    for (const key of ['a', 'b', '0', '1', '2', '01', 'length', 'index', 'constructor', 'toString', 'size', 'own'])
      same('has', `${label}, ${key}`, (f) => f.has!(make(), key));
    const seen: unknown[][] = [[], []];
    same('forEach', label, (f) => {
      const out = seen[f === L ? 0 : 1]!;
      f.forEach!(make(), (v: unknown, k: unknown) => {
        out.push([v, k]);
        return k !== 1 && k !== 'b';
      });
      return out;
    });
  }
});

test('array functions: as lodash', () => {
  const arrays: [string, () => unknown][] = collections.filter(([, make]) => {
    const v = make();
    return v == null || typeof v === 'string' || Array.isArray(v) || (typeof v === 'object' && 'length' in v);
  });
  for (const [label, make] of arrays) {
    for (const name of ['flatten', 'compact', 'uniq', 'first', 'head', 'last', 'drop', 'dropRight'])
      same(name, label, (f) => f[name]!(make()));
    for (const n of [0, 1, 2, 5, -1]) {
      same('drop', `${label}, ${n}`, (f) => f.drop!(make(), n));
      same('dropRight', `${label}, ${n}`, (f) => f.dropRight!(make(), n));
    }
    same('difference', label, (f) => f.difference!(make(), [1, 'a'], 'b', [NaN, 0], args(3)));
    for (const v of [1, 'b', NaN, 0, -0, undefined, 'zz'])
      same('indexOf', `${label}, ${String(v)}`, (f) => f.indexOf!(make(), v));
  }
  // lodash's loops keep -0 as 0 in what uniq and difference return
  assert.ok(Object.is((S.uniq!([-0]) as number[])[0], 0));
  assert.ok(Object.is((S.difference!([-0], []) as number[])[0], 0));
});

test('object functions and predicates: as lodash', () => {
  for (const [label, make] of collections) {
    for (const name of ['isArray', 'isString', 'isFunction', 'isObject', 'isRegExp', 'isUndefined', 'identity'])
      same(name, label, (f) => f[name]!(make()));
    same('upperFirst', label, (f) => f.upperFirst!(typeof make() === 'string' ? make() : 'word'));
  }
  for (const v of [/x/, () => 1, class {}, new Date(0), Symbol.iterator, true])
    for (const name of ['isArray', 'isString', 'isFunction', 'isObject', 'isRegExp', 'isUndefined'])
      assert.is(S[name]!(v), L[name]!(v), `${name}(${String(v)})`);
  assert.is(S.noop!(1), undefined);
  const options = () => ({ a: 1, b: undefined, c: null, d: 0 });
  same('pickBy', 'options', (f) => f.pickBy!(options(), (v: unknown) => v !== undefined));
  same('pickBy', 'inherited', (f) => f.pickBy!(withInherited, () => true));
  same('pickBy', 'null', (f) => f.pickBy!(null, () => true));
  for (const [label, make] of collections.filter(([l]) => !['Map', 'Set', 'Uint8Array'].includes(l))) {
    same('assign', label, (f) => f.assign!({ keep: 1, a: 'old' }, make(), { z: 26 }));
    same('defaults', label, (f) => {
      const v = make();
      return Array.isArray(v) || typeof v === 'string' || (v && typeof v === 'object' && 'length' in v)
        ? f.defaults!({ a: undefined, toString: 1 }, { a: 2, b: 3, toString: 4, valueOf: 5 })
        : f.defaults!({ a: undefined, c: 'kept' }, v, { a: 2, b: 3, c: 4, hasOwnProperty: 5 });
    });
  }
  assert.is((S.assign!(5, { a: 1 }) as object).constructor, Number);
});

test('clone: a shallow copy as lodash makes it, of arrays and objects', () => {
  for (const [label, make] of collections.filter(([l]) => !['Map', 'Set', 'Uint8Array', 'String object'].includes(l))) {
    const v = make();
    same('clone', label, (f) => f.clone!(v));
    if (v !== null && typeof v === 'object') assert.is.not(S.clone!(v), v);
  }
  const match = /b(c)/.exec('abcd')!;
  const copy = S.clone!(match) as RegExpExecArray;
  assert.is(copy.index, 1);
  assert.is(copy.input, 'abcd');
  assert.instance(S.clone!(Sub.from([1])), Sub);
  const withSymbol = { [Symbol.for('s')]: 1, a: 2 };
  assert.is((S.clone!(withSymbol) as Record<symbol, number>)[Symbol.for('s')], 1);
});

test('what only lodash handles is refused, not answered differently', () => {
  const refused: [string, () => unknown][] = [
    ['an iteratee shorthand', () => S.map!([{ a: 1 }], 'a')],
    ['a matches shorthand', () => S.filter!([{ a: 1 }], { a: 1 })],
    ['a property path', () => S.has!({ a: { b: 1 } }, 'a.b')],
    ['an index path', () => S.has!({ x: [1] }, 'x[0]')],
    ['a start index', () => S.includes!([1, 2], 1, 1)],
    ['a start index', () => S.indexOf!([1, 2], 1, 1)],
    ['cloning a Map', () => S.clone!(new Map())],
    ['cloning a function', () => S.clone!(() => 1)],
    ['cloning a Date', () => S.clone!(new Date(0))],
    ['a fractional count', () => S.drop!([1, 2], 1.5)],
    ['non-ASCII text', () => S.upperFirst!('élan')],
  ];
  for (const [what, call] of refused) assert.throws(call, /lodash-subset/, what);
  // keys that merely contain a dot are fine when the object has them, as lodash reads them
  assert.is(S.has!({ 'a.b': 1 }, 'a.b'), L.has!({ 'a.b': 1 }, 'a.b'));
});

test('the subset exports every lodash function Chevrotain imports', async () => {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const imported = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js'))
        for (const m of readFileSync(p, 'utf8').matchAll(/import\s*\{([^}]*)\}\s*from\s*"lodash-es"/g))
          for (const part of m[1]!.split(',')) if (part.trim()) imported.add(part.trim().split(/\s+as\s+/)[0]!);
    }
  };
  for (const pkg of ['chevrotain', '@chevrotain/gast', '@chevrotain/utils', '@chevrotain/cst-dts-gen'])
    walk(join('node_modules', pkg, 'lib', 'src'));
  assert.ok(imported.size > 30, `found ${imported.size} imports`);
  for (const name of imported) assert.type(S[name], 'function', `${name} is exported`);
});

test.run();
