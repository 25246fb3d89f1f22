// snapshotMap reads maps in batches (BPF_MAP_LOOKUP_BATCH) and key by key where the kernel cannot batch;
// both ways must give the same snapshot, entry for entry, on real kernel maps: filled by a real program,
// filled from user space with different values on every CPU, empty, and big enough for many batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MapSpec } from '../../compiler/index.ts';
import { bucketCount } from '../../compiler/layout.ts';
import { Session, type TraceEvent } from '../../runtime/index.ts';
import { snapshotMap, type MapSnapshot } from '../../runtime/maps.ts';
import {
  isSysError,
  mapCreate,
  mapUpdate,
  MapType,
  OwnedFd,
  percpuValueSize,
  possibleCpus,
} from '../../runtime/sys/index.ts';
import { checkFdLeaks, requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

/** Both ways of reading, compared in full; returns the (batch) snapshot for further checks. */
function sameBothWays(fd: number, spec: MapSpec): MapSnapshot {
  const batch = snapshotMap(fd, spec, {}, 'batch');
  const perKey = snapshotMap(fd, spec, {}, 'per-key');
  assert.equal(batch, perKey, `${spec.user?.name}: batch and per-key snapshots differ`);
  assert.equal(snapshotMap(fd, spec), batch, `${spec.user?.name}: the default read differs`);
  return batch;
}

/** The script maps of `text` (compiled, not loaded), by script name. */
function userSpecs(text: string): Map<string, MapSpec> {
  return new Map(compileText(text).maps.flatMap((m) => (m.user ? [[m.user.name, m] as const] : [])));
}

const opened: OwnedFd[] = [];

function createMap(spec: MapSpec): number {
  const type = {
    hash: MapType.HASH,
    percpu_hash: MapType.PERCPU_HASH,
    lru_hash: MapType.LRU_HASH,
    lru_percpu_hash: MapType.LRU_PERCPU_HASH,
    array: MapType.ARRAY,
    percpu_array: MapType.PERCPU_ARRAY,
    stack_trace: MapType.STACK_TRACE,
    ringbuf: MapType.RINGBUF,
    perf_event_array: MapType.PERF_EVENT_ARRAY,
  }[spec.kind];
  const fd = new OwnedFd(
    mapCreate({ type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name }),
    spec.name,
  );
  opened.push(fd);
  return fd.fd;
}

const percpu = (spec: MapSpec) => spec.kind === 'percpu_hash' || spec.kind === 'percpu_array';

/** A value buffer for one update, each CPU's slot (or the one slot) filled by `word(cpu, wordIndex)`. */
function valueBytes(spec: MapSpec, word: (cpu: number, i: number) => bigint): Uint8Array {
  const stride = Math.ceil(spec.valueSize / 8) * 8;
  const cpus = percpu(spec) ? possibleCpus().length : 1;
  const bytes = new Uint8Array(percpu(spec) ? percpuValueSize(spec.valueSize) : stride);
  const view = new DataView(bytes.buffer);
  for (let c = 0; c < cpus; c++)
    for (let i = 0; i < stride / 8; i++) view.setBigUint64(c * stride + i * 8, BigInt.asUintN(64, word(c, i)), true);
  return bytes;
}

function u64Key(spec: MapSpec, ...words: bigint[]): Uint8Array {
  const key = new Uint8Array(spec.keySize);
  words.forEach((w, i) => new DataView(key.buffer).setBigUint64(i * 8, w, true));
  return key;
}

if (requireRoot('runtime maps')) {
  checkFdLeaks(test, {
    teardown: () =>
      void opened
        .splice(0)
        .reverse()
        .forEach((fd) => fd.close()),
  });

  test('maps a real program filled read the same in batches and key by key, every aggregation and an empty map', async () => {
    const program = `BEGIN {
        for ($i : 0..300) {
          @c[$i] = count(); @s[$i % 50] = sum($i); @mx[$i % 7] = max($i - 100); @mn[$i % 7] = min($i - 100);
          @a[$i % 5] = avg($i); @st[$i % 5] = stats($i); @h[$i % 4] = hist($i * 1000); @l[$i % 4] = lhist($i, 0, 300, 25);
          @v[$i] = $i * 3; @str[$i % 3] = "abc"; @t[$i % 2, "k"] = ($i, "tuple");
        }
        @one = 1;
      }
      interval:s:100 { @empty[1] = count(); exit(); }`;
    const events: TraceEvent[] = [];
    const session = Session.start(compileText(program), { sink: { event: (e) => void events.push(e), end() {} } });
    try {
      const seen = new Map<string, MapSnapshot>();
      for (const name of session.mapNames()) {
        const src = session.mapSource(name);
        assert.ok(src, name);
        seen.set(name, sameBothWays(src.fd, src.spec));
      }
      assert.is(seen.get('@c')?.entries.length, 300); // 0..300 excludes 300
      assert.is(seen.get('@empty')?.entries.length, 0);
      assert.is(seen.get('@one')?.entries[0]?.value, 1n);
      const h = seen.get('@h')!.entries;
      assert.is(h.length, 4);
      assert.is(
        h.reduce((n, e) => n + e.value, 0n),
        300n,
        'every hist value counted once',
      );
      for (const e of h)
        assert.is(
          e.value,
          e.buckets!.reduce((a, b) => a + b, 0n),
        );
      assert.equal(seen.get('@mn')!.entries.find((e) => e.keys[0] === 0n)?.value, -100n);
    } finally {
      await session.stop();
    }
  });

  test('per-CPU values merge the same way from batches: count, sum, min/max, avg/stats, hist buckets', () => {
    const specs = userSpecs(
      'BEGIN { @c[1] = count(); @s[1] = sum(1); @mx[1] = max(1); @mn[1] = min(-1); @a[1] = avg(1); @st[1] = stats(1); @h[1] = hist(1); @l[1] = lhist(1, 0, 100, 10); @v[1] = 1; }',
    );
    const ncpu = possibleCpus().length;
    for (const [name, spec] of specs) {
      const fd = createMap(spec);
      const v = spec.user!.value;
      for (let k = 0; k < 600; k++) {
        // min/max: only some CPUs recorded a value (the word after it says so); others count up with the CPU
        const word = (c: number, i: number) =>
          i === 1 && (v.kind === 'min' || v.kind === 'max')
            ? BigInt((k + c) % 2)
            : BigInt(k * 10 + c) - (v.kind === 'min' ? 5000n : 0n);
        if (v.kind === 'hist' || v.kind === 'lhist') {
          for (const b of [0, 3, bucketCount(v) - 1])
            mapUpdate(fd, u64Key(spec, BigInt(k), BigInt(b)), valueBytes(spec, word));
        } else mapUpdate(fd, u64Key(spec, BigInt(k)), valueBytes(spec, word));
      }
      const snap = sameBothWays(fd, spec);
      assert.is(snap.entries.length, 600, name);
      const e7 = snap.entries.find((e) => e.keys[0] === 7n)!;
      const total = Array.from({ length: ncpu }, (_, c) => 70n + BigInt(c)).reduce((a, b) => a + b, 0n);
      if (v.kind === 'count' || v.kind === 'sum') assert.is(e7.value, total, name);
      if (v.kind === 'hist' || v.kind === 'lhist') assert.is(e7.value, 3n * total, name);
      if (v.kind === 'value') assert.is(e7.value, 70n, name);
    }
  });

  test('per-CPU sums past 32 bits and below zero: the 64-bit sum, wrapped as the kernel would, either way', () => {
    const specs = userSpecs('BEGIN { @s[1] = sum(-1); @c[1] = count(); @a[1] = avg(-1); }');
    const ncpu = possibleCpus().length;
    const cases: ((c: number) => bigint)[] = [
      (c) => (c === 0 ? -3n : 5n), // a negative word on one CPU
      (c) => (c === ncpu - 1 ? 1n << 40n : 7n), // one word past 32 bits
      (c) => (c === 0 ? (1n << 32n) - 1n : 1n), // at the edge of the small path
      () => (1n << 63n) - 1n, // wraps when added
    ];
    for (const [name, spec] of specs) {
      const fd = createMap(spec);
      cases.forEach((w, k) =>
        mapUpdate(
          fd,
          u64Key(spec, BigInt(k)),
          valueBytes(spec, (c) => w(c)),
        ),
      );
      const snap = sameBothWays(fd, spec);
      const signed = name !== '@c';
      cases.forEach((w, k) => {
        let sum = 0n;
        for (let c = 0; c < ncpu; c++) sum += w(c);
        const want = signed ? BigInt.asIntN(64, sum) : BigInt.asUintN(64, sum);
        const e = snap.entries.find((x) => x.keys[0] === BigInt(k))!;
        if (name === '@a') assert.is(e.stats?.count, BigInt.asUintN(64, sum), `${name}[${k}] count word`);
        else assert.is(e.value, want, `${name}[${k}]`);
      });
    }
  });

  test('10k+ entries over many growing batches; sizes around the first batch; an empty map', () => {
    const specs = userSpecs('config = { max_map_keys = 40000 } BEGIN { @c[1] = count(); @v[1] = 1; @h[1] = hist(1); }');
    for (const n of [0, 1, 255, 256, 257, 1025, 12_345]) {
      for (const [name, spec] of specs) {
        const fd = createMap(spec);
        for (let k = 0; k < n; k++) {
          const value = valueBytes(spec, (c) => BigInt(k + c + 1));
          if (spec.user!.bucket !== undefined) mapUpdate(fd, u64Key(spec, BigInt(k >> 1), BigInt(k & 1)), value);
          else mapUpdate(fd, u64Key(spec, BigInt(k)), value);
        }
        const snap = sameBothWays(fd, spec);
        assert.is(
          snap.entries.length,
          spec.user!.bucket !== undefined ? Math.ceil(n / 2) : n,
          `${name} with ${n} kernel entries`,
        );
      }
      opened
        .splice(0)
        .reverse()
        .forEach((fd) => fd.close());
    }
  });

  test('a small map (maxEntries below the first batch) and a map type without batch ops fall back key by key', () => {
    const [spec] = userSpecs('config = { max_map_keys = 3 } BEGIN { @c[1] = count(); }').values();
    const fd = createMap(spec!);
    for (let k = 0; k < 3; k++)
      mapUpdate(
        fd,
        u64Key(spec!, BigInt(k)),
        valueBytes(spec!, () => 1n),
      );
    assert.is(sameBothWays(fd, spec!).entries.length, 3);

    // a stack-trace map has no BPF_MAP_LOOKUP_BATCH (ENOTSUPP): 'auto' walks it key by key, 'batch' says why not
    const stacks: MapSpec = {
      name: 'stk',
      kind: 'stack_trace',
      keySize: 4,
      valueSize: 8,
      maxEntries: 16,
      user: { name: '@stk', keys: [], value: { kind: 'count' } },
    };
    const sfd = createMap(stacks);
    assert.equal(snapshotMap(sfd, stacks), snapshotMap(sfd, stacks, {}, 'per-key'));
    assert.throws(
      () => snapshotMap(sfd, stacks, {}, 'batch'),
      (e: unknown) => isSysError(e, 'ENOTSUPP', 'EOPNOTSUPP', 'EINVAL'),
    );
  });
}

test.run();
