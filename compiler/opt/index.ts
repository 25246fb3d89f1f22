// The bytecode optimizer: runs after code generation and before encoding, on symbolic items (labels, map
// references and spans intact). A fixed order of passes, repeated until none changes anything.
import type { AsmItem } from '../asm/index.ts';
import { atomicAdds } from './atomic-add.ts';
import { AnalysisGaveUp } from './cfg.ts';
import { hoistContextLoads } from './hoist-context.ts';
import { reuseHelperResults } from './helper-cse.ts';
import { removeUnreachable, threadBranches } from './branches.ts';
import { removeDeadCode, removeDeadStores, type MapSizes } from './dead.ts';
import { foldConstants, type PassResult } from './fold.ts';
import { reuseMapValues } from './map-value-reuse.ts';
import { peephole } from './peephole.ts';
import { promoteSlots } from './promote.ts';
import { selects } from './select.ts';

export type { MapSizes } from './dead.ts';

export interface OptimizeOptions {
  /** key/value sizes of the maps, so a helper's read of a key or value is exact */
  readonly mapSizes?: MapSizes;
  /** bpf_get_current_comm writes its whole buffer, the name and zeros after it (CompileOptions.paddedComm) */
  readonly paddedComm?: boolean;
}

const MAX_ROUNDS = 8;
/**
 * Past this many items the analyses (each pass re-runs them) cost more compile time than they are worth (a
 * 2,600-item strcontains search took ~0.4 s per probe even with the solver's joins met once), and a program that
 * long is one the generator should not have made: it is encoded as generated.
 */
const MAX_ITEMS = 2000;

export function optimize(items: readonly AsmItem[], opts: OptimizeOptions = {}): AsmItem[] {
  const passes: ((x: readonly AsmItem[]) => PassResult)[] = [
    (x) => promoteSlots(x, opts.mapSizes),
    foldConstants,
    threadBranches,
    removeUnreachable,
    (x) => removeDeadStores(x, opts.mapSizes, opts.paddedComm),
    removeDeadCode,
    peephole,
    selects,
    atomicAdds,
    hoistContextLoads,
    reuseMapValues,
    reuseHelperResults,
  ];
  if (items.length > MAX_ITEMS) return [...items];
  let cur = [...items];
  try {
    cur = rounds(cur, passes);
  } catch (e) {
    if (e instanceof AnalysisGaveUp) return [...items];
    throw e;
  }
  return cur;
}

/**
 * The passes in turn, round after round, until each has run on the current items without changing them. A pass
 * that has already seen the items unchanged is not run on them again: after the last change, by pass k, the
 * passes after k confirm it in that round and those up to k in the next, which then stops there (the same result
 * as running whole rounds until one changes nothing, the passes being functions of the items alone, with
 * MAX_ROUNDS whole rounds at most).
 */
export function rounds(items: AsmItem[], passes: readonly ((x: readonly AsmItem[]) => PassResult)[]): AsmItem[] {
  let cur = items;
  let unchangedRuns = 0; // passes run in a row on `cur` without changing it
  for (let run = 0; run < MAX_ROUNDS * passes.length && unchangedRuns < passes.length; run++) {
    const r = passes[run % passes.length]!(cur);
    if (r.changed) {
      cur = r.items;
      unchangedRuns = 0;
    } else unchangedRuns++;
  }
  return cur;
}
