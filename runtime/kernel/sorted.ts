// Binary search shared by the symbol tables (kernel and ELF): addresses sorted ascending.

/** Index of the last element ≤ x in an ascending array, or -1 when every element is greater. */
export function lastAtOrBelow<T extends number | bigint>(sorted: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = sorted.length - 1;
  if (hi < 0 || x < sorted[0]!) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
