// The control-flow graph over a flat item list (one node per item, labels included, so facts meet at labels) and
// the two dataflow solvers every analysis runs on. Function entries (index 0, bpf-to-bpf call targets and
// callback addresses) are roots: a subprogram starts with nothing known.
import { isLabel, type AsmItem } from '../asm/index.ts';
import { fallsThrough } from './insn-info.ts';

export interface Cfg {
  readonly items: readonly AsmItem[];
  readonly labelAt: ReadonlyMap<string, number>;
  readonly succ: readonly (readonly number[])[];
  readonly pred: readonly (readonly number[])[];
  /** entries of the program and of each subprogram */
  readonly roots: ReadonlySet<number>;
}

export function buildCfg(items: readonly AsmItem[]): Cfg {
  const labelAt = new Map<string, number>();
  items.forEach((it, i) => isLabel(it) && labelAt.set(it.label, i));
  const at = (name: string): number => {
    const i = labelAt.get(name);
    if (i === undefined) throw new Error(`opt: jump to unknown label ${name}`);
    return i;
  };
  const succ: number[][] = items.map(() => []);
  const pred: number[][] = items.map(() => []);
  const roots = new Set<number>([0]);
  items.forEach((it, i) => {
    const s = succ[i]!;
    if (!isLabel(it)) {
      if (it.jumpTo !== undefined) s.push(at(it.jumpTo));
      if (it.callTo !== undefined) roots.add(at(it.callTo));
      if (it.funcTo !== undefined) roots.add(at(it.funcTo));
    }
    if (fallsThrough(it) && i + 1 < items.length && !s.includes(i + 1)) s.push(i + 1);
    for (const t of s) pred[t]!.push(i);
  });
  return { items, labelAt, succ, pred, roots };
}

/** A dataflow analysis that did not settle: a bug in a transfer function; the optimizer then leaves the code alone. */
export class AnalysisGaveUp extends Error {
  constructor() {
    super('opt: a dataflow analysis did not converge');
  }
}

export interface Lattice<S> {
  /** facts at a function entry (index 0 is the program's own, where r1 is the context) */
  entry(root: number): S;
  /** combine facts where paths meet */
  meet(a: S, b: S): S;
  equal(a: S, b: S): boolean;
}

/**
 * Forward dataflow: the facts holding before each item (undefined: no path reaches it). `transfer` gives the facts
 * after item i; `edge` may refine them along one edge (e.g. a taken branch).
 */
export function forward<S>(
  cfg: Cfg,
  lat: Lattice<S>,
  transfer: (i: number, s: S) => S,
  edge?: (from: number, to: number, s: S) => S,
): (S | undefined)[] {
  const n = cfg.items.length;
  const before: (S | undefined)[] = new Array(n).fill(undefined);
  const work: number[] = [];
  for (const r of cfg.roots) {
    if (r < n) {
      before[r] = lat.entry(r);
      work.push(r);
    }
  }
  const queued = new Uint8Array(n);
  for (const w of work) queued[w] = 1;
  const outOf: (S | undefined)[] = new Array(n).fill(undefined);
  let budget = 200 * (n + 1); // the facts only ever shrink, so this is far more than any program needs
  while (work.length) {
    if (--budget < 0) throw new AnalysisGaveUp();
    const i = work.pop()!;
    queued[i] = 0;
    outOf[i] = transfer(i, before[i]!);
    for (const t of cfg.succ[i]!) {
      // the facts before t: the meet over every predecessor reached so far (not over stale facts of earlier visits)
      let next: S | undefined;
      if (cfg.roots.has(t)) next = lat.entry(t);
      else
        for (const p of cfg.pred[t]!) {
          const o = outOf[p];
          if (o === undefined) continue;
          const e = edge ? edge(p, t, o) : o;
          next = next === undefined ? e : lat.meet(next, e);
        }
      const old = before[t];
      if (next !== undefined && (old === undefined || !lat.equal(old, next))) {
        before[t] = next;
        if (!queued[t]) {
          queued[t] = 1;
          work.push(t);
        }
      }
    }
  }
  return before;
}

/** Backward dataflow: the facts holding after each item (live-out). `exitFacts` is what holds after an exit. */
export function backward<S>(
  cfg: Cfg,
  bottom: () => S,
  meet: (a: S, b: S) => S,
  equal: (a: S, b: S) => boolean,
  transfer: (i: number, after: S) => S,
): S[] {
  const n = cfg.items.length;
  const after: S[] = cfg.items.map(() => bottom());
  const beforeOf: (S | undefined)[] = new Array(n).fill(undefined);
  const work: number[] = [];
  for (let i = 0; i < n; i++) work.push(i);
  const queued = new Uint8Array(n).fill(1);
  while (work.length) {
    const i = work.pop()!;
    queued[i] = 0;
    let out = bottom();
    for (const t of cfg.succ[i]!) if (beforeOf[t] !== undefined) out = meet(out, beforeOf[t]!);
    after[i] = out;
    const inn = transfer(i, out);
    if (beforeOf[i] === undefined || !equal(beforeOf[i]!, inn)) {
      beforeOf[i] = inn;
      for (const p of cfg.pred[i]!)
        if (!queued[p]) {
          queued[p] = 1;
          work.push(p);
        }
    }
  }
  return after;
}
