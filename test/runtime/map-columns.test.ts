// The usual map (one integer key, an integer value) is read into number columns, its entries made only when
// asked (runtime/maps.ts IntegerColumns). On real kernel maps, for numbers of every kind: the entries are
// the ones written, the columns exist only where every number is an exact double, and the text and JSON
// printed from the columns are the same as printed from the entries (the path every other map takes), and so
// are its metrics and its live view panel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MapSpec } from '../../compiler/index.ts';
import { mapExposition } from '../../repl/metrics/exposition.ts';
import { jsonMap } from '../../repl/print/json.ts';
import { buildPanel } from '../../repl/view/model.ts';
import { formatMap } from '../../repl/print/text.ts';
import { entryCount, integerColumns, snapshotMap, type MapSnapshot } from '../../runtime/maps.ts';
import { mapCreate, mapUpdate, MapType, OwnedFd, percpuValueSize, possibleCpus } from '../../runtime/sys/index.ts';
import { closedAfterEachTest, requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';
import { rng } from '../helpers/rng.ts';

/** A map for `spec`, closed after the test by `own` (test/helpers/kernel.ts closedAfterEachTest). */
function createMap(own: (fd: number | OwnedFd, label?: string) => number, spec: MapSpec): number {
  const type = spec.kind === 'percpu_hash' ? MapType.PERCPU_HASH : MapType.HASH;
  assert.ok(spec.kind === 'percpu_hash' || spec.kind === 'hash', `${spec.user?.name} is a ${spec.kind}`);
  return own(
    mapCreate({ type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name }),
    spec.name,
  );
}

/** The entry's value on the first CPU (min/max: with its word saying a value was recorded), zero on the others. */
function valueBytes(spec: MapSpec, value: bigint): Uint8Array {
  const percpu = spec.kind === 'percpu_hash';
  const stride = Math.ceil(spec.valueSize / 8) * 8;
  const bytes = new Uint8Array(percpu ? percpuValueSize(spec.valueSize) : stride);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt.asUintN(64, value), true);
  const kind = spec.user!.value.kind;
  if (kind === 'min' || kind === 'max') view.setBigUint64(8, 1n, true);
  return bytes;
}

function keyBytes(spec: MapSpec, key: bigint): Uint8Array {
  const bytes = new Uint8Array(spec.keySize);
  new DataView(bytes.buffer).setBigUint64(spec.user!.keys[0]!.offset, BigInt.asUintN(64, key), true);
  return bytes;
}

const signedKey = (spec: MapSpec) => {
  const t = spec.user!.keys[0]!.type;
  return t.kind === 'int' && t.signed;
};
const signedValue = (spec: MapSpec) => {
  const v = spec.user!.value;
  if (v.kind === 'value') return v.type.kind === 'int' && v.type.signed;
  return v.kind !== 'count' && 'signed' in v && v.signed === true;
};

