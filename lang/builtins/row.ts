// What one builtin is to the language: its name, what it means, its signature, where it is valid, and the
// hook that checks a use of it. The rows live in one file per family (context, time, strings, …); index.ts
// puts them in one table, BUILTINS, which the checker and the code generator look names up in.
import type { CallExpr, Expr, IdentExpr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import type { ProviderName } from '../providers.ts';
import type { MapValue, Type } from '../types.ts';

type BuiltinFamily =
  | 'aggregations'
  | 'maps'
  | 'control'
  | 'printf'
  | 'time'
  | 'strings'
  | 'stacks'
  | 'data'
  | 'context'
  | 'params'
  | 'meta';

/** A builtin used as a variable: `pid`, `kstack`. */
export interface VariableSpec {
  readonly type: Type;
  /** Providers where the value means something; undefined = everywhere. */
  readonly only?: readonly ProviderName[];
  /** Its type in the probe being checked when that is not simply `type`; runs after the provider check passed. */
  check?(ctx: CheckContext, e: IdentExpr, type: Type): Type;
  /**
   * Its type as a map key when that is not its own (`type`: what the check gave it): `probe` keys by the attach
   * point's index in `probeNames` (every attach point of the program), not by the name.
   */
  asKey?(type: Type, probeNames: readonly string[]): Type;
}

interface Arity {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly signature: string;
}

/** A builtin called as a function: `str(p)`. The checker has checked the argument count; the hook does the rest. */
export interface CallSpec extends Arity {
  readonly aggregation: false;
  /**
   * what the call does, scry does when its record arrives (prints, clears a map, ends the run): nothing does it
   * in a pinned iterator, which runs when its file is read, after scry has exited
   */
  readonly actsInScry?: true;
  /** called for what it does, its value (delete's whether there was an entry) often left unused: no warning then */
  readonly discardable?: true;
  check(ctx: CheckContext, c: CallExpr): Type;
}

/** An aggregation, assigned straight to a map (`@m[k] = count()`): its hook says what the map holds. */
export interface AggregationSpec extends Arity {
  readonly aggregation: true;
  value(ctx: CheckContext, c: CallExpr): MapValue;
}

export type FunctionSpec = CallSpec | AggregationSpec;

export interface BuiltinRow {
  readonly name: string;
  readonly family: BuiltinFamily;
  /** what it is, in a few words (completion, and the hint when it is used where it means nothing) */
  readonly doc: string;
  /** present when the name is a builtin variable */
  readonly variable?: VariableSpec;
  /** present when the name is a builtin function (kstack and ustack are both) */
  readonly function?: FunctionSpec;
  /** the clock its value is a timestamp of, when it is one (nsecs(tai): 'tai'; strftime() reads it) */
  readonly timestampClock?: (e: Expr) => string;
}
