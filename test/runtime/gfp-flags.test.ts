// GFP flags named as the kernel's %pGg names them (bpftrace v0.26's printf %gr; 0.17 has no %gr): composite
// names first, then single flags, leftover bits in hex.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatGfpFlags } from '../../runtime/gfp-flags.ts';

test('composites win over their parts, single flags follow, unknown bits print as hex', () => {
  assert.is(formatGfpFlags(0n), '0');
  assert.is(formatGfpFlags(0x1n), 'GFP_DMA');
  assert.is(formatGfpFlags(0xcc0n), 'GFP_KERNEL');
  assert.is(formatGfpFlags(0xdc0n), 'GFP_KERNEL|__GFP_ZERO');
  assert.is(formatGfpFlags(0x400cc0n), 'GFP_KERNEL_ACCOUNT');
  assert.is(formatGfpFlags(0x820n), 'GFP_ATOMIC');
  assert.is(formatGfpFlags(0x822n), 'GFP_ATOMIC|__GFP_HIGHMEM');
  assert.is(formatGfpFlags(0x2800n), 'GFP_NOWAIT');
  assert.is(formatGfpFlags(0x400n), '__GFP_DIRECT_RECLAIM');
  assert.is(formatGfpFlags(0xc00n), 'GFP_NOIO');
  assert.is(formatGfpFlags(0x40n | (1n << 40n)), '__GFP_IO|0x10000000000');
});

test("a kernel's own bit layout (from its BTF enum) moves the flags past ZEROTAGS", () => {
  const bits = (name: string) => ({ DMA: 0, NOLOCKDEP: 24 })[name];
  assert.is(formatGfpFlags((1n << 24n) | 1n, bits), 'GFP_DMA|__GFP_NOLOCKDEP');
});

test.run();