if (requireRoot('map columns')) {
  const own = closedAfterEachTest(test);

  test('the usual map read as numbers: its entries as written, and the same text and JSON as from entries', () => {
    const specs = compileText(
      'config = { max_map_keys = 4000 } BEGIN { @s[-1] = sum(-1); @u[(uint64)1] = count(); @mx[-1] = max(-1); @v[-1] = -1; }',
    ).maps.filter((m) => m.user);
    assert.is(specs.length, 4);
    assert.ok(possibleCpus().length >= 1);
    const next = rng(29);
    const rand = (n: number) => Math.floor(next() * n);
    // keys and values for the map: each shape says whether its numbers are all exact doubles
    const shapes: {
      what: string;
      exact: boolean;
      key: (signed: boolean) => bigint;
      value: (signed: boolean, i: number, n: number) => bigint;
    }[] = [
      { what: 'small keys and values', exact: true, key: () => BigInt(rand(100_000)), value: () => BigInt(rand(50)) },
      {
        what: 'negative keys and values where signed',
        exact: true,
        key: (s) => BigInt(rand(20_000) - (s ? 10_000 : 0)),
        value: (s) => BigInt(rand(2000) - (s ? 1000 : 0)),
      },
      {
        what: 'keys too far apart to pack with the values',
        exact: true,
        key: (s) => BigInt(rand(2 ** 30)) * 4_000_000n - (s ? 1n << 52n : 0n),
        value: () => BigInt(rand(5)),
      },
      {
        what: 'values too far apart to sort packed at all',
        exact: true,
        key: () => BigInt(rand(5000)),
        value: () => BigInt(rand(2 ** 30)) * 8_000_000n,
      },
      { what: 'keys past 2^53', exact: false, key: () => (1n << 60n) + BigInt(rand(30_000)), value: () => 1n },
      {
        what: 'u64 keys past 2^63 where unsigned',
        exact: false,
        key: (s) => (s ? -(1n << 60n) : 1n << 63n) - BigInt(rand(30_000)),
        value: () => BigInt(rand(3)),
      },
      { what: 'values past 2^53', exact: false, key: () => BigInt(rand(3000)), value: () => (1n << 55n) + 3n },
      {
        what: 'one value past 2^53 among small ones',
        exact: false,
        key: () => BigInt(rand(100_000)),
        value: (_, i, n) => (i === n >> 1 ? 1n << 54n : BigInt(rand(9))),
      },
    ];
    for (const spec of specs) {
      const name = spec.user!.name;
      for (const shape of shapes)
        for (const n of [1, 2, 3, 40, 3000]) {
          const what = `${name}, ${shape.what}, ${n} keys`;
          const fd = createMap(own, spec);
          const written = new Map<bigint, bigint>();
          while (written.size < n) {
            const k = shape.key(signedKey(spec));
            if (!written.has(k)) written.set(k, shape.value(signedValue(spec), written.size, n));
          }
          for (const [k, v] of written) mapUpdate(fd, keyBytes(spec, k), valueBytes(spec, v));

          const snap = snapshotMap(fd, spec);
          assert.is(integerColumns(snap) !== undefined, shape.exact, `${what}: read as numbers`);
          assert.is(entryCount(snap), n, what);
          const read = new Map(snap.entries.map((e) => [e.keys[0] as bigint, e.value]));
          assert.equal(read, written, `${what}: entries`);
          assert.ok(
            snap.entries.every((e) => e.keys.length === 1 && e.data === undefined),
            what,
          );

          // the same entries as a plain snapshot take the entries' path; a spread has no columns either
          const plain: MapSnapshot = { layout: snap.layout, entries: [...snap.entries] };
          assert.is(integerColumns(plain), undefined);
          assert.is(integerColumns({ ...snap }), undefined);
          for (const [top, div] of [
            [0, 0],
            [5, 0],
            [0, 7],
            [n + 1, 3],
          ] as const) {
            const o = { top, div };
            assert.is(formatMap(snap, o), formatMap(plain, o), `${what}: text, top ${top}, div ${div}`);
            assert.is(jsonMap(snap, o), jsonMap(plain, o), `${what}: JSON, top ${top}, div ${div}`);
          }
          for (const openMetrics of [false, true])
            assert.is(
              mapExposition(snap, ['fd'], openMetrics),
              mapExposition(plain, ['fd'], openMetrics),
              `${what}: metrics`,
            );
          for (const rows of [1, 5, 40]) assert.equal(buildPanel(snap, rows), buildPanel(plain, rows), `${what}: view`);
        }
    }
  });

  test('a value past 2^53 after 200,000 read as numbers: every entry made, none lost', () => {
    const [spec] = compileText('config = { max_map_keys = 200000 } BEGIN { @v[-1] = -1; }').maps.filter((m) => m.user);
    const fd = createMap(own, spec!);
    const n = 200_000;
    for (let k = 0; k < n; k++) mapUpdate(fd, keyBytes(spec!, BigInt(k)), valueBytes(spec!, BigInt(k)));
    // the kernel's order, then the last entry of it past 2^53: the fallback comes after all the others
    const order = integerColumns(snapshotMap(fd, spec!))!.keys;
    assert.is(order.length, n);
    const last = BigInt(order[n - 1]!);
    mapUpdate(fd, keyBytes(spec!, last), valueBytes(spec!, 1n << 60n));
    const snap = snapshotMap(fd, spec!);
    assert.is(integerColumns(snap), undefined);
    assert.is(snap.entries.length, n);
    const read = new Map(snap.entries.map((e) => [e.keys[0] as bigint, e.value]));
    assert.is(read.get(last), 1n << 60n);
    assert.is(read.get(last === 7n ? 8n : 7n), last === 7n ? 8n : 7n);
    assert.is(read.size, n);
  });

  test('a map read as numbers makes its entries once, when first asked', () => {
    const [spec] = compileText('BEGIN { @c[1] = count(); }').maps.filter((m) => m.user);
    const fd = createMap(own, spec!);
    for (let k = 0; k < 10; k++) mapUpdate(fd, keyBytes(spec!, BigInt(k)), valueBytes(spec!, BigInt(k * 2)));
    const snap = snapshotMap(fd, spec!);
    const columns = integerColumns(snap);
    assert.ok(columns);
    assert.is(columns.keys.length, 10);
    assert.is(snap.entries, snap.entries, 'the same array each time');
    assert.ok(Object.keys(snap).includes('entries'), 'entries is an own enumerable property');
    assert.is(formatMap(snap).split('\n')[0], '@c[0]: 0');
  });
}

test.run();
