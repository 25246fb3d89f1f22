import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  mapCreate,
  mapDelete,
  mapFreeze,
  mapGetNextKey,
  mapInfo,
  mapLookup,
  mapLookupAndDelete,
  mapLookupAndDeleteBatch,
  mapLookupBatch,
  mapUpdate,
} from '../../../runtime/sys/bpf.ts';
import { BPF_ANY, BPF_EXIST, BPF_F_NO_PREALLOC, BPF_NOEXIST, MapType } from '../../../runtime/sys/constants.ts';
import { isSysError } from '../../../runtime/sys/errors.ts';
import { OwnedFd } from '../../../runtime/sys/fd.ts';
import { parseCpuList, percpuValueSize, possibleCpus } from '../../../runtime/sys/system.ts';
import { checkFdLeaks, requireRoot } from '../../helpers/kernel.ts';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
const readU64 = (b: Uint8Array, i = 0) => new DataView(b.buffer, b.byteOffset).getBigUint64(i * 8, true);

const pure = suite('sys/system');
pure('parseCpuList', () => {
  assert.equal(parseCpuList('0-3,5,7-8\n'), [0, 1, 2, 3, 5, 7, 8]);
  assert.equal(parseCpuList('0\n'), [0]);
  assert.throws(() => parseCpuList('a-b'));
});
pure.run();

