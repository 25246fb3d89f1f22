// skboutput()'s user side: samples from SKB_OUTPUT_MAP's perf buffers (compiler/program.ts says their
// layout: the call's index, boot-time ns, the length copied, the packet) appended to each call's pcap file,
// without the first `offset` bytes (bpftrace v0.26: nothing is written when the packet is no longer).
import { SKB_OUTPUT_HEADER, type CompiledProgram } from '../compiler/index.ts';
import { PcapWriter } from './pcap.ts';
import { PerfBufferReader } from './perf-buffer.ts';
import { onlineCpus } from './sys/system.ts';

export class SkbOutput {
  readonly #reader: PerfBufferReader;
  readonly #writers = new Map<string, PcapWriter>();

  /** Creates the pcap files and starts reading; throws with nothing left open. */
  constructor(
    mapFd: number,
    readonly outputs: NonNullable<CompiledProgram['skbOutputs']>,
    perfRbPages?: number,
  ) {
    try {
      for (const o of outputs) if (!this.#writers.has(o.file)) this.#writers.set(o.file, new PcapWriter(o.file));
      this.#reader = new PerfBufferReader(mapFd, (bytes) => this.#sample(bytes), pagesPerCpu(perfRbPages));
    } catch (e) {
      for (const w of this.#writers.values()) w.close();
      throw e;
    }
  }

  #sample(bytes: Uint8Array): void {
    if (bytes.length < SKB_OUTPUT_HEADER) return;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const out = this.outputs[Number(v.getBigUint64(0, true))];
    if (!out) return;
    const ns = v.getBigUint64(8, true);
    const len = Math.min(Number(v.getBigUint64(16, true) & 0xffffffffn), bytes.length - SKB_OUTPUT_HEADER);
    if (out.offset >= len) return;
    this.#writers.get(out.file)!.write(ns, bytes.subarray(SKB_OUTPUT_HEADER + out.offset, SKB_OUTPUT_HEADER + len));
  }

  /** Reads what is left, then closes the perf events and the files. */
  close(): void {
    this.#reader.drain();
    this.#reader.close();
    for (const w of this.#writers.values()) w.close();
  }
}

/**
 * Config perf_rb_pages spread over the online CPUs, as bpftrace spreads it: its share of each CPU, to the closest
 * power of two (a perf buffer's data pages must be one); absent: 64 pages each.
 */
function pagesPerCpu(total: number | undefined): number {
  if (total === undefined) return 64;
  const share = Math.max(1, Math.ceil(total / onlineCpus().length));
  const low = 2 ** Math.floor(Math.log2(share));
  return share - low <= low * 2 - share ? low : low * 2;
}
