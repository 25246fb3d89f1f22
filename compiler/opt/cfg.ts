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

/**
 * One graph per item list, kept while the list lives: the passes never change a list they were given (they return a
 * new one), and a pass that changes nothing hands the same list to the next, which then reuses this graph and the
 * analyses memoized on it (memoOn). Half of the optimizer's passes run on an unchanged list (the last round only
 * confirms), so each analysis ran several times over the same items. Measured at start-up (--timings' compile step
 * of a one-tracepoint program, 16 interleaved runs, busy machine): median 19.4 -> 15.5 ms.
 */
const graphs = new WeakMap<readonly AsmItem[], Cfg>();

export function buildCfg(items: readonly AsmItem[]): Cfg {
  let cfg = graphs.get(items);
  if (!cfg) graphs.set(items, (cfg = graphOf(items)));
  return cfg;
}

/** `analysis` of `cfg`, computed once per graph (the result must be treated as read-only: it is shared). */
export function memoOn<T>(memo: WeakMap<Cfg, T>, cfg: Cfg, analysis: (cfg: Cfg) => T): T {
  let r = memo.get(cfg);
  if (r === undefined) memo.set(cfg, (r = analysis(cfg)));
  return r;
}

function graphOf(items: readonly AsmItem[]): Cfg {
  const labelAt = new Map<string, number>();
  items.forEach((it, i) => isLabel(it) && labelAt.set(it.label, i));
  const at = (name: string): number => {
    const i = labelAt.get(name);
    if (i === undefined) throw new Error(`opt: jump to unknown label ${name}`);
    return i;
  };
  // arrays made at their final length (an empty array's first push allocates room for 17): this runs cold at
  // every start, where allocation is most of the cost
  const n = items.length;
  const succ: number[][] = new Array(n);
  const predCount = new Int32Array(n);
  const roots = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    const jump = isLabel(it) || it.jumpTo === undefined ? -1 : at(it.jumpTo);
    if (!isLabel(it)) {
      if (it.callTo !== undefined) roots.add(at(it.callTo));
      if (it.funcTo !== undefined) roots.add(at(it.funcTo));
    }
    const next = fallsThrough(it) && i + 1 < n && jump !== i + 1 ? i + 1 : -1;
    succ[i] = jump < 0 ? (next < 0 ? [] : [next]) : next < 0 ? [jump] : [jump, next];
    if (jump >= 0) predCount[jump]!++;
    if (next >= 0) predCount[next]!++;
  }
  const pred: number[][] = new Array(n);
  for (let i = 0; i < n; i++) pred[i] = new Array(predCount[i]!);
  const filled = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = succ[i]!;
    for (let k = 0; k < s.length; k++) pred[s[k]!]![filled[s[k]!]!++] = i;
  }
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
 *
 * An item's facts are the meet over every predecessor's current facts (not over stale facts of earlier visits),
 * computed when the item is taken from the work list, lowest index first: a join with hundreds of predecessors
 * (strcontains' unrolled search jumps to one label from every byte) is then met once per change, not once per
 * predecessor's visit (that was quadratic: 3.5 s to compile one such probe).
 */
export function forward<S>(
  cfg: Cfg,
  lat: Lattice<S>,
  transfer: (i: number, s: S) => S,
  edge?: (from: number, to: number, s: S) => S,
): (S | undefined)[] {
  const n = cfg.items.length;
  const before: (S | undefined)[] = new Array(n).fill(undefined);
  const outOf: (S | undefined)[] = new Array(n).fill(undefined);
  const work = new MinQueue(n);
  for (const r of cfg.roots) if (r < n) work.push(r);
  let budget = 200 * (n + 1); // the facts only ever shrink, so this is far more than any program needs
  while (work.size) {
    if (--budget < 0) throw new AnalysisGaveUp();
    const i = work.pop();
    let facts: S | undefined;
    if (cfg.roots.has(i)) facts = lat.entry(i);
    else
      for (let k = 0, preds = cfg.pred[i]!; k < preds.length; k++) {
        const p = preds[k]!;
        const o = outOf[p];
        if (o === undefined) continue;
        const e = edge ? edge(p, i, o) : o;
        facts = facts === undefined ? e : lat.meet(facts, e);
      }
    if (facts === undefined) continue;
    const old = before[i];
    if (old !== undefined && outOf[i] !== undefined && lat.equal(old, facts)) continue;
    before[i] = facts;
    outOf[i] = transfer(i, facts);
    for (let k = 0, succs = cfg.succ[i]!; k < succs.length; k++) work.push(succs[k]!);
  }
  return before;
}

/** A set of item indices taken smallest first (a binary heap; an index already queued is not added twice). */
class MinQueue {
  private readonly heap: number[] = [];
  private readonly queued: Uint8Array;
  constructor(n: number) {
    this.queued = new Uint8Array(n);
  }
  get size(): number {
    return this.heap.length;
  }
  push(i: number): void {
    if (this.queued[i]) return;
    this.queued[i] = 1;
    const h = this.heap;
    let k = h.push(i) - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (h[parent]! <= i) break;
      h[k] = h[parent]!;
      k = parent;
    }
    h[k] = i;
  }
  pop(): number {
    const h = this.heap;
    const top = h[0]!;
    this.queued[top] = 0;
    const last = h.pop()!;
    if (h.length) {
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && h[l + 1]! < h[l]! ? l + 1 : l;
        if (h[c]! >= last) break;
        h[k] = h[c]!;
        k = c;
      }
      h[k] = last;
    }
    return top;
  }
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
    for (let k = 0, succs = cfg.succ[i]!; k < succs.length; k++) {
      const b = beforeOf[succs[k]!];
      if (b !== undefined) out = meet(out, b);
    }
    after[i] = out;
    const inn = transfer(i, out);
    if (beforeOf[i] === undefined || !equal(beforeOf[i]!, inn)) {
      beforeOf[i] = inn;
      for (let k = 0, preds = cfg.pred[i]!; k < preds.length; k++) {
        const p = preds[k]!;
        if (!queued[p]) {
          queued[p] = 1;
          work.push(p);
        }
      }
    }
  }
  return after;
}
