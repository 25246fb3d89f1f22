// Every builtin's code, by name: the rows of the family files, one table. The families and names are lang's
// (lang/builtins/<family>.ts has the row that checks a builtin, ./<family>.ts the one that emits it);
// test/compiler/codegen/builtin-emit.test.ts holds the two tables together.
import { aggregationBuiltins } from './aggregations.ts';
import { contextBuiltins } from './context.ts';
import { controlBuiltins } from './control.ts';
import { dataBuiltins } from './data.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';
import { mapBuiltins } from './maps.ts';
import { metaBuiltins } from './meta.ts';
import { paramBuiltins } from './params.ts';
import { printfBuiltins } from './printf.ts';
import { stackBuiltins } from './stacks.ts';
import { stringBuiltins } from './strings.ts';
import { timeBuiltins } from './time.ts';

export type { BuiltinEmit } from './emit.ts';

/** The emit rows of each family, under lang's family names. */
export const EMIT_FAMILIES: Readonly<Record<string, EmitRows>> = {
  aggregations: aggregationBuiltins,
  maps: mapBuiltins,
  control: controlBuiltins,
  printf: printfBuiltins,
  time: timeBuiltins,
  strings: stringBuiltins,
  stacks: stackBuiltins,
  data: dataBuiltins,
  context: contextBuiltins,
  params: paramBuiltins,
  meta: metaBuiltins,
};

function table(families: Readonly<Record<string, EmitRows>>): ReadonlyMap<string, BuiltinEmit> {
  const rows = new Map<string, BuiltinEmit>();
  for (const family of Object.values(families))
    for (const [name, row] of Object.entries(family)) {
      if (rows.has(name)) throw new Error(`builtin ${name} has two emit rows`);
      rows.set(name, row);
    }
  return rows;
}

export const BUILTIN_EMIT: ReadonlyMap<string, BuiltinEmit> = table(EMIT_FAMILIES);
