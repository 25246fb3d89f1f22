// Reader for a BPF_MAP_TYPE_RINGBUF map, through its mmap'd pages:
//   offset 0:          consumer page (read-write): u64 consumer_pos
//   offset page:       producer page (read-only):  u64 producer_pos
//   offset 2 * page:   data area (read-only), mapped twice back to back so a record never wraps
// Each record: u32 len (| BUSY_BIT while being written, | DISCARD_BIT if discarded), u32 pg_off,
// then len bytes, padded to 8. Positions are free-running byte counters; offset = pos % size.
import { BPF_RINGBUF_BUSY_BIT, BPF_RINGBUF_DISCARD_BIT, BPF_RINGBUF_HDR_SZ, MAP_SHARED, PROT_READ, PROT_WRITE } from './sys/constants.ts';
import { mmap, munmap, watchFd, type WatchHandle } from './sys/io.ts';
import type { SysError } from './sys/errors.ts';
import { pageSize } from './sys/system.ts';

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
  #watch: WatchHandle | undefined;
  #closed = false;

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
    this.#checkOpen();
    const producerMap = this.#producerMap!;
    const dataStart = this.#page;
    let cons = Number(Atomics.load(this.#consumerPos, 0));
    let delivered = 0;
    while (delivered < max) {
      const prod = Number(Atomics.load(this.#producerPos, 0));
      if (cons >= prod) break;
      while (cons < prod && delivered < max) {
        const off = dataStart + (cons % this.size);
        const len = Atomics.load(this.#words, off / 4);
        if (len & BPF_RINGBUF_BUSY_BIT) {
          // reserved, not yet committed: try again later
          Atomics.store(this.#consumerPos, 0, BigInt(cons));
          return delivered;
        }
        const bytes = len & LEN_MASK;
        const next = cons + Math.ceil((bytes + BPF_RINGBUF_HDR_SZ) / 8) * 8;
        cons = next;
        if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
          delivered++;
          try {
            onRecord(new Uint8Array(producerMap, off + BPF_RINGBUF_HDR_SZ, bytes));
          } catch (e) {
            // Free the space even if the callback throws, so a bad record is not redelivered.
            Atomics.store(this.#consumerPos, 0, BigInt(cons));
            throw e;
          }
        }
        // Publishing the position costs a BigInt; every 256 records frees space often enough.
        if ((delivered & 255) === 0) Atomics.store(this.#consumerPos, 0, BigInt(cons));
      }
      Atomics.store(this.#consumerPos, 0, BigInt(cons));
    }
    return delivered;
  }

  /**
   * Calls onReadable when the kernel has records for us (epoll on the map fd via libuv). The
   * callback should drain(); the poll is level-triggered. One watch at a time; close() stops it.
   * The returned handle can unref() the poll so it does not keep the process alive.
   */
  watch(onReadable: () => void, onError?: (err: SysError) => void): WatchHandle {
    this.#checkOpen();
    if (this.#watch) throw new Error('RingBufferReader: already watching');
    this.#watch = watchFd(this.mapFd, onReadable, onError);
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
