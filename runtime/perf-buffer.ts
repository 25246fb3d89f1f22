// A BPF_MAP_TYPE_PERF_EVENT_ARRAY read from user space (what bpf_skb_output and bpf_perf_event_output write
// to): one PERF_COUNT_SW_BPF_OUTPUT event per online CPU, its fd in the map at the CPU's index, its ring
// mmapped: a metadata page (data_head at 1024, data_tail at 1032, both free-running byte counts),
// then 2^n data pages. Records are perf_event_header { u32 type; u16 misc; u16 size } and may wrap around
// the ring's end. PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW carries u32 size, then the bytes (padded to 8);
// PERF_RECORD_LOST carries u64 id, u64 count. Kernel 4.4+ (BPF_FUNC_perf_event_output).
import { MAP_SHARED, PerfType, PROT_READ, PROT_WRITE } from './sys/constants.ts';
import { mmap, munmap, watchFd, type WatchHandle } from './sys/io.ts';
import { mapUpdate } from './sys/bpf.ts';
import { perfEnable, perfEventOpen } from './sys/perf.ts';
import { OwnedFd } from './sys/fd.ts';
import { onlineCpus, pageSize } from './sys/system.ts';

const PERF_COUNT_SW_BPF_OUTPUT = 10;
const PERF_SAMPLE_RAW = 1 << 10;
const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;
const HEAD = 1024 / 8; // u64 index of data_head in the metadata page
const TAIL = 1032 / 8;

interface CpuRing {
  readonly fd: OwnedFd;
  readonly map: ArrayBuffer;
  readonly pos: BigUint64Array;
  readonly data: Uint8Array;
  watch?: WatchHandle;
}

export class PerfBufferReader {
  readonly #rings: CpuRing[] = [];
  #lost = 0;

  /**
   * Opens and maps a ring of `pages` data pages (a power of two) per online CPU, puts each in the map and
   * calls `onSample` with each sample's bytes as they arrive. Throws with nothing left open.
   */
  constructor(
    mapFd: number,
    readonly onSample: (bytes: Uint8Array) => void,
    pages = 64,
  ) {
    const page = pageSize();
    try {
      for (const cpu of onlineCpus()) {
        const fd = new OwnedFd(
          perfEventOpen({
            type: PerfType.SOFTWARE,
            config: PERF_COUNT_SW_BPF_OUTPUT,
            sampleType: PERF_SAMPLE_RAW,
            samplePeriod: 1,
            wakeupEvents: 1,
            pid: -1,
            cpu,
          }),
          `perf buffer cpu ${cpu}`,
        );
        let map: ArrayBuffer;
        try {
          map = mmap(fd.fd, page * (pages + 1), PROT_READ | PROT_WRITE, MAP_SHARED, 0, 'mmap(perf buffer)');
        } catch (e) {
          fd.close();
          throw e;
        }
        const ring: CpuRing = { fd, map, pos: new BigUint64Array(map, 0, TAIL + 1), data: new Uint8Array(map, page) };
        this.#rings.push(ring);
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, cpu, true);
        const value = new Uint8Array(4);
        new DataView(value.buffer).setUint32(0, fd.fd, true);
        mapUpdate(mapFd, key, value);
        perfEnable(fd.fd);
        ring.watch = watchFd(fd.fd, () => this.#drainRing(ring));
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Samples the kernel dropped because a ring was full. */
  get lost(): number {
    return this.#lost;
  }

  /** Reads every ring up to its head now. */
  drain(): void {
    for (const r of this.#rings) this.#drainRing(r);
  }

  #drainRing(r: CpuRing): void {
    const size = r.data.length;
    const head = Atomics.load(r.pos, HEAD); // seq-cst: the records' bytes are read after it
    let tail = Atomics.load(r.pos, TAIL);
    const bytes = (from: bigint, n: number): Uint8Array => {
      const at = Number(from % BigInt(size));
      if (at + n <= size) return r.data.slice(at, at + n);
      const out = new Uint8Array(n);
      out.set(r.data.subarray(at), 0);
      out.set(r.data.subarray(0, n - (size - at)), size - at);
      return out;
    };
    while (tail < head) {
      const hdr = bytes(tail, 8);
      const h = new DataView(hdr.buffer);
      const type = h.getUint32(0, true);
      const len = h.getUint16(6, true);
      if (len < 8) break; // never written so: stop rather than spin
      const rec = bytes(tail, len);
      const d = new DataView(rec.buffer);
      if (type === PERF_RECORD_SAMPLE && len >= 12) {
        const raw = d.getUint32(8, true);
        this.onSample(rec.subarray(12, 12 + Math.min(raw, len - 12)));
      } else if (type === PERF_RECORD_LOST && len >= 24) this.#lost += Number(d.getBigUint64(16, true));
      tail += BigInt(len);
    }
    Atomics.store(r.pos, TAIL, tail);
  }

  close(): void {
    for (const r of this.#rings) {
      r.watch?.stop();
      munmap(r.map);
      r.fd.close();
    }
    this.#rings.length = 0;
  }
}
