// kstack/ustack: ids recorded by bpf_get_stackid, turned into frames printed as bpftrace prints them.
// Kernel addresses resolve through /proc/kallsyms (read once); user frames print as addresses for now.
import { readFileSync } from 'node:fs';
import { MAX_STACK_FRAMES } from '../compiler/program.ts';
import { mapLookup } from './sys/index.ts';

interface KernelSymbols {
  readonly addrs: BigUint64Array; // sorted
  readonly names: readonly string[];
}

let kallsyms: KernelSymbols | undefined;

function kernelSymbols(): KernelSymbols {
  if (kallsyms) return kallsyms;
  const rows: [bigint, string][] = [];
  for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
    const [addr, type, name] = line.split(/\s+/);
    if (!addr || !name || !/^[tTwW]$/.test(type ?? '')) continue; // functions only
    const a = BigInt(`0x${addr}`);
    if (a !== 0n) rows.push([a, name]);
  }
  rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  kallsyms = { addrs: BigUint64Array.from(rows.map((r) => r[0])), names: rows.map((r) => r[1]) };
  return kallsyms;
}

/** `name+offset` for a kernel address, or the address in hex when no symbol covers it. */
export function kernelSymbol(addr: bigint): string {
  const { addrs, names } = kernelSymbols();
  let lo = 0;
  let hi = addrs.length - 1;
  if (hi < 0 || addr < addrs[0]!) return `0x${addr.toString(16)}`;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (addrs[mid]! <= addr) lo = mid;
    else hi = mid - 1;
  }
  return `${names[lo]}+${addr - addrs[lo]!}`;
}

export function resetKernelSymbols(): void {
  kallsyms = undefined;
}

/**
 * Reads stacks out of the stack-trace map and formats them as bpftrace does: "\n", then one frame a line,
 * indented 4 spaces as a map key and 8 in printf/print.
 */
export class StackResolver {
  private readonly value = new Uint8Array(8 * MAX_STACK_FRAMES);

  constructor(private readonly mapFd: number) {}

  format(id: bigint, kind: 'kernel' | 'user', indent: number): string {
    const stackId = Number(id & 0xffffffffn);
    if (stackId & 0x80000000) return '\n'; // bpf_get_stackid failed (e.g. -EFAULT): no frames
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, stackId, true);
    if (!mapLookup(this.mapFd, key, this.value)) return '\n';
    const view = new DataView(this.value.buffer);
    let out = '\n';
    for (let i = 0; i < MAX_STACK_FRAMES; i++) {
      const ip = view.getBigUint64(i * 8, true);
      if (ip === 0n) break;
      out += `${' '.repeat(indent)}${kind === 'kernel' ? kernelSymbol(ip) : `0x${ip.toString(16)}`}\n`;
    }
    return out;
  }
}
