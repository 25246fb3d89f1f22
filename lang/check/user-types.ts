// A uprobe's `args` are typed from its binary's DWARF (bpftrace v0.26), and so are the binary's types a script
// names (`(struct Foo *)arg0`). Where a probe reads `args` or names a type, the runtime is asked for the function's
// parameter types and those named types (KernelInfo.userFunctionTypes: BTF rows numbered from 1), and here they are
// placed after the kernel's and the script's types, every binary's one after another, so one BtfTypes answers for
// every probe (casts, members, printing) and the compiled program carries them with the script's for printing
// records. Probes that do neither cost no DWARF reading.
import type { Probe } from '../ast.ts';
import type { BtfTypes } from '../btf.ts';
import { withForeignTypes } from '../c/script-btf.ts';
import type { KernelInfo, UserFunctionTypes } from '../kernel.ts';
import { userTypesOf, withUserParams, type ResolvedAttach } from '../providers.ts';
import { walk } from '../walk.ts';

/** scry's own type names, which no binary defines */
const OWN_TYPES = /^(?:u?int(?:8|16|32|64)|bool|string|void)$/;

/**
 * The probes with their uprobes' parameters typed by ids of the returned types (`base` with the binaries' types
 * on top); the probes unchanged and no types when no probe asks for any, or no binary has them.
 */
export function placeUserTypes<P extends { readonly probe: Probe; readonly attach: readonly ResolvedAttach[] }>(
  probes: readonly P[],
  kernel: KernelInfo,
): { probes: P[]; types?: BtfTypes & { readonly firstId: number }; warnings?: string[] } {
  if (!kernel.userFunctionTypes) return { probes: [...probes] };
  const sets: UserFunctionTypes[] = [];
  const asked = new Map<string, number>(); // (file, function, names) → index in sets, -1 for nothing found
  const placed: (number | undefined)[][] = probes.map((p) => {
    const uses = typesUsed(p.probe);
    return p.attach.map((a) => {
      const where = userTypesOf(a);
      if (!where || (!uses.args && !uses.names.length)) return undefined;
      const func = uses.args ? where.entryOf : undefined;
      const key = JSON.stringify([where.path, func ?? '', uses.names]);
      let index = asked.get(key);
      if (index === undefined) {
        const got = kernel.userFunctionTypes!(where.path, func, uses.names);
        index = got ? sets.push(got) - 1 : -1;
        asked.set(key, index);
      }
      return index < 0 ? undefined : index;
    });
  });
  // each told once however many probes asked
  const told = [...new Set(sets.flatMap((s) => s.warnings ?? []))];
  const warnings = told.length ? { warnings: told } : {};
  if (!sets.length) return { probes: [...probes], ...warnings };
  const { types, firstIds } = withForeignTypes(
    kernel.btf(),
    sets.map((s) => s.types),
  );
  return {
    probes: probes.map((p, i) => ({
      ...p,
      attach: p.attach.map((a, j) => {
        const index = placed[i]![j];
        const params = index === undefined ? undefined : sets[index]!.params;
        if (!params) return a;
        const first = firstIds[index!]!;
        return withUserParams(
          a,
          params.map((q) => ({ ...q, type: q.type === 0 ? 0 : first + q.type - 1 })),
        );
      }),
    })),
    types,
    ...warnings,
  };
}

/** Whether a probe reads `args`, and the types it names that a binary may define. */
function typesUsed(p: Probe): { args: boolean; names: string[] } {
  let args = false;
  const names = new Set<string>();
  const visit = (n: Parameters<Parameters<typeof walk>[1]>[0]) => {
    if (n.kind === 'ident' && n.name === 'args') args = true;
    else if (n.kind === 'type-name' && !OWN_TYPES.test(n.name)) names.add(n.name);
  };
  if (p.predicate) walk(p.predicate, visit);
  walk(p.body, visit);
  return { args, names: [...names].sort() };
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
