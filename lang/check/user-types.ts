// A uprobe's `args` are typed from its binary's DWARF (bpftrace v0.26): the runtime hands each function's
// parameter types over as BTF rows numbered from 1, and here they are placed after the kernel's and the script's
// types, all functions' one after another, so one BtfTypes answers for every probe (casts, members, printing)
// and the compiled program carries them with the script's rows for printing records.
import type { BtfTypes } from '../btf.ts';
import { withForeignTypes } from '../c/script-btf.ts';
import type { KernelInfo, UserFunctionTypes } from '../kernel.ts';
import type { ResolvedAttach } from '../providers.ts';

/**
 * The probes with their uprobes' parameters typed by ids of the returned types (`base` with the binaries' types
 * on top); the probes unchanged and no types when no uprobe has DWARF types.
 */
export function placeUserTypes<P extends { readonly attach: readonly ResolvedAttach[] }>(
  probes: readonly P[],
  base: BtfTypes | undefined,
): { probes: P[]; types?: BtfTypes & { readonly firstId: number } } {
  const sets: UserFunctionTypes[] = [];
  const seen = new Map<UserFunctionTypes, number>();
  for (const p of probes)
    for (const a of p.attach)
      if (a.provider === 'uprobe' && a.dwarf && !seen.has(a.dwarf)) {
        seen.set(a.dwarf, sets.length);
        sets.push(a.dwarf);
      }
  if (!sets.length) return { probes: [...probes] };
  const { types, firstIds } = withForeignTypes(
    base,
    sets.map((s) => s.types),
  );
  const placed = probes.map((p) => ({
    ...p,
    attach: p.attach.map((a) => {
      if (a.provider !== 'uprobe' || !a.dwarf) return a;
      const first = firstIds[seen.get(a.dwarf)!]!;
      return { ...a, params: a.dwarf.params.map((q) => ({ ...q, type: q.type === 0 ? 0 : first + q.type - 1 })) };
    }),
  }));
  return { probes: placed, types };
}

/** The kernel as the checker sees it with `types` in place of its BTF. */
export function withUserTypes(kernel: KernelInfo, types: BtfTypes): KernelInfo {
  const own = () => types;
  return new Proxy(kernel, {
    get(target, prop) {
      if (prop === 'btf') return own;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
