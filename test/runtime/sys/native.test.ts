import { execFile } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadProgram, mapCreate, mapLookup, mapUpdate, progTestRun } from '../../../runtime/sys/bpf.ts';
import {
  BPF_F_MMAPABLE,
  MAP_SHARED,
  MapType,
  PROT_READ,
  PROT_WRITE,
  ProgType,
} from '../../../runtime/sys/constants.ts';
import { isSysError } from '../../../runtime/sys/errors.ts';
import { mmap, munmap, watchFd } from '../../../runtime/sys/io.ts';
import { native } from '../../../runtime/sys/native.ts';
import { pageSize } from '../../../runtime/sys/system.ts';
import { closedAfterEachTest, requireRoot } from '../../helpers/kernel.ts';
import { ringbufEmit } from './insn.ts';

const bpfMappings = () =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('anon_inode:bpf-map')).length;

interface ChildResult {
  code: number | null;
  signal: string | null;
  stdout: string;
}

/** Runs watch-child.ts in a fresh node; kills it after timeoutMs. */
function child(mode: string, timeoutMs: number): Promise<ChildResult> {
  const script = fileURLToPath(new URL('./watch-child.ts', import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, mode],
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout) => {
        const e = err as (Error & { code?: number; signal?: string }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout });
      },
    );
  });
}

if (requireRoot('sys/native')) {
  const t = suite('sys/native');
  const own = closedAfterEachTest(t);

  // An mmapable array map: value i lives at byte 8 * i of the mapping.
  const mmapable = () =>
    own(
      mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: pageSize() / 8, flags: BPF_F_MMAPABLE }),
    );
  const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

  t('mmap gives an ArrayBuffer over the kernel memory, both ways', () => {
    const fd = mmapable();
    const ab = mmap(fd, pageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    assert.is(ab.byteLength, pageSize());
    const words = new BigUint64Array(ab);
    mapUpdate(fd, u32(3), new Uint8Array(new BigUint64Array([0xabcdn]).buffer));
    assert.is(words[3], 0xabcdn);
    words[5] = 77n;
    const v = new Uint8Array(8);
    assert.ok(mapLookup(fd, u32(5), v));
    assert.is(new DataView(v.buffer).getBigUint64(0, true), 77n);
    munmap(ab);
  });

  t('munmap detaches (views become empty), twice is harmless, foreign buffers are EINVAL', () => {
    const fd = mmapable();
    const before = bpfMappings();
    const ab = mmap(fd, pageSize(), PROT_READ, MAP_SHARED, 0);
    const view = new Uint8Array(ab);
    assert.is(bpfMappings(), before + 1);
    munmap(ab);
    assert.is(bpfMappings(), before);
    assert.is(ab.byteLength, 0);
    assert.is(view.length, 0);
    assert.is(view[0], undefined);
    munmap(ab); // already unmapped: no-op
    assert.is(native().munmap(new ArrayBuffer(16)), -22);
  });

  t('mmap errors: bad fd is EBADF; a map without BPF_F_MMAPABLE is refused', () => {
    assert.throws(
      () => mmap(999_999, pageSize(), PROT_READ, MAP_SHARED, 0, 'mmap(test)'),
      (e: unknown) => isSysError(e, 'EBADF') && (e as Error).message.startsWith('mmap(test)'),
    );
    const plain = own(mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 }));
    assert.throws(
      () => mmap(plain, pageSize(), PROT_READ, MAP_SHARED, 0),
      (e: unknown) => isSysError(e),
    );
  });

  t('a mapping that is never unmapped is released by GC, once', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const fd = mmapable();
    const before = bpfMappings();
    (() => {
      mmap(fd, pageSize(), PROT_READ, MAP_SHARED, 0);
      const ab2 = mmap(fd, pageSize(), PROT_READ, MAP_SHARED, 0);
      munmap(ab2); // explicit unmap, then GC: the finalizer must not unmap again
    })();
    assert.is(bpfMappings(), before + 1);
    for (let i = 0; i < 10 && bpfMappings() > before; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    assert.is(bpfMappings(), before);
  });

  t('watch: stop is idempotent, ref/unref after stop are no-ops; non-pollable fds are refused', () => {
    const fd = own(mapCreate({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: pageSize() }));
    const h = watchFd(fd, () => assert.unreachable('nothing was written'));
    h.unref();
    h.ref();
    h.stop();
    h.stop();
    h.ref();
    h.unref();
    assert.throws(
      () => watchFd(0x7fffffff, () => {}),
      (e: unknown) => isSysError(e, 'EBADF'),
    );
    // Regular files cannot be polled with epoll.
    const file = openSync(fileURLToPath(import.meta.url), 'r');
    try {
      assert.throws(
        () => watchFd(file, () => {}),
        (e: unknown) => isSysError(e, 'EPERM'),
      );
    } finally {
      closeSync(file);
    }
  });

  t('stop() from inside the watch callback: no further calls', async () => {
    const fd = own(mapCreate({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: pageSize() }));
    const prog = loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: ringbufEmit(fd), license: 'GPL' });
    own(prog);
    let calls = 0;
    const h = watchFd(fd, () => {
      calls++;
      h.stop(); // the buffer is never drained: a level-triggered poll would fire again if still active
    });
    progTestRun(prog.fd, { ctxIn: new BigUint64Array([1n]) });
    for (let i = 0; i < 20 && calls === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    assert.is(calls, 1);
    h.stop();
  });

  t('an unref’d watch lets the process exit', async () => {
    const r = await child('unref', 10_000);
    assert.is(r.code, 0);
    assert.is(r.stdout, 'exit\n');
  });

  t('a ref’d watch keeps the process alive until stopped', async () => {
    const stopped = await child('stop', 10_000);
    assert.is(stopped.code, 0);
    assert.is(stopped.stdout, 'stopped\nexit\n');
    const forever = await child('forever', 1_500);
    assert.is(forever.signal, 'SIGKILL');
    assert.is(forever.stdout, '');
  });

  t('an exception in a watch callback goes to uncaughtException', async () => {
    const r = await child('throw', 10_000);
    assert.is(r.code, 0);
    assert.is(r.stdout, 'caught: from watch callback\nexit\n');
  });

  t.run();
}
