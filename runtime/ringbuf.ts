// Reader for a BPF_MAP_TYPE_RINGBUF map, through its mmap'd pages:
//   offset 0:          consumer page (read-write): u64 consumer_pos
//   offset page:       producer page (read-only):  u64 producer_pos
//   offset 2 * page:   data area (read-only), mapped twice back to back so a record never wraps
// Each record: u32 len (| BUSY_BIT while being written, | DISCARD_BIT if discarded), u32 pg_off,
// then len bytes, padded to 8. Positions are free-running byte counters; offset = pos % size.
import {
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
} from './sys/constants.ts';
import { mmap, munmap, watchFd, type WatchHandle } from './sys/io.ts';
import { SysError } from './sys/errors.ts';
import { pageSize } from './sys/system.ts';
import { nowMs } from './timings.ts';

const LEN_MASK = BPF_RINGBUF_DISCARD_BIT - 1;

export class RingBufferReader {
  readonly mapFd: number;
  readonly size: number;
  readonly #page: number;
  #consumerMap: ArrayBuffer | undefined;
  #producerMap: ArrayBuffer | undefined;
  // Atomics on these views: seq-cst 8-byte loads/stores, so record bytes are read only after
  // the producer position (and the header's cleared BUSY bit) that published them.
  readonly #consumerPos: BigUint64Array;
  readonly #producerPos: BigUint64Array;
  readonly #words: Uint32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** bytes consumed between two stores of the consumer position */
  readonly #publishEvery: number;
  #watch: WatchHandle | undefined;
  #closed = false;
  /** consumer position after the last drain (tells the watch whether a poll found anything) */
  #consumed = 0;
  #draining = false;

