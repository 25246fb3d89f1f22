// A pcap file (the classic libpcap format, microsecond timestamps) of raw IP packets, as bpftrace's
// skboutput() writes: link type RAW (101), snap length 65535, each packet stamped with the time it was
// captured given as nanoseconds (bpftrace stamps boot-time ns; so does scry).
import { closeSync, constants, openSync, writeSync } from 'node:fs';

const LINKTYPE_RAW = 101;
const SNAPLEN = 65535;

export class PcapWriter {
  readonly #fd: number;

  /** Creates (or truncates) `file` and writes the file header. Throws what open(2) throws. */
  constructor(readonly file: string) {
    this.#fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0); // magic: microseconds, this machine's (little-endian) order
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8); // thiszone
    h.writeUInt32LE(0, 12); // sigfigs
    h.writeUInt32LE(SNAPLEN, 16);
    h.writeUInt32LE(LINKTYPE_RAW, 20);
    writeSync(this.#fd, h);
  }

  write(ns: bigint, packet: Uint8Array): void {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Number(ns / 1_000_000_000n) >>> 0, 0);
    h.writeUInt32LE(Number((ns % 1_000_000_000n) / 1000n), 4);
    h.writeUInt32LE(packet.length, 8); // captured
    h.writeUInt32LE(packet.length, 12); // on the wire, as far as anyone here knows
    writeSync(this.#fd, Buffer.concat([h, packet]));
  }

  close(): void {
    closeSync(this.#fd);
  }
}
