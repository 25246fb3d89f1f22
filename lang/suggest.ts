// "Did you mean": the closest candidate by edit distance, if it is close enough to be a likely typo.

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const slack = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDist = slack + 1;
  for (const c of candidates) {
    // the distance is at least the difference in length: skipping those first keeps a pasted megabyte-long
    // name from costing a quadratic table per candidate (27 s once)
    if (Math.abs(c.length - word.length) > slack || c.length > 4096) continue;
    const d = editDistance(word, c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** Edit distance where swapping two neighbouring letters (a common typo) costs one, like a single edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