if (requireRoot('sys/maps')) {
  const t = suite('sys/maps');
  const maps: OwnedFd[] = [];
  const open = (spec: Parameters<typeof mapCreate>[0]) => {
    const fd = new OwnedFd(mapCreate(spec), spec.name);
    maps.push(fd);
    return fd.fd;
  };
  checkFdLeaks(t, {
    teardown() {
      for (const m of maps.splice(0).reverse()) m.close();
    },
  });

  t('hash: update / lookup / delete / get_next_key round trips', () => {
    const fd = open({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16, name: 'test_hash' });
    const value = new Uint8Array(8);
    assert.is(mapLookup(fd, u32(1), value), false);
    mapUpdate(fd, u32(1), u64(100n));
    mapUpdate(fd, u32(2), u64(200n), BPF_NOEXIST);
    assert.throws(
      () => mapUpdate(fd, u32(2), u64(1n), BPF_NOEXIST),
      (e: unknown) => isSysError(e, 'EEXIST'),
    );
    assert.throws(
      () => mapUpdate(fd, u32(3), u64(1n), BPF_EXIST),
      (e: unknown) => isSysError(e, 'ENOENT'),
    );
    assert.ok(mapLookup(fd, u32(1), value));
    assert.is(readU64(value), 100n);
    mapUpdate(fd, u32(1), u64(101n), BPF_ANY);
    assert.ok(mapLookup(fd, u32(1), value));
    assert.is(readU64(value), 101n);

    const keys: number[] = [];
    const next = new Uint8Array(4);
    let cur: Uint8Array | null = null;
    while (mapGetNextKey(fd, cur, next)) {
      keys.push(new DataView(next.buffer).getUint32(0, true));
      cur = next.slice();
    }
    assert.equal(keys.sort(), [1, 2]);

    assert.ok(mapDelete(fd, u32(1)));
    assert.is(mapDelete(fd, u32(1)), false);
    assert.is(mapLookup(fd, u32(1), value), false);
    assert.ok(mapLookupAndDelete(fd, u32(2), value));
    assert.is(readU64(value), 200n);
    assert.is(mapGetNextKey(fd, null, next), false);
  });

  t('percpu_hash values have one 8-byte-aligned slot per possible CPU', () => {
    const fd = open({ type: MapType.PERCPU_HASH, keySize: 8, valueSize: 4, maxEntries: 8, flags: BPF_F_NO_PREALLOC });
    const n = possibleCpus().length;
    assert.is(percpuValueSize(4), 8 * n);
    const value = new Uint8Array(percpuValueSize(4));
    const dv = new DataView(value.buffer);
    for (let cpu = 0; cpu < n; cpu++) dv.setUint32(cpu * 8, 10 + cpu, true);
    mapUpdate(fd, u64(7n), value);
    const out = new Uint8Array(value.length);
    assert.ok(mapLookup(fd, u64(7n), out));
    for (let cpu = 0; cpu < n; cpu++) assert.is(new DataView(out.buffer).getUint32(cpu * 8, true), 10 + cpu);
  });

  t('array: every index exists, out of range is ENOENT / E2BIG', () => {
    const fd = open({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 4, name: 'arr' });
    const value = new Uint8Array(8);
    assert.ok(mapLookup(fd, u32(3), value));
    assert.is(readU64(value), 0n);
    mapUpdate(fd, u32(3), u64(33n));
    assert.ok(mapLookup(fd, u32(3), value));
    assert.is(readU64(value), 33n);
    assert.is(mapLookup(fd, u32(4), value), false);
    assert.throws(
      () => mapUpdate(fd, u32(4), value),
      (e: unknown) => isSysError(e, 'E2BIG'),
    );
    assert.throws(
      () => mapDelete(fd, u32(0)),
      (e: unknown) => isSysError(e, 'EINVAL'),
    );
    const next = new Uint8Array(4);
    assert.ok(mapGetNextKey(fd, null, next));
    assert.is(new DataView(next.buffer).getUint32(0, true), 0);
    assert.is(mapGetNextKey(fd, u32(3), next), false);
  });

  t('batch lookup walks a hash map; lookup-and-delete empties it', () => {
    const fd = open({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 64 });
    for (let i = 0; i < 20; i++) mapUpdate(fd, u32(i), u64(BigInt(i * 10)));
    const seen = new Map<number, bigint>();
    const keys = new Uint8Array(8 * 4);
    const values = new Uint8Array(8 * 8);
    let inBatch: Uint8Array | null = null;
    for (let round = 0; round < 20; round++) {
      const outBatch = new Uint8Array(4);
      const r = mapLookupBatch(fd, { inBatch, outBatch, keys, values, count: 8 });
      for (let i = 0; i < r.count; i++) seen.set(new DataView(keys.buffer).getUint32(i * 4, true), readU64(values, i));
      if (r.done) break;
      inBatch = outBatch;
    }
    assert.is(seen.size, 20);
    for (const [k, v] of seen) assert.is(v, BigInt(k * 10));

    let deleted = 0;
    for (let round = 0; round < 20; round++) {
      const r = mapLookupAndDeleteBatch(fd, { inBatch: null, outBatch: new Uint8Array(4), keys, values, count: 8 });
      deleted += r.count;
      if (r.done) break;
    }
    assert.is(deleted, 20);
    assert.is(mapGetNextKey(fd, null, new Uint8Array(4)), false);
  });

  t('mapInfo reports the spec; names are sanitised to the kernel alphabet', () => {
    const fd = open({
      type: MapType.LRU_HASH,
      keySize: 16,
      valueSize: 24,
      maxEntries: 128,
      name: '@my-map:with/odd chars',
    });
    const info = mapInfo(fd);
    assert.is(info.type, MapType.LRU_HASH);
    assert.is(info.keySize, 16);
    assert.is(info.valueSize, 24);
    assert.is(info.maxEntries, 128);
    assert.is(info.name, '_my_map_with_od');
    assert.ok(info.id > 0);
  });

  t('frozen maps refuse user-space writes', () => {
    const fd = open({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    mapUpdate(fd, u32(0), u32(5));
    mapFreeze(fd);
    assert.throws(
      () => mapUpdate(fd, u32(0), u32(6)),
      (e: unknown) => isSysError(e, 'EPERM'),
    );
  });

  t('mapCreate errors: zero key size for a hash is EINVAL', () => {
    assert.throws(
      () => open({ type: MapType.HASH, keySize: 0, valueSize: 4, maxEntries: 1 }),
      (e: unknown) => isSysError(e, 'EINVAL') && /BPF_MAP_CREATE/.test((e as Error).message),
    );
  });

  t.run();
}
