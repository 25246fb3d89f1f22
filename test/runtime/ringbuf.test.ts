import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RingBufferReader } from '../../runtime/ringbuf.ts';
import { loadProgram, mapCreate, progTestRun } from '../../runtime/sys/bpf.ts';
import { MapType, ProgType } from '../../runtime/sys/constants.ts';
import { OwnedFd } from '../../runtime/sys/fd.ts';
import { pageSize } from '../../runtime/sys/system.ts';
import { checkFdLeaks, requireRoot } from '../helpers/kernel.ts';
import { ringbufEmit, ringbufReserve } from './sys/insn.ts';

if (requireRoot('ringbuf')) {
  const t = suite('ringbuf');
  const SIZE = 4 * pageSize(); // 16 KiB
  const RECORD = 24; // 8-byte header + 12 bytes, padded to 8

  let map: OwnedFd;
  let emit: OwnedFd;
  const readers: RingBufferReader[] = [];
  const reader = () => {
    const r = new RingBufferReader(map.fd, SIZE);
    readers.push(r);
    return r;
  };
  checkFdLeaks(t, {
    setup() {
      map = new OwnedFd(
        mapCreate({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: SIZE, name: 'events' }),
        'ringbuf',
      );
      emit = loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: ringbufEmit(map.fd), license: 'GPL', name: 'emit' });
    },
    teardown() {
      for (const r of readers.splice(0)) r.close();
      emit.close();
      map.close();
    },
  });

  /** Test-runs the emitter once per id; each run writes the record u64 id, u32 0xdeadbeef. */
  const send = (from: number, to: number) => {
    for (let i = from; i < to; i++) progTestRun(emit.fd, { ctxIn: new BigUint64Array([BigInt(i)]) });
  };
  const expectRecord = (rec: Uint8Array, id: number) => {
    assert.is(rec.byteLength, 12);
    const v = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    assert.is(v.getBigUint64(0, true), BigInt(id));
    assert.is(v.getUint32(8, true), 0xdeadbeef);
  };

  t('N test runs give N records with the exact bytes', () => {
    const r = reader();
    assert.is(
      r.drain(() => assert.unreachable('empty buffer yielded a record')),
      0,
    );
    send(0, 100);
    assert.is(r.pending(), 100 * RECORD);
    const ids: number[] = [];
    const n = r.drain((rec) => {
      expectRecord(rec, ids.length);
      ids.push(ids.length);
    });
    assert.is(n, 100);
    assert.is(r.pending(), 0);
    assert.is(
      r.drain(() => assert.unreachable()),
      0,
    );
  });

  t('records crossing the end of the ring stay contiguous (double mapping), order is kept', () => {
    const r = reader();
    let next = 0;
    let sent = 0;
    for (let round = 0; round < 6; round++) {
      send(sent, sent + 500); // 500 * 24 = 12000 bytes: every round wraps
      sent += 500;
      r.drain((rec) => expectRecord(rec, next++));
    }
    assert.is(next, 3000);
  });

  t('a full ring drops records; what fits is delivered', () => {
    const r = reader();
    send(0, 1000);
    const fits = Math.floor((SIZE - 1) / RECORD);
    let next = 0;
    assert.is(
      r.drain((rec) => expectRecord(rec, next++)),
      fits,
    );
    send(0, 1);
    assert.is(
      r.drain(() => {}),
      1,
      'space was freed',
    );
  });

  t('drain(max) stops early and resumes where it stopped', () => {
    const r = reader();
    send(0, 10);
    let next = 0;
    assert.is(
      r.drain((rec) => expectRecord(rec, next++), 4),
      4,
    );
    assert.is(
      r.drain((rec) => expectRecord(rec, next++), 4),
      4,
    );
    assert.is(
      r.drain((rec) => expectRecord(rec, next++)),
      2,
    );
  });

  t('discarded records are skipped but their space is freed', () => {
    const prog = loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: ringbufReserve(map.fd), license: 'GPL' });
    try {
      const r = reader();
      for (let i = 0; i < 10; i++) progTestRun(prog.fd, { ctxIn: new BigUint64Array([BigInt(i)]) });
      assert.is(r.pending(), 10 * 16);
      const got: bigint[] = [];
      assert.is(
        r.drain((rec) => got.push(new DataView(rec.buffer, rec.byteOffset, 8).getBigUint64(0, true))),
        5,
      );
      assert.equal(got, [0n, 2n, 4n, 6n, 8n]);
      assert.is(r.pending(), 0);
    } finally {
      prog.close();
    }
  });

  t('a throwing callback still consumes its record', () => {
    const r = reader();
    send(0, 3);
    assert.throws(
      () =>
        r.drain(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    let next = 1;
    assert.is(
      r.drain((rec) => expectRecord(rec, next++)),
      2,
    );
  });

  t('watch fires when the program writes; the callback drains', async () => {
    const r = reader();
    const got: number[] = [];
    let wake!: () => void;
    const woke = new Promise<void>((res) => (wake = res));
    r.watch(() => {
      r.drain((rec) => got.push(Number(new DataView(rec.buffer, rec.byteOffset).getBigUint64(0, true))));
      if (got.length >= 3) wake();
    });
    assert.throws(() => r.watch(() => {}), /already watching/);
    setTimeout(() => send(0, 3), 5);
    const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('watch never fired')), 2000).unref());
    await Promise.race([woke, timeout]);
    assert.equal(got, [0, 1, 2]);
    r.unwatch();
    r.unwatch();
  });

  t('drainRecords hands out offsets into views of the whole mapping, the same bytes drain gives', () => {
    const r = reader();
    send(0, 600); // wraps: 600 * 24 > 16 KiB after the first round below
    let next = 0;
    r.drain((rec) => expectRecord(rec, next++));
    send(600, 1100);
    let views: [Uint8Array, DataView] | undefined;
    const n = r.drainRecords((bytes, view, at, len) => {
      views ??= [bytes, view];
      assert.ok(bytes === views[0] && view === views[1], 'the same views every time');
      expectRecord(bytes.subarray(at, at + len), next++);
    });
    assert.is(n, 500);
    assert.is(next, 1100);
    assert.is(r.pending(), 0);
  });

  t('draining from inside a drain callback is refused (it would deliver records twice)', () => {
    const r = reader();
    send(0, 2);
    assert.throws(() => r.drain(() => r.drain(() => {})), /own callback/);
    let next = 1; // the record whose callback threw was consumed
    assert.is(
      r.drain((rec) => expectRecord(rec, next++)),
      1,
    );
  });

  t('a busy watch polls on a timer, misses nothing, and waits on the kernel again once quiet', async () => {
    const r = reader();
    const got: number[] = [];
    let waiter: { count: number; wake: () => void } | undefined;
    r.watch(() => {
      r.drain((rec) => got.push(Number(new DataView(rec.buffer, rec.byteOffset).getBigUint64(0, true))));
      if (waiter && got.length >= waiter.count) waiter.wake();
    });
    const until = (count: number) =>
      Promise.race([
        new Promise<void>((wake) => (waiter = { count, wake })),
        new Promise<never>((_, rej) =>
          setTimeout(() => rej(new Error(`only ${got.length} of ${count} records`)), 2000).unref(),
        ),
      ]);
    // bursts a few hundred microseconds apart: wakeups close together switch the watch to polling
    for (let i = 0; i < 200; i++) {
      send(i * 3, i * 3 + 3);
      await new Promise((res) => setImmediate(res));
    }
    await until(600);
    await new Promise((res) => setTimeout(res, 50)); // quiet: back to epoll
    send(600, 601);
    await until(601);
    assert.equal(
      got,
      Array.from({ length: 601 }, (_, i) => i),
    );
    r.unwatch();
  });

  t('queuedOnly: a drain takes what was there when it began, not what producers write meanwhile', () => {
    const r = reader();
    send(0, 10);
    // each record read has the producer write another, as a flood outrunning the reader would
    let next = 10;
    const chase = (queuedOnly: boolean, max = Infinity) => r.drainRecords(() => send(next, ++next), max, queuedOnly);
    assert.is(chase(true), 10);
    assert.is(r.pending(), 10 * RECORD); // the ten written meanwhile stay for the next drain
    assert.is(chase(false, 50), 50); // without it the drain keeps up with the producer until told to stop
    r.drain(() => {});
  });

  t('after close: drain/pending/watch refuse cleanly, close is idempotent', () => {
    const r = reader();
    send(0, 1);
    r.close();
    r.close();
    assert.ok(r.closed);
    assert.throws(() => r.drain(() => {}), /closed/);
    assert.throws(() => r.pending(), /closed/);
    assert.throws(() => r.watch(() => {}), /closed/);
  });

  t('a record view kept past close is empty, not a dangling pointer', () => {
    const r = reader();
    send(7, 8);
    let kept: Uint8Array | undefined;
    r.drain((rec) => (kept = rec));
    assert.is(kept!.byteLength, 12);
    r.close();
    assert.is(kept!.byteLength, 0);
  });

  t('bad sizes and non-ringbuf fds are refused', () => {
    assert.throws(() => new RingBufferReader(map.fd, 3000), RangeError);
    assert.throws(() => new RingBufferReader(map.fd, SIZE * 2), /EINVAL|EPERM/); // larger than the map
    const arr = new OwnedFd(mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 }));
    try {
      assert.throws(
        () => new RingBufferReader(arr.fd, SIZE),
        (e: unknown) => (e as Error).message.startsWith('mmap(ringbuf consumer page)'),
      );
    } finally {
      arr.close();
    }
  });

  t.run();
}
