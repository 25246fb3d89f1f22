// `-f json` lines, pinned to bpftrace's spacing (v0.26's where it differs from 0.17); integers a double cannot hold
// exactly become strings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rng } from '../helpers/rng.ts';
import { bucketCount } from '../../compiler/layout.ts';
import { i64, stringType, type MapValue, type Type } from '../../lang/types.ts';
import { jsonEvent, jsonInt, jsonMap, jsonString, jsonValue } from '../../repl/print/json.ts';
import { jsonSink } from '../../repl/sink.ts';
import { formatValue } from '../../repl/print/text.ts';
import type { Value } from '../../runtime/value.ts';
import type { MapEntry, MapSnapshot } from '../../runtime/maps.ts';

function snap(name: string, value: MapValue, keys: Type[], entries: MapEntry[]): MapSnapshot {
  return { layout: { name, keys: keys.map((type, i) => ({ type, offset: i * 8 })), value }, entries };
}

function counts(h: Extract<MapValue, { kind: 'hist' | 'lhist' }>, at: Record<number, bigint>): bigint[] {
  const b = new Array<bigint>(bucketCount(h)).fill(0n);
  for (const [i, c] of Object.entries(at)) b[Number(i)] = c;
  return b;
}

test('strings escape like bpftrace: quote, backslash, \\n \\r \\t, other controls as \\u00XX, UTF-8 kept', () => {
  assert.is(jsonString('a\tb"c\\\x01\n\r\x7f é'), '"a\\tb\\"c\\\\\\u0001\\n\\r\x7f é"');
  assert.is(jsonString('\b\f'), '"\\u0008\\u000c"');
});

test('a byte that is not UTF-8 is its escape \\udcXX (bpftrace: \\uffffffXX for every byte ≥ 0x80, not JSON)', () => {
  assert.is(jsonString('a\udcffé\udc80'), '"a\\udcffé\\udc80"');
  assert.is(JSON.parse(jsonString('a\udcffé')), 'a\udcffé');
  assert.is(jsonString('\ud83d\udc80'), '"\ud83d\udc80"'); // a pair whose low half is in the range: a character
});

test('an integer map written from its columns (text.ts integerEntries) reads as the rule says, and parses', () => {
  const next = rng(5);
  const rand = (n: number) => Math.floor(next() * n);
  for (const [what, key, value] of [
    ['counts', () => BigInt(rand(1 << 20)), () => BigInt(rand(40))],
    ['signed', () => BigInt(rand(1 << 20) - (1 << 19)), () => BigInt(rand(4000) - 2000)],
    ['u64 keys past 2^63', () => 2n ** 64n - BigInt(1 + rand(1 << 20)), () => BigInt(rand(40))],
    ['values past 2^53', () => BigInt(rand(1 << 20)), () => (1n << 54n) + BigInt(rand(40))],
  ] as const) {
    const seen = new Set<bigint>();
    const entries: MapEntry[] = [];
    while (entries.length < 2000) {
      const k = key();
      if (!seen.has(k)) (entries.push({ keys: [k], value: value() }), seen.add(k));
    }
    const s = snap('@c', { kind: 'sum', signed: true }, [i64], entries);
    for (const [top, div] of [
      [0, 0],
      [7, 3],
    ] as const) {
      const sorted = [...entries].sort((a, b) => {
        if (a.value !== b.value) return a.value < b.value ? -1 : 1;
        const [x, y] = [a, b].map((e) => BigInt.asIntN(64, e.keys[0] as bigint));
        return x! < y! ? -1 : x! > y! ? 1 : 0;
      });
      const shown = top ? sorted.slice(-top) : sorted;
      const pairs = shown.map((e) => `"${e.keys[0]}": ${jsonInt(div > 1 ? e.value / BigInt(div) : e.value)}`);
      const want = `{"type": "map", "data": {"@c": {${pairs.join(', ')}}}}\n`;
      assert.is(jsonMap(s, { top, div }), want, `${what}, top ${top}, div ${div}`);
      assert.is(Object.keys(JSON.parse(jsonMap(s, { top, div })).data['@c']).length, shown.length);
    }
  }
});

test('buf values: arrays of signed bytes in JSON (bpftrace v0.26), %r text as a key and in the text output', () => {
  const b: Value = { kind: 'buffer', bytes: Uint8Array.from([0x68, 0xff, 0x00, 0x80, 0x7f]) };
  assert.is(jsonValue(b), '[104,-1,0,-128,127]');
  assert.is(jsonValue([1n, b]), '[1,[104,-1,0,-128,127]]');
  assert.is(formatValue(b), 'h\\xff\\x00\\x80\\x7f');
  const m = snap(
    '@m',
    { kind: 'value', type: { kind: 'buffer', size: 2 } },
    [{ kind: 'buffer', size: 2 }],
    [{ keys: [{ kind: 'buffer', bytes: Uint8Array.from([0x6b, 0xfe]) }], value: 0n, data: b }],
  );
  assert.is(jsonMap(m), '{"type": "map", "data": {"@m": {"k\\\\xfe": [104,-1,0,-128,127]}}}\n');
  assert.is(
    jsonEvent({ kind: 'value', value: b, type: { kind: 'buffer', size: 5 } }, { quiet: false }),
    '{"type": "value", "data": [104,-1,0,-128,127]}\n',
  );
});

