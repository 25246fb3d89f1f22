// watchpoint:address:length:mode: a hardware breakpoint on a data (or code) address.
import { type ProviderRow, type ResolvedBase } from './row.ts';

export interface ResolvedWatchpoint extends ResolvedBase {
  readonly provider: 'watchpoint';
  readonly address: bigint;
  readonly length: 1 | 2 | 4 | 8;
  /** some of r, w, x (x alone: an execution breakpoint) */
  readonly mode: string;
}

export const watchpoint: ProviderRow<ResolvedWatchpoint> = {
  name: 'watchpoint',
  aliases: ['w'],
  usage: 'watchpoint:address:length:mode',
  reads: { currentTask: true },
  resolve(r) {
    const { ap } = r;
    if (ap.parts.length !== 3) return r.bad('watchpoint needs an address, a length and a mode');
    const [addrText, lenText, mode] = ap.parts as [string, string, string];
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(addrText)) return r.bad(`invalid watchpoint address '${addrText}'`);
    const length = Number(lenText);
    if (![1, 2, 4, 8].includes(length)) return r.bad(`watchpoint length must be 1, 2, 4 or 8, got '${lenText}'`);
    if (!/^(r|w|x|rw|wr)$/.test(mode)) return r.bad(`invalid watchpoint mode '${mode}' (r, w, rw or x)`);
    // x86's debug registers watch writes, reads with writes, or execution: no reads alone (bpftrace v0.26's arch
    // modes: rw, w, x)
    if (mode === 'r' && r.kernel.arch === 'x86_64')
      return r.bad('invalid watchpoint mode: r (supported modes on x86_64: rw, w, x)');
    const address = BigInt(addrText);
    if (address === 0n) return r.bad('watchpoint must be attached to a non-zero address');
    return [
      {
        provider: 'watchpoint',
        address,
        length: length as 1 | 2 | 4 | 8,
        mode,
        ...r.base,
        text: `watchpoint:0x${address.toString(16)}:${length}:${mode}`,
      },
    ];
  },
};
