// The code side of a builtin: how a builtin variable or function becomes BPF instructions. Each family file
// in this folder holds the rows of its builtins, keyed by the names of lang's builtin table; expr.ts and
// stmt.ts look a builtin up here by name and call its hook.
import type { CallExpr, IdentExpr, MapExpr } from '../../../lang/index.ts';
import type { Gen } from '../context.ts';

/** How a builtin's value is produced where it is used: as an integer in r0, or written to a stack slot. */
interface ValueHooks<X> {
  /** computes the value, an integer (or a number user space turns into text), into r0 */
  readonly int?: (g: Gen, x: X) => void;
  /** writes a wider value (string, buffer) at r10+off, at most `size` bytes; the slot is already zeroed */
  readonly into?: (g: Gen, x: X, off: number, size: number) => void;
  /** `into` writes every byte of its `size` itself (a stack: the helper zeroes what it does not fill): no zeroing first */
  readonly writesAll?: boolean;
  /** writes an integer's 8 bytes at r10+off itself, where that takes fewer instructions than r0 and a store */
  readonly intInto?: (g: Gen, x: X, off: number) => void;
}

interface CallHooks extends ValueHooks<CallExpr> {
  /** the call as a statement (its value, if it has one, is dropped) */
  readonly stmt?: (g: Gen, c: CallExpr) => void;
  /** `@m[k] = f(…)` for an aggregation: the call updates the map's entry itself */
  readonly aggregate?: (g: Gen, target: MapExpr, c: CallExpr) => void;
}

/** One builtin's code: as a variable (`pid`), as a function (`str(p)`), or both (`kstack`, `kstack(5)`). */
export interface BuiltinEmit {
  readonly variable?: ValueHooks<IdentExpr>;
  readonly call?: CallHooks;
}

export type EmitRows = Readonly<Record<string, BuiltinEmit>>;
