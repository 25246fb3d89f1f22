// Text output of whole maps (exit and print(@m, top, div)), pinned to bpftrace 0.17's layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rng } from '../helpers/rng.ts';
import type { UserMapLayout } from '../../compiler/program.ts';
import { boolType, i64, pointer, stringType, u64, viewed, type MapValue, type Type } from '../../lang/types.ts';
import { formatMap } from '../../repl/print/text.ts';
import { jsonMap } from '../../repl/print/json.ts';
import { bucketCount } from '../../compiler/layout.ts';
import type { MapEntry, MapSnapshot } from '../../runtime/maps.ts';

function snap(
  name: string,
  value: MapValue,
  keys: Type[],
  entries: MapEntry[],
  extra: Partial<UserMapLayout> = {},
): MapSnapshot {
  return { layout: { name, keys: keys.map((type, i) => ({ type, offset: i * 8 })), value, ...extra }, entries };
}

const hist: MapValue = { kind: 'hist', bits: 0 };
function buckets(at: Record<number, bigint>): bigint[] {
  const b = new Array<bigint>(bucketCount({ kind: 'hist', bits: 0 })).fill(0n);
  for (const [i, c] of Object.entries(at)) b[Number(i)] = c;
  return b;
}

test('plain maps: ascending by value, keys breaking ties, one line each', () => {
  const s = snap(
    '@c',
    { kind: 'count' },
    [i64],
    [
      { keys: [3n], value: 3n },
      { keys: [2n], value: 1n },
      { keys: [1n], value: 1n },
    ],
  );
  assert.is(formatMap(s), '@c[1]: 1\n@c[2]: 1\n@c[3]: 3\n');
});

test('maps of strings order by key: integers as signed 64-bit numbers (v0.26; 0.17 put -1 last), strings by bytes', () => {
  const s = snap(
    '@s',
    { kind: 'value', type: stringType(4) },
    [i64],
    [
      { keys: [-1n], value: 0n, data: 'd' },
      { keys: [256n], value: 0n, data: 'b' },
      { keys: [2n], value: 0n, data: 'c' },
    ],
  );
  assert.is(formatMap(s), '@s[-1]: d\n@s[2]: c\n@s[256]: b\n');
  const t = snap(
    '@t',
    { kind: 'value', type: { kind: 'tuple', elements: [i64, stringType(2)] } },
    [stringType(3)],
    [
      { keys: ['b'], value: 0n, data: [2n, 'x'] },
      { keys: ['B'], value: 0n, data: [1n, 'y'] },
    ],
  );
  assert.is(formatMap(t), '@t[B]: (1, y)\n@t[b]: (2, x)\n');
  // by their UTF-8 bytes, not UTF-16 code units: U+1F600 (F0 9F 98 80) after U+FFFD (EF BF BD), as in bpftrace
  const u = snap(
    '@u',
    { kind: 'count' },
    [stringType(8)],
    ['\u{1F600}', '\uFFFD', 'é', 'z', 'ab'].map((k) => ({ keys: [k], value: 1n })),
  );
  assert.is(formatMap(u), '@u[ab]: 1\n@u[z]: 1\n@u[é]: 1\n@u[\uFFFD]: 1\n@u[\u{1F600}]: 1\n');
});

test('maps of bools, pointers and symbols order by key: they are not integers to bpftrace v0.26', () => {
  const order = (x: MapSnapshot) => formatMap(x).trim().split('\n');
  const b = snap(
    '@b',
    { kind: 'value', type: boolType },
    [i64],
    [
      { keys: [2n], value: 1n, data: true },
      { keys: [3n], value: 0n, data: false },
      { keys: [1n], value: 0n, data: false },
    ],
  );
  assert.equal(order(b), ['@b[1]: false', '@b[2]: true', '@b[3]: false']);
  const p = snap(
    '@p',
    { kind: 'value', type: pointer('kernel') },
    [i64],
    [
      { keys: [2n], value: 16n, data: '0x10' },
      { keys: [1n], value: 32n, data: '0x20' },
    ],
  );
  assert.equal(order(p), ['@p[1]: 0x20', '@p[2]: 0x10']);
  const k = snap(
    '@k',
    { kind: 'value', type: viewed({ kind: 'ksym' }) },
    [i64],
    [
      { keys: [2n], value: 1n, data: 'a' },
      { keys: [1n], value: 2n, data: 'b' },
    ],
  );
  assert.equal(order(k), ['@k[1]: b', '@k[2]: a']);
  // an enum is an integer: by value
  const e = snap(
    '@e',
    { kind: 'value', type: viewed({ kind: 'enum', btf: 1, name: 'e' }) },
    [i64],
    [
      { keys: [1n], value: 2n, data: 'TWO' },
      { keys: [2n], value: 1n, data: 'ONE' },
    ],
  );
  assert.equal(order(e), ['@e[2]: ONE', '@e[1]: TWO']);
});

