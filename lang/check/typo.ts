// "Did you mean" for the checker: lang/suggest.ts's closest(), bounded by length first.
//
// The edit distance between two words is at least the difference of their lengths, and closest() only
// answers within a third of the word's length, so candidates further apart in length can never win. Leaving
// them out first keeps a pasted megabyte-long name from costing a quadratic table per candidate (27 s once).
import { closest as closestAmong } from '../suggest.ts';

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const slack = Math.max(1, Math.floor(word.length / 3));
  const near: string[] = [];
  for (const c of candidates) if (Math.abs(c.length - word.length) <= slack && c.length <= 4096) near.push(c);
  return near.length ? closestAmong(word, near) : undefined;
}
