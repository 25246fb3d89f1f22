// A kallsyms text read the plain way (every line split, BigInts, a stable sort), and the check of
// runtime/kernel/kallsyms.ts against it on a kernel's own file: the host's (test/runtime/kernel/kallsyms.test.ts)
// and Debian 6.1's in the test VM (test/vm/kernel-symbols.vmtest.ts), which has modules and data symbols among them.
import * as assert from 'uvu/assert';
import { parseKernelSymbols, symbolAddress, symbolAt, symbolResolver } from '../../runtime/kernel/kallsyms.ts';

/** What the table must answer: function symbols (t, T, w, W) by address, names of any type to their first address. */
export function reference(text: string) {
  const rows: [bigint, string][] = [];
  const byName = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const [addr, type, name] = line.split(/\s+/);
    if (!addr || !name || !type) continue;
    const a = BigInt(`0x${addr}`);
    if (a === 0n) continue;
    if (!byName.has(name)) byName.set(name, a);
    if (/^[tTwW]$/.test(type)) rows.push([a, name]);
  }
  rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const at = (addr: bigint) => {
    let hit: [bigint, string] | undefined;
    for (const r of rows) if (r[0] <= addr) hit = r;
    return hit && { name: hit[1], offset: addr - hit[0] };
  };
  return { rows, byName, at };
}

/**
 * `count` addresses near random function symbols of a kernel's kallsyms text, answered by the table and by the
 * binary search as the plain reading answers them, and 500 names by symbolAddress. False when the text hides
 * every address (the caller says SKIP).
 */
export function checkAgainstReading(text: Buffer, count = 3000): boolean {
  const ref = reference(text.toString('latin1'));
  if (!ref.rows.length) return false;
  const table = parseKernelSymbols(text);
  assert.is(table.addrs.length, ref.rows.length);
  const resolve = symbolResolver(text);
  // binary search in the reference rows (the linear one above is for fixtures)
  const at = (addr: bigint) => {
    let lo = 0;
    let hi = ref.rows.length - 1;
    if (addr < ref.rows[0]![0]) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ref.rows[mid]![0] <= addr) lo = mid;
      else hi = mid - 1;
    }
    return { name: ref.rows[lo]![1], offset: addr - ref.rows[lo]![0] };
  };
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < count; i++) {
    const [base] = ref.rows[rand(ref.rows.length)]!;
    const addr = base + BigInt(rand(64)) - (i % 3 === 0 ? 1n : 0n);
    const want = at(addr);
    assert.equal(symbolAt(table, addr), want, `table: 0x${addr.toString(16)}`);
    assert.equal(resolve(addr), want, `binary search: 0x${addr.toString(16)}`);
  }
  const names = [...ref.byName.keys()];
  for (let i = 0; i < 500; i++) {
    const name = names[rand(names.length)]!;
    assert.is(symbolAddress(text, name), ref.byName.get(name), name);
  }
  return true;
}