test('integers a double cannot hold exactly are strings (bpftrace v0.26 output/json.cpp), tuples arrays without spaces', () => {
  assert.is(jsonInt(2n ** 53n - 1n), '9007199254740991');
  assert.is(jsonInt(2n ** 53n), '9007199254740992');
  assert.is(jsonInt(2n ** 53n + 1n), '"9007199254740993"');
  assert.is(jsonInt(-(2n ** 60n)), '-1152921504606846976');
  assert.is(jsonInt(-(2n ** 60n) - 1n), '"-1152921504606846977"');
  assert.is(jsonInt(2n ** 63n), '9223372036854775808');
  assert.is(jsonInt(2n ** 64n - 1n), '"18446744073709551615"');
  assert.is(jsonInt(-(2n ** 63n)), '-9223372036854775808');
  assert.is(jsonValue([1n, 'a', [2n, 'b']]), '[1,"a",[2,"b"]]');
});

test("structs are objects with bpftrace's spacing, C arrays arrays, a float member null; text keeps { .m = … }", () => {
  const v: Value = {
    kind: 'struct',
    fields: [
      { name: 'y', value: { kind: 'struct', fields: [{ name: 'm', value: { kind: 'array', items: [2n, 3n] } }] } },
      { name: 's', value: 'x"y' },
      { name: 'f', value: { kind: 'none' } },
    ],
  };
  assert.is(jsonValue([0n, v]), '[0,{"y": {"m": [2,3]}, "s": "x\\"y", "f": null}]');
  assert.is(formatValue([0n, v]), '(0, { .y = { .m = [2,3] }, .s = x"y, .f = ? })');
});

test('event lines: attached_probes and lost_events with a count (bpftrace v0.26), printf, value', () => {
  const q = { quiet: false };
  assert.is(
    jsonEvent({ kind: 'attached', probes: 2 }, q),
    '{"type": "attached_probes", "count": 2, "data": {"probes": 2}}\n',
  );
  assert.is(jsonEvent({ kind: 'attached', probes: 2 }, { quiet: true }), '');
  assert.is(jsonEvent({ kind: 'printf', text: 'hi 5\n' }, q), '{"type": "printf", "data": "hi 5\\n"}\n');
  assert.is(jsonEvent({ kind: 'value', value: 5n, type: i64 }, q), '{"type": "value", "data": 5}\n');
  assert.is(jsonEvent({ kind: 'value', value: [1n, 'a'], type: i64 }, q), '{"type": "value", "data": [1,"a"]}\n');
  assert.is(jsonEvent({ kind: 'lost', count: 7 }, q), '{"type": "lost_events", "count": 7, "data": {"events": 7}}\n');
  assert.is(jsonEvent({ kind: 'exit', code: 0 }, q), '');
});

test('plain maps: keys joined with commas, scalar maps bare, empty maps print nothing', () => {
  const c = snap(
    '@c',
    { kind: 'count' },
    [i64, stringType(2)],
    [
      { keys: [2n, 'b'], value: 2n },
      { keys: [1n, 'a'], value: 1n },
    ],
  );
  assert.is(jsonMap(c), '{"type": "map", "data": {"@c": {"1,a": 1, "2,b": 2}}}\n');
  assert.is(jsonMap(c, { top: 1, div: 2 }), '{"type": "map", "data": {"@c": {"2,b": 1}}}\n');
  assert.is(
    jsonMap(snap('@u', { kind: 'value', type: i64 }, [], [{ keys: [], value: 5n }])),
    '{"type": "map", "data": {"@u": 5}}\n',
  );
  assert.is(
    jsonMap(snap('@s', { kind: 'value', type: stringType(3) }, [], [{ keys: [], value: 0n, data: 'hi' }])),
    '{"type": "map", "data": {"@s": "hi"}}\n',
  );
  assert.is(jsonMap(snap('@e', { kind: 'count' }, [i64], [])), '');
});

