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
  | { readonly kind: 'none' }
  /** buf()'s bytes: text `\x..` escapes (as %r), JSON an array of signed bytes (bpftrace v0.26) */
  | { readonly kind: 'buffer'; readonly bytes: Uint8Array };

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
  if (x.kind === 'buffer' && y.kind === 'buffer') return Buffer.from(x.bytes).equals(y.bytes);
  return x.kind === y.kind;
}

/** One interval of a tseries entry: its epoch (time / interval) and value. */
export interface TseriesPoint {
  readonly epoch: bigint;
  readonly value: bigint;
}

/** One entry of a map as read: its keys and what the printers show of its value. */
export interface MapEntry {
  readonly keys: readonly Value[];
  /**
   * The number the entry sorts by: the value of count/sum/min/max and integer maps, the (truncated) average
   * of avg and stats, the total count of a histogram; 0 for strings and tuples.
   */
  readonly value: bigint;
  /** string and tuple values, whole */
  readonly data?: Value;
  /** avg and stats */
  readonly stats?: { readonly count: bigint; readonly total: bigint };
  /** hist and lhist: the count of every bucket index (see compiler/layout.ts bucketCount) */
  readonly buckets?: readonly bigint[];
  /** tseries: its intervals, oldest first (`value` is the latest epoch; see tseries.ts) */
  readonly series?: readonly TseriesPoint[];
}
