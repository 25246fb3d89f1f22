// GFP allocation flags as the kernel prints them (%pGg, and bpftrace v0.26's printf %gr): the composite
// names first (GFP_KERNEL is __GFP_RECLAIM|__GFP_IO|__GFP_FS), in the order of the kernel's
// include/trace/events/mmflags.h, then single flags; bits no name covers print as hex.
import { vmlinuxBtf } from './kernel/btf/index.ts';

/**
 * The bit of each ___GFP_<NAME>_BIT, from the kernel's enum in its BTF when it has one (the layout after
 * ___GFP_ZEROTAGS depends on CONFIG_KASAN_HW_TAGS, CONFIG_LOCKDEP and CONFIG_SLAB_OBJ_EXT).
 */
export type GfpBits = (name: string) => number | undefined;

let kernelBits: GfpBits | undefined;

/** This kernel's bits: its BTF's ___GFP_<NAME>_BIT enumerators (Linux 6.0+), else the default layout. */
export function kernelGfpBits(): GfpBits {
  if (kernelBits) return kernelBits;
  const btf = vmlinuxBtf();
  const has = btf?.enumerator('___GFP_DMA_BIT') !== undefined;
  kernelBits = has
    ? (name) => {
        const e = btf!.enumerator(`___GFP_${name}_BIT`);
        return e === undefined ? undefined : Number(e.value);
      }
    : defaultGfpBits;
  return kernelBits;
}

/** Linux 6.x's layout of the bits every configuration has (gfp_types.h; bit 9 is unused). */
const STABLE_BITS: readonly string[] = [
  'DMA',
  'HIGHMEM',
  'DMA32',
  'MOVABLE',
  'RECLAIMABLE',
  'HIGH',
  'IO',
  'FS',
  'ZERO',
  'UNUSED',
  'DIRECT_RECLAIM',
  'KSWAPD_RECLAIM',
  'WRITE',
  'NOWARN',
  'RETRY_MAYFAIL',
  'NOFAIL',
  'NORETRY',
  'MEMALLOC',
  'COMP',
  'NOMEMALLOC',
  'HARDWALL',
  'THISNODE',
  'ACCOUNT',
  'ZEROTAGS',
];

export const defaultGfpBits: GfpBits = (name) => {
  const i = STABLE_BITS.indexOf(name);
  return i < 0 ? undefined : i;
};

/** Composite flags by their parts (single flags are __GFP_<NAME>); `not` parts are cleared. */
const COMPOSITES: readonly { name: string; of: readonly string[]; not?: readonly string[] }[] = [
  {
    name: 'GFP_TRANSHUGE',
    of: ['DIRECT_RECLAIM', 'IO', 'FS', 'HARDWALL', 'HIGHMEM', 'MOVABLE', 'SKIP_KASAN', 'COMP', 'NOMEMALLOC', 'NOWARN'],
  },
  {
    name: 'GFP_TRANSHUGE_LIGHT',
    of: ['IO', 'FS', 'HARDWALL', 'HIGHMEM', 'MOVABLE', 'SKIP_KASAN', 'COMP', 'NOMEMALLOC', 'NOWARN'],
  },
  {
    name: 'GFP_HIGHUSER_MOVABLE',
    of: ['DIRECT_RECLAIM', 'KSWAPD_RECLAIM', 'IO', 'FS', 'HARDWALL', 'HIGHMEM', 'MOVABLE', 'SKIP_KASAN'],
  },
  { name: 'GFP_HIGHUSER', of: ['DIRECT_RECLAIM', 'KSWAPD_RECLAIM', 'IO', 'FS', 'HARDWALL', 'HIGHMEM'] },
  { name: 'GFP_USER', of: ['DIRECT_RECLAIM', 'KSWAPD_RECLAIM', 'IO', 'FS', 'HARDWALL'] },
  { name: 'GFP_KERNEL_ACCOUNT', of: ['DIRECT_RECLAIM', 'KSWAPD_RECLAIM', 'IO', 'FS', 'ACCOUNT'] },
  { name: 'GFP_KERNEL', of: ['DIRECT_RECLAIM', 'KSWAPD_RECLAIM', 'IO', 'FS'] },
  { name: 'GFP_NOFS', of: ['DIRECT_RECLAIM', 'KSWAPD_RECLAIM', 'IO'] },
  { name: 'GFP_ATOMIC', of: ['HIGH', 'KSWAPD_RECLAIM'] },
  { name: 'GFP_NOIO', of: ['DIRECT_RECLAIM', 'KSWAPD_RECLAIM'] },
  { name: 'GFP_NOWAIT', of: ['KSWAPD_RECLAIM', 'NOWARN'] },
  { name: 'GFP_DMA', of: ['DMA'] },
  { name: '__GFP_HIGHMEM', of: ['HIGHMEM'] },
  { name: 'GFP_DMA32', of: ['DMA32'] },
];

/** Single flags after the composites, in mmflags.h's order. */
const SINGLES: readonly string[] = [
  'HIGH',
  'IO',
  'FS',
  'NOWARN',
  'RETRY_MAYFAIL',
  'NOFAIL',
  'NORETRY',
  'COMP',
  'ZERO',
  'NOMEMALLOC',
  'MEMALLOC',
  'HARDWALL',
  'THISNODE',
  'RECLAIMABLE',
  'MOVABLE',
  'ACCOUNT',
  'WRITE',
  'RECLAIM',
  'DIRECT_RECLAIM',
  'KSWAPD_RECLAIM',
  'ZEROTAGS',
  'SKIP_ZERO',
  'SKIP_KASAN',
  'NOLOCKDEP',
  'NO_OBJ_EXT',
];

/** `GFP_KERNEL|__GFP_ZERO`, `0` for none, leftover bits as `0x…`. */
export function formatGfpFlags(value: bigint, bits: GfpBits = defaultGfpBits): string {
  if (value === 0n) return '0';
  const mask = (parts: readonly string[]): bigint =>
    parts.reduce<bigint>((m, p) => {
      // __GFP_RECLAIM is both reclaim bits; a flag this kernel lacks has no bit
      if (p === 'RECLAIM') return m | mask(['DIRECT_RECLAIM', 'KSWAPD_RECLAIM']);
      const b = bits(p);
      return b === undefined ? m : m | (1n << BigInt(b));
    }, 0n);
  const names: [string, bigint][] = [
    ...COMPOSITES.map((c): [string, bigint] => [c.name, mask(c.of)]),
    ...SINGLES.map((s): [string, bigint] => [`__GFP_${s}`, mask([s])]),
  ];
  const out: string[] = [];
  let left = value;
  for (const [name, m] of names) {
    if (m === 0n || (left & m) !== m) continue;
    out.push(name);
    left &= ~m;
  }
  if (left) out.push(`0x${left.toString(16)}`);
  return out.join('|');
}