test('ordering is exact past 2^53 and keeps signed key order, signed values and tuple keys', () => {
  const big = 1n << 53n;
  const s = snap(
    '@c',
    { kind: 'sum', signed: true },
    [i64],
    [
      { keys: [1n], value: big + 1n },
      { keys: [2n], value: big },
      { keys: [3n], value: -big - 1n },
      { keys: [-1n], value: 7n },
      { keys: [(1n << 62n) + 1n], value: 7n },
      { keys: [1n << 62n], value: 7n },
    ],
  );
  const order = (x: MapSnapshot) => formatMap(x).trim().split('\n');
  assert.equal(order(s), [
    '@c[3]: -9007199254740993',
    '@c[-1]: 7',
    '@c[4611686018427387904]: 7',
    '@c[4611686018427387905]: 7',
    '@c[2]: 9007199254740992',
    '@c[1]: 9007199254740993',
  ]);
  const t = snap(
    '@t',
    { kind: 'count' },
    [i64, stringType(4)],
    [
      { keys: [2n, 'a'], value: 1n },
      { keys: [1n, 'b'], value: 1n },
      { keys: [1n, 'B'], value: 1n },
      { keys: [1n, 'é'], value: 1n },
    ],
  );
  assert.equal(order(t), ['@t[1, B]: 1', '@t[1, b]: 1', '@t[1, é]: 1', '@t[2, a]: 1']);
});

test('big maps order the same as the rule says: by value, then keys as signed 64-bit numbers (v0.26)', () => {
  // sort keys are exact doubles where they fit, bigints where not (a u64 key of 2^64 - 1 is -1): both orders agree
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (const extraKey of [undefined, -1n, 1n << 60n, 2n ** 64n - 2n]) {
    const entries: MapEntry[] = [];
    const seen = new Set<bigint>();
    while (entries.length < 500) {
      const k = BigInt(rand() % 5000);
      if (seen.has(k)) continue;
      seen.add(k);
      entries.push({ keys: [k], value: BigInt((rand() % 40) - 20) });
    }
    if (extraKey !== undefined) entries.push({ keys: [extraKey], value: 3n });
    const want = [...entries]
      .sort((a, b) => {
        if (a.value !== b.value) return a.value < b.value ? -1 : 1;
        const x = BigInt.asIntN(64, a.keys[0] as bigint);
        const y = BigInt.asIntN(64, b.keys[0] as bigint);
        return x < y ? -1 : x > y ? 1 : 0;
      })
      .map((e) => `@c[${e.keys[0]}]: ${e.value}`);
    const s = snap('@c', { kind: 'sum', signed: true }, [i64], entries);
    assert.equal(formatMap(s).trim().split('\n'), want, `extra key ${extraKey}`);
    // a map of strings orders by key alone
    const strings = snap(
      '@s',
      { kind: 'value', type: stringType(4) },
      [i64],
      entries.map((e) => ({ keys: e.keys, value: 0n, data: 'x' })),
    );
    const byKey = [...entries]
      .map((e) => e.keys[0] as bigint)
      .sort((x, y) =>
        BigInt.asIntN(64, x) < BigInt.asIntN(64, y) ? -1 : BigInt.asIntN(64, x) > BigInt.asIntN(64, y) ? 1 : 0,
      )
      .map((k) => `@s[${k}]: x`);
    assert.equal(formatMap(strings).trim().split('\n'), byKey, `strings, extra key ${extraKey}`);
  }
});

