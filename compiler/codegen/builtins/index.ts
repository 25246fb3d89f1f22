// Every builtin's code, by name: the rows of the family files, one table. lang's builtin table names the
// same builtins (test/compiler/builtin-emit.test.ts holds the two together).
import { actionBuiltins } from './actions.ts';
import { aggregationBuiltins } from './aggregations.ts';
import { dataBuiltins } from './data.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';
import { mapFunctionBuiltins } from './map-functions.ts';
import { outputBuiltins } from './output.ts';
import { probeArgBuiltins } from './probe-args.ts';
import { processBuiltins } from './process.ts';
import { stackBuiltins } from './stacks.ts';
import { stringBuiltins } from './strings.ts';
import { timeBuiltins } from './time.ts';

export type { BuiltinEmit } from './emit.ts';

function table(...families: EmitRows[]): ReadonlyMap<string, BuiltinEmit> {
  const rows = new Map<string, BuiltinEmit>();
  for (const family of families)
    for (const [name, row] of Object.entries(family)) {
      if (rows.has(name)) throw new Error(`builtin ${name} has two emit rows`);
      rows.set(name, row);
    }
  return rows;
}

export const BUILTIN_EMIT = table(
  processBuiltins,
  timeBuiltins,
  probeArgBuiltins,
  stackBuiltins,
  stringBuiltins,
  dataBuiltins,
  aggregationBuiltins,
  mapFunctionBuiltins,
  outputBuiltins,
  actionBuiltins,
);
