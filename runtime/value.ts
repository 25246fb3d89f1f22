// What user space reads out of maps and events, before an output format prints it.

/**
 * A number, a bool (printed `true`/`false`, as bpftrace v0.26 prints its bool type), text, a tuple (an array of
 * values), or a C struct/union/array read with its type.
 */
export type Value = bigint | boolean | string | readonly Value[] | CValue;

/**
 * A struct or union by member (text `{ .m = 2, .n = 3 }`, JSON `{"m": 2, "n": 3}`), an array (`[1,2]` in
 * both), or a member scry cannot show (a float: text `?`, JSON null). Kept whole, so each output prints it.
 */
export type CValue =
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly value: Value }[] }
  | { readonly kind: 'array'; readonly items: readonly Value[] }
  | { readonly kind: 'none' };

/** Whether two values are equal: a value read from a map key against one typed at the REPL. */
export function sameValue(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]!));
  if (typeof a !== 'object' || typeof b !== 'object') return typeof a === typeof b && a === b;
  const [x, y] = [a as CValue, b as CValue];
  if (x.kind === 'struct' && y.kind === 'struct')
    return (
      x.fields.length === y.fields.length &&
      x.fields.every((f, i) => f.name === y.fields[i]!.name && sameValue(f.value, y.fields[i]!.value))
    );
  if (x.kind === 'array' && y.kind === 'array')
    return x.items.length === y.items.length && x.items.every((v, i) => sameValue(v, y.items[i]!));
  return x.kind === y.kind;
}