test('integer maps sorted and written as numbers read the same as the rule, whatever the shape', () => {
  // numericColumns/integerMapText take one integer key and exact values; anything else goes to the comparator
  // and template strings: both must print what this reference prints
  const next = rng(11);
  const rand = (n: number) => Math.floor(next() * n);
  const signed64 = (k: bigint) => BigInt.asIntN(64, k);
  const reference = (name: string, entries: MapEntry[], top: number, div: number) => {
    const sorted = [...entries].sort((a, b) => {
      if (a.value !== b.value) return a.value < b.value ? -1 : 1;
      const x = signed64(a.keys[0] as bigint);
      const y = signed64(b.keys[0] as bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const shown = top > 0 && sorted.length > top ? sorted.slice(sorted.length - top) : sorted;
    return shown.map((e) => `${name}[${e.keys[0]}]: ${div > 1 ? e.value / BigInt(div) : e.value}`).join('\n') + '\n';
  };
  const shapes: { what: string; key: () => bigint; value: () => bigint }[] = [
    { what: 'small keys and counts', key: () => BigInt(rand(100_000)), value: () => BigInt(rand(50)) },
    {
      what: 'signed keys and values',
      key: () => BigInt(rand(20_000) - 10_000),
      value: () => BigInt(rand(2000) - 1000),
    },
    { what: 'keys far apart', key: () => BigInt(rand(2 ** 30)) * 4_000_000n - (1n << 52n), value: () => 1n },
    { what: 'values far apart', key: () => BigInt(rand(5000)), value: () => BigInt(rand(2 ** 30)) * 8_000_000n },
    { what: 'u64 keys past 2^63', key: () => 2n ** 64n - BigInt(1 + rand(30_000)), value: () => BigInt(rand(5)) },
    { what: 'keys past 2^53', key: () => (1n << 60n) + BigInt(rand(30_000)), value: () => BigInt(rand(5)) },
    { what: 'values past 2^53', key: () => BigInt(rand(3000)), value: () => (1n << 55n) + BigInt(rand(9)) },
  ];
  for (const shape of shapes)
    for (const n of [2, 3, 40, 3000]) {
      const seen = new Set<bigint>();
      const entries: MapEntry[] = [];
      while (entries.length < n) {
        const k = shape.key();
        if (seen.has(k)) continue;
        seen.add(k);
        entries.push({ keys: [k], value: shape.value() });
      }
      const s = snap('@c', { kind: 'sum', signed: true }, [i64], entries);
      for (const [top, div] of [
        [0, 0],
        [5, 0],
        [0, 7],
        [n + 1, 3],
      ] as const)
        assert.is(
          formatMap(s, { top, div }),
          reference('@c', entries, top, div),
          `${shape.what}, ${n} keys, top ${top}, div ${div}`,
        );
    }
  // two entries with one key (no map has them, but a snapshot may be made by hand): none lost
  const twice = snap(
    '@d',
    { kind: 'count' },
    [i64],
    [
      { keys: [5n], value: 2n },
      { keys: [5n], value: 1n },
      { keys: [4n], value: 1n },
    ],
  );
  assert.is(formatMap(twice), '@d[4]: 1\n@d[5]: 1\n@d[5]: 2\n');
});

test('print(@m, top, div): the largest entries, ascending, divided with C truncation', () => {
  const s = snap(
    '@v',
    { kind: 'value', type: i64 },
    [stringType(2)],
    [
      { keys: ['a'], value: 15n },
      { keys: ['b'], value: -25n },
      { keys: ['c'], value: 99n },
    ],
  );
  assert.is(formatMap(s, { top: 2 }), '@v[a]: 15\n@v[c]: 99\n');
  assert.is(formatMap(s, { top: 0, div: 10 }), '@v[b]: -2\n@v[a]: 1\n@v[c]: 9\n');
  assert.is(formatMap(s, { top: 5 }), '@v[b]: -25\n@v[a]: 15\n@v[c]: 99\n');
});

test('print(@m, top, div) divides each integer of a tuple or struct value, as bpftrace v0.26 (types_format.cpp)', () => {
  const t = snap(
    '@t',
    { kind: 'value', type: { kind: 'tuple', elements: [i64, stringType(2), i64] } },
    [i64],
    [{ keys: [1n], value: 0n, data: [25n, 'x', -37n] }],
  );
  assert.is(formatMap(t, { top: 0, div: 10 }), '@t[1]: (2, x, -3)\n');
  assert.is(formatMap(t), '@t[1]: (25, x, -37)\n');
  assert.is(jsonMap(t, { top: 0, div: 10 }), '{"type": "map", "data": {"@t": {"1": [2,"x",-3]}}}\n');
  const r = snap(
    '@r',
    { kind: 'value', type: { kind: 'tuple', elements: [i64] } },
    [],
    [{ keys: [], value: 0n, data: [[7n, { kind: 'struct', fields: [{ name: 'n', value: 70n }] }]] }],
  );
  assert.is(formatMap(r, { top: 0, div: 7 }), '@r: ((1, { .n = 10 }))\n');
});

test('an empty map prints nothing, as bpftrace v0.26 (0.17 printed a blank line)', () => {
  assert.is(formatMap(snap('@m', { kind: 'value', type: i64 }, [i64], [])), '');
  assert.is(formatMap(snap('@h', hist, [], [])), '');
  assert.is(formatMap(snap('@s', { kind: 'stats', signed: true }, [], [])), '');
});

test('avg prints the truncated average, no blank line after the map (v0.26 print_avg_map); div applies', () => {
  const s = snap(
    '@a',
    { kind: 'avg', signed: true },
    [stringType(2)],
    [
      { keys: ['x'], value: 10n, stats: { count: 1n, total: 10n } },
      { keys: ['y'], value: -3n, stats: { count: 2n, total: -7n } },
    ],
  );
  assert.is(formatMap(s), '@a[y]: -3\n@a[x]: 10\n');
  assert.is(formatMap(s, { top: 1, div: 3 }), '@a[x]: 3\n');
});

test('stats print as a record { .count, .average, .total }, ordered by average; top and div (of the average) apply, as in bpftrace v0.26', () => {
  const s = snap(
    '@s',
    { kind: 'stats', signed: true },
    [i64],
    [
      { keys: [1n], value: 100n, stats: { count: 1n, total: 100n } },
      { keys: [2n], value: -4n, stats: { count: 3n, total: -13n } },
    ],
  );
  assert.is(
    formatMap(s),
    '@s[2]: { .count = 3, .average = -4, .total = -13 }\n@s[1]: { .count = 1, .average = 100, .total = 100 }\n',
  );
  assert.is(formatMap(s, { top: 1, div: 10 }), '@s[1]: { .count = 1, .average = 10, .total = 100 }\n');
  const scalar = snap(
    '@',
    { kind: 'stats', signed: true },
    [],
    [{ keys: [], value: -3n, stats: { count: 3n, total: -10n } }],
  );
  assert.is(formatMap(scalar), '@: { .count = 3, .average = -3, .total = -10 }\n');
});

test('hist maps: a label line, the rows, a blank line after each; ordered by total count', () => {
  const s = snap(
    '@h',
    hist,
    [i64],
    [
      { keys: [2n], value: 2n, buckets: buckets({ 6: 2n }) },
      { keys: [1n], value: 1n, buckets: buckets({ 4: 1n }) },
    ],
  );
  assert.is(
    formatMap(s),
    '@h[1]:\n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
      '@h[2]:\n[16, 32)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n',
  );
  assert.is(
    formatMap(s, { top: 1, div: 2 }),
    '@h[2]:\n[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n',
  );
});

test('a zeroed hist keeps its entry and prints just its name and a blank line', () => {
  assert.is(formatMap(snap('@h', hist, [], [{ keys: [], value: 0n, buckets: buckets({}) }])), '@h:\n\n');
});

test('scalar maps print without brackets; u64 values print unsigned', () => {
  assert.is(
    formatMap(snap('@', { kind: 'value', type: u64 }, [], [{ keys: [], value: 2n ** 64n - 1n }])),
    '@: 18446744073709551615\n',
  );
});

test.run();
