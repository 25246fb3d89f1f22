// The checker: passes run in one explicit order; each adds diagnostics, none throws for a user mistake.
import type { CallExpr, Expr, FieldExpr, ForMapStmt, Probe, Program } from '../ast.ts';
import { error, hasErrors, type Diagnostic } from '../diagnostics.ts';
import type { KernelInfo } from '../kernel.ts';
import type { Type } from '../types.ts';
import { resolveAttachPoint, type ResolvedAttach } from './attach.ts';
import { readConfig, type ScriptConfig } from './config.ts';
import { infer, type ArgField, type ForMapInfo, type MapInfo, type PrintfInfo } from './infer.ts';

export type { ResolvedAttach } from './attach.ts';
export type { ForMapInfo, MapInfo, PrintfInfo } from './infer.ts';
export type { ScriptConfig } from './config.ts';
export { positionalValue } from './infer.ts';

export interface CheckedProbe {
  readonly probe: Probe;
  readonly attach: readonly ResolvedAttach[];
}

export interface CheckedProgram {
  readonly ast: Program;
  readonly probes: readonly CheckedProbe[];
  readonly typeOf: ReadonlyMap<Expr, Type>;
  readonly maps: ReadonlyMap<string, MapInfo>;
  readonly printfs: ReadonlyMap<CallExpr, PrintfInfo>;
  readonly varTypes: ReadonlyMap<Probe, ReadonlyMap<string, Type>>;
  readonly argFields: ReadonlyMap<FieldExpr, ArgField>;
  readonly constants: ReadonlyMap<Expr, bigint>;
  /** per `for ($kv : @map)` loop: $kv's type and the body's own variables */
  readonly forMaps: ReadonlyMap<ForMapStmt, ForMapInfo>;
  readonly config: ScriptConfig;
  readonly params: readonly string[];
}

export interface CheckOptions {
  /** positional parameters $1…$N, as given after the program */
  readonly params?: readonly string[];
}

export function check(
  ast: Program,
  kernel: KernelInfo,
  options: CheckOptions = {},
): { program?: CheckedProgram; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const config = readConfig(ast.config, diagnostics);
  if (ast.probes.length === 0)
    diagnostics.push(error('the program has no probes', ast.span, ["write at least one, e.g. BEGIN { printf(\"hello\\n\"); exit(); }"]));
  const params = options.params ?? [];
  const probes = ast.probes.map((probe) => ({
    probe,
    attach: probe.attachPoints.flatMap((ap) => resolveAttachPoint(ap, kernel, diagnostics)),
  }));
  const { typeOf, maps, printfs, varTypes, argFields, forMaps, constants } = infer(probes, params, config, diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics };
  return { program: { ast, probes, typeOf, maps, printfs, varTypes, argFields, constants, forMaps, config, params }, diagnostics };
}
