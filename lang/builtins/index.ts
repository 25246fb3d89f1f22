// The builtin table: every builtin variable and function, one row each, by name. A new builtin is a row in
// its family's file (and an emit row in compiler/codegen/builtins/); the checker never names one.
import { aggregationRows } from './aggregations.ts';
import { contextRows } from './context.ts';
import { controlRows } from './control.ts';
import { dataRows } from './data.ts';
import { paramRows } from './params.ts';
import { mapRows } from './maps.ts';
import { metaRows } from './meta.ts';
import { printfRows } from './printf.ts';
import type { BuiltinRow, FunctionSpec, VariableSpec } from './row.ts';
import { stackRows } from './stacks.ts';
import { stringRows } from './strings.ts';
import { timeRows } from './time.ts';

export type { AggregationSpec, BuiltinRow, CallSpec, FunctionSpec, VariableSpec } from './row.ts';

// The order is the order completion offers names in and "did you mean" tries them in (the first of equally
// close names wins): keep new rows at the end of their family.
const rows: readonly BuiltinRow[] = [
  ...aggregationRows,
  ...mapRows,
  ...controlRows,
  ...printfRows,
  ...timeRows,
  ...stringRows,
  ...stackRows,
  ...dataRows,
  ...contextRows,
  ...paramRows,
  ...metaRows,
];

export const BUILTINS: ReadonlyMap<string, BuiltinRow> = new Map(rows.map((r) => [r.name, r]));
if (BUILTINS.size !== rows.length) throw new Error('two builtin rows share a name');

type BuiltinVar = VariableSpec & Pick<BuiltinRow, 'name' | 'doc'>;
type BuiltinFunction = FunctionSpec & Pick<BuiltinRow, 'name' | 'doc'>;

/** The builtin variables, in table order. */
export const builtinVars: readonly BuiltinVar[] = rows.flatMap((r) =>
  r.variable ? [{ ...r.variable, name: r.name, doc: r.doc }] : [],
);
/** The builtin functions, in table order. */
export const builtinFunctions: readonly BuiltinFunction[] = rows.flatMap((r) =>
  r.function ? [{ ...r.function, name: r.name, doc: r.doc }] : [],
);

export { PT_REGS_OFFSETS } from './context.ts';
export { aggregationReadType, readableInProbe } from './aggregations.ts';