  /** size: the map's max_entries (a power of two, multiple of the page size). The map fd stays the caller's. */
  constructor(mapFd: number, size: number) {
    const page = pageSize();
    if (!Number.isInteger(size) || size <= 0 || (size & (size - 1)) !== 0 || size % page !== 0) {
      throw new RangeError(`RingBufferReader: size ${size} is not a power of two multiple of the page size (${page})`);
    }
    this.mapFd = mapFd;
    this.size = size;
    this.#page = page;
    this.#consumerMap = mmap(mapFd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 'mmap(ringbuf consumer page)');
    try {
      this.#producerMap = mmap(mapFd, page + 2 * size, PROT_READ, MAP_SHARED, page, 'mmap(ringbuf producer + data)');
    } catch (err) {
      munmap(this.#consumerMap);
      throw err;
    }
    this.#consumerPos = new BigUint64Array(this.#consumerMap, 0, 1);
    this.#producerPos = new BigUint64Array(this.#producerMap, 0, 1);
    this.#words = new Uint32Array(this.#producerMap);
    this.#bytes = new Uint8Array(this.#producerMap);
    this.#view = new DataView(this.#producerMap);
    this.#publishEvery = Math.max(64, Math.min(64 * 1024, size / 16));
    this.#consumed = Number(Atomics.load(this.#consumerPos, 0));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes written by the kernel and not yet consumed (including headers and padding). */
  pending(): number {
    this.#checkOpen();
    return Number(Atomics.load(this.#producerPos, 0) - Atomics.load(this.#consumerPos, 0));
  }

  /**
   * Hands every committed record to onRecord, oldest first, and frees its space. The view is
   * only valid during the callback (the kernel may reuse the space right after). Stops at a
   * record still being written, after max records, or when the buffer is empty. Returns the
   * number of records delivered (discarded records are skipped, not counted).
   */
  drain(onRecord: (rec: Uint8Array) => void, max = Infinity): number {
    return this.drainRecords((bytes, _view, at, len) => onRecord(bytes.subarray(at, at + len)), max);
  }

  /**
   * drain() without a view per record: onRecord gets views of the whole mapping and the record's
   * offset and length in them (the views stay the same for the reader's life). What the record
   * says must be used or copied before the callback returns. A callback returning true ends the
   * drain after its record. `queuedOnly`: the records written before the drain began, not those the
   * producers write meanwhile (a drain that keeps up with a flood would never end).
   */
  drainRecords(
    onRecord: (bytes: Uint8Array, view: DataView, at: number, len: number) => boolean | void,
    max = Infinity,
    queuedOnly = false,
  ): number {
    this.#checkOpen();
    // A drain inside a drain would start from the position last published, and deliver twice.
    if (this.#draining) throw new Error('RingBufferReader: drain called from its own callback');
    const bytes = this.#bytes;
    const view = this.#view;
    const words = this.#words;
    const size = this.size;
    const dataStart = this.#page;
    const publishEvery = this.#publishEvery;
    let cons = Number(Atomics.load(this.#consumerPos, 0));
    let published = cons;
    let off = cons % size; // cons runs past 2^32, so no bit masks on it
    let delivered = 0;
    this.#draining = true;
    const end = queuedOnly ? Number(Atomics.load(this.#producerPos, 0)) : Infinity;
    try {
      while (delivered < max) {
        const prod = Math.min(end, Number(Atomics.load(this.#producerPos, 0)));
        if (cons >= prod) break;
        while (cons < prod && delivered < max) {
          const at = dataStart + off;
          const len = Atomics.load(words, at >>> 2);
          if (len & BPF_RINGBUF_BUSY_BIT) return delivered; // reserved, not yet committed: try again later
          const step = ((len & LEN_MASK) + BPF_RINGBUF_HDR_SZ + 7) & ~7;
          cons += step;
          off += step;
          if (off >= size) off -= size;
          if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
            delivered++;
            // true from the callback: stop after this record (it is consumed; the rest stays for later)
            if (onRecord(bytes, view, at + BPF_RINGBUF_HDR_SZ, len & LEN_MASK) === true) max = delivered;
          }
          // Publishing costs a BigInt: do it once per slice of the buffer, which frees space often enough.
          if (cons - published >= publishEvery) {
            Atomics.store(this.#consumerPos, 0, BigInt(cons));
            published = cons;
          }
        }
      }
    } finally {
      // Also when the callback throws: the record it choked on is freed, not redelivered.
      if (cons !== published) Atomics.store(this.#consumerPos, 0, BigInt(cons));
      this.#consumed = cons;
      this.#draining = false;
    }
    return delivered;
  }

  /**
   * Calls onReadable when the kernel has records for us; the callback should drain(). It waits in
   * epoll on the map fd (via libuv, level-triggered) while records are rare. When wakeups come
   * closer together than POLL_MS, every few records would cost the producer a wakeup (the kernel
   * wakes a consumer that has caught up, per record), so it polls on a timer instead until a poll
   * finds nothing. One watch at a time; close() stops it. The returned handle can unref() the
   * watch so it does not keep the process alive.
   */
  watch(onReadable: () => void, onError?: (err: SysError) => void): WatchHandle {
    this.#checkOpen();
    if (this.#watch) throw new Error('RingBufferReader: already watching');
    this.#watch = new AdaptiveWatch(this.mapFd, () => this.#consumed, onReadable, onError);
    return this.#watch;
  }

  /** Stops watching (if watching). */
  unwatch(): void {
    this.#watch?.stop();
    this.#watch = undefined;
  }

  /** Stops the watch and unmaps. Idempotent; does not close the map fd. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.unwatch();
    if (this.#producerMap) munmap(this.#producerMap);
    if (this.#consumerMap) munmap(this.#consumerMap);
    this.#producerMap = undefined;
    this.#consumerMap = undefined;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`RingBufferReader(map fd ${this.mapFd}): closed`);
  }
}

/** Wakeups closer together than this (ms) switch to polling every POLL_MS. */
const POLL_MS = 1;

/** epoll while quiet, a timer while busy (see RingBufferReader.watch). */
class AdaptiveWatch implements WatchHandle {
  #poll: WatchHandle | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refed = true;
  #stopped = false;
  #lastWake = -Infinity;

  constructor(
    private readonly fd: number,
    private readonly consumed: () => number,
    private readonly onReadable: () => void,
    private readonly onError?: (err: SysError) => void,
  ) {
    this.#listen();
  }

  stop(): void {
    this.#stopped = true;
    this.#poll?.stop();
    this.#poll = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  ref(): void {
    this.#refed = true;
    this.#poll?.ref();
    this.#timer?.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#poll?.unref();
    this.#timer?.unref();
  }

  #listen(): void {
    this.#lastWake = -Infinity;
    this.#poll = watchFd(this.fd, () => this.#woken(), this.onError);
    if (!this.#refed) this.#poll.unref();
  }

  #woken(): void {
    const now = nowMs();
    const busy = now - this.#lastWake < POLL_MS;
    this.#lastWake = now;
    this.onReadable();
    if (!busy || this.#stopped || !this.#poll) return;
    this.#poll.stop();
    this.#poll = undefined;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#tick(), POLL_MS);
    if (!this.#refed) this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const before = this.consumed();
    this.onReadable();
    if (this.#stopped) return;
    if (this.consumed() !== before) return this.#schedule();
    // Quiet again: wait for the kernel. Level-triggered, so a record that came since fires at once.
    try {
      this.#listen();
    } catch (e) {
      if (!(e instanceof SysError) || !this.onError) throw e;
      this.#stopped = true;
      this.onError(e);
    }
  }
}