test("keys lose every space, strings' own too, as bpftrace v0.26 writes them", () => {
  const m = snap(
    '@m',
    { kind: 'count' },
    [stringType(8), i64],
    [
      { keys: ['a b', 1n], value: 1n },
      { keys: [' c ', 2n], value: 2n },
    ],
  );
  assert.is(jsonMap(m), '{"type": "map", "data": {"@m": {"ab,1": 1, "c,2": 2}}}\n');
  const t = snap('@t', { kind: 'count' }, [i64, i64], [{ keys: [1n, [2n, 'x y']], value: 3n }]);
  assert.is(jsonMap(t), '{"type": "map", "data": {"@t": {"1,(2,xy)": 3}}}\n');
});

test('hist: buckets with min/max/count, negatives as {"max": -1}; keyed hists nest under their key', () => {
  const h = { kind: 'hist', bits: 0 } as const;
  assert.is(
    jsonMap(snap('@h', h, [], [{ keys: [], value: 4n, buckets: counts(h, { 0: 1n, 1: 1n, 2: 1n, 4: 1n }) }])),
    '{"type": "hist", "data": {"@h": [{"max": -1, "count": 1},{"min": 0, "max": 0, "count": 1},' +
      '{"min": 1, "max": 1, "count": 1},{"min": 2, "max": 3, "count": 0},{"min": 4, "max": 7, "count": 1}]}}\n',
  );
  assert.is(
    jsonMap(
      snap(
        '@hk',
        h,
        [i64],
        [
          { keys: [2n], value: 2n, buckets: counts(h, { 4: 2n }) },
          { keys: [1n], value: 1n, buckets: counts(h, { 3: 1n }) },
        ],
      ),
    ),
    '{"type": "hist", "data": {"@hk": {"1": [{"min": 2, "max": 3, "count": 1}], "2": [{"min": 4, "max": 7, "count": 2}]}}}\n',
  );
  assert.is(
    jsonMap(snap('@z', h, [], [{ keys: [], value: 0n, buckets: counts(h, {}) }])),
    '{"type": "hist", "data": {"@z": []}}\n',
  );
  assert.is(
    jsonMap(snap('@top', h, [], [{ keys: [], value: 1n, buckets: counts(h, { 64: 1n }) }])),
    '{"type": "hist", "data": {"@top": [{"min": 4611686018427387904, "max": "9223372036854775807", "count": 1}]}}\n',
  );
});

test('lhist: below min as {"max": min-1}, from max up as {"min": max}', () => {
  const l = { kind: 'lhist', min: 0, max: 20, step: 10 } as const;
  assert.is(
    jsonMap(snap('@l', l, [], [{ keys: [], value: 3n, buckets: counts(l, { 0: 1n, 2: 1n, 3: 1n }) }])),
    '{"type": "hist", "data": {"@l": [{"max": -1, "count": 1},{"min": 0, "max": 9, "count": 0},' +
      '{"min": 10, "max": 19, "count": 1},{"min": 20, "count": 1}]}}\n',
  );
});

test('stats as {count, average, total}; avg as its average, both typed "stats"', () => {
  assert.is(
    jsonMap(
      snap('@s', { kind: 'stats', signed: true }, [], [{ keys: [], value: -5n, stats: { count: 2n, total: -10n } }]),
    ),
    '{"type": "stats", "data": {"@s": {"count": 2, "average": -5, "total": -10}}}\n',
  );
  assert.is(
    jsonMap(
      snap(
        '@a',
        { kind: 'avg', signed: true },
        [stringType(2)],
        [{ keys: ['x'], value: 7n, stats: { count: 1n, total: 7n } }],
      ),
    ),
    '{"type": "stats", "data": {"@a": {"x": 7}}}\n',
  );
});

test('print(@s, top, div) on stats: the largest averages, the average divided, as the text and bpftrace v0.26', () => {
  const s = snap(
    '@s',
    { kind: 'stats', signed: true },
    [stringType(2)],
    [
      { keys: ['a'], value: 10n, stats: { count: 1n, total: 10n } },
      { keys: ['b'], value: 25n, stats: { count: 2n, total: 50n } },
      { keys: ['c'], value: -30n, stats: { count: 1n, total: -30n } },
    ],
  );
  assert.is(
    jsonMap(s, { top: 2, div: 10 }),
    '{"type": "stats", "data": {"@s": {"a": {"count": 1, "average": 1, "total": 10}, "b": {"count": 2, "average": 2, "total": 50}}}}\n',
  );
});

test('the JSON sink writes one line per event and no blank lines before the exit-time maps', () => {
  let out = '';
  const sink = jsonSink(
    { out: (t) => void (out += t), err: () => {}, flush: () => {}, close: () => {} },
    { quiet: true },
  );
  sink.event({ kind: 'printf', text: 'x' });
  sink.event({ kind: 'map', snapshot: snap('@u', { kind: 'value', type: i64 }, [], [{ keys: [], value: 1n }]) });
  sink.end();
  assert.is(out, '{"type": "printf", "data": "x"}\n{"type": "map", "data": {"@u": 1}}\n');
});

test.run();
