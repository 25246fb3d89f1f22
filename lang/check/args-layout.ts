// A probe is typed once for all its attach points, so `args` must mean one thing in it. Where its attach points'
// arguments differ in what the probe reads of them (`print(args)` over open and openat, `args.x` of another type
// or in another slot), the probe is checked as one probe per layout, each with its own copy of the body: what
// bpftrace v0.26 does by expanding such a probe per attach point.
import type { Node, Probe } from '../ast.ts';
import { CONTEXT_VARIABLE } from '../builtins/context.ts';
import { probeContext } from '../providers.ts';
import { copyTree, walk } from '../walk.ts';
import type { ResolvedAttach } from './attach.ts';

interface ProbeWithPoints {
  readonly probe: Probe;
  readonly attach: readonly ResolvedAttach[];
}

/** The probes, each split into one per argument layout where its attach points' layouts differ. */
export function splitByArgumentLayout<P extends ProbeWithPoints>(probes: readonly P[]): P[] {
  return probes.flatMap((p) => {
    if (p.attach.length < 2) return [p];
    const used = argumentsRead(p.probe);
    if (!used) return [p];
    const groups = new Map<string, ResolvedAttach[]>();
    for (const a of p.attach) {
      const key = layoutKey(a, used);
      const group = groups.get(key);
      if (group) group.push(a);
      else groups.set(key, [a]);
    }
    if (groups.size < 2) return [p];
    return [...groups.values()].map((attach, i) => ({ ...p, probe: i === 0 ? p.probe : copyTree(p.probe), attach }));
  });
}

/**
 * What a probe reads of `args` (or of `ctx->name`, an iterator's arguments): 'whole' when it uses the record itself,
 * else the names read; undefined for none.
 */
function argumentsRead(p: Probe): 'whole' | Set<string> | undefined {
  const names = new Set<string>();
  let whole = false;
  const visit = (n: Node, parent: Node | undefined) => {
    if (n.kind !== 'ident' || (n.name !== 'args' && n.name !== CONTEXT_VARIABLE)) return;
    if (parent?.kind === 'field' && parent.base === n) names.add(parent.name);
    else if (n.name === 'args') whole = true; // `ctx` alone is the raw context, no record
  };
  if (p.predicate) walk(p.predicate, visit);
  walk(p.body, visit);
  return whole ? 'whole' : names.size ? names : undefined;
}

/** The part of an attach point's argument layout that its probe reads: equal keys type the same. */
function layoutKey(a: ResolvedAttach, used: 'whole' | Set<string>): string {
  const reads = (name: string) => used === 'whole' || used.has(name);
  const c = probeContext(a);
  if (c.params) {
    const params = c.params.map((p, i) => [p.name, p.type, c.paramSlots?.[i] ?? i] as const);
    return JSON.stringify([
      c.btfModule ?? '',
      used === 'whole' ? params.map((p) => p[0]) : [],
      params.filter((p) => reads(p[0])),
    ]);
  }
  // a tracepoint field is found at each point's own offset: its type is what must agree
  const fields = (c.tracepoint?.format?.fields ?? []).filter((f) => !f.common);
  return JSON.stringify([
    used === 'whole' ? fields.map((f) => f.name) : [],
    fields.filter((f) => reads(f.name)).map((f) => [f.name, f.type, f.size, f.signed]),
  ]);
}
