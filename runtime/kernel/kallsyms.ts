// Kernel symbols from /proc/kallsyms, read once: address → function (stacks, ksym) and name → address (kaddr).
import { readFileSync } from 'node:fs';
import { lastAtOrBelow } from './sorted.ts';

interface KernelSymbols {
  readonly addrs: BigUint64Array; // sorted
  readonly names: readonly string[];
  /** every symbol by name, functions and data alike (kaddr takes either) */
  readonly byName: Map<string, bigint>;
}

let kallsyms: KernelSymbols | undefined;

function kernelSymbols(): KernelSymbols {
  if (kallsyms) return kallsyms;
  const rows: [bigint, string][] = [];
  const byName = new Map<string, bigint>();
  for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
    const [addr, type, name] = line.split(/\s+/);
    if (!addr || !name || !type) continue;
    const a = BigInt(`0x${addr}`);
    if (a === 0n) continue; // addresses hidden (kptr_restrict): nothing to resolve
    if (!byName.has(name)) byName.set(name, a);
    if (/^[tTwW]$/.test(type)) rows.push([a, name]); // functions only: data symbols would shadow code in stacks
  }
  rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  kallsyms = { addrs: BigUint64Array.from(rows.map((r) => r[0])), names: rows.map((r) => r[1]), byName };
  return kallsyms;
}

/** The function containing a kernel address and the offset into it, if any. */
export function lookupKernelAddress(addr: bigint): { name: string; offset: bigint } | undefined {
  const { addrs, names } = kernelSymbols();
  const i = lastAtOrBelow(addrs, addr);
  return i < 0 ? undefined : { name: names[i]!, offset: addr - addrs[i]! };
}

/** `name+offset` for a kernel address (stack frames), or the address in hex when no symbol covers it. */
export function kernelSymbol(addr: bigint): string {
  const hit = lookupKernelAddress(addr);
  return hit ? `${hit.name}+${hit.offset}` : `0x${addr.toString(16)}`;
}

/** kaddr(name) */
export function kernelSymbolAddress(name: string): bigint | undefined {
  return kernelSymbols().byName.get(name);
}
