// Drops instructions no path reaches (code after exit() or after a `goto` past an else), and labels nothing jumps
// to: the verifier rejects unreachable instructions, and generating around them at every site would scatter the
// concern.
import { BPF_EXIT, BPF_JA, BPF_JMP, CLASS_MASK, OP_MASK, isLabel, type AsmItem, type Insn } from '../asm/index.ts';

export function pruneUnreachable(items: readonly AsmItem[]): AsmItem[] {
  const labelAt = new Map<string, number>();
  items.forEach((it, i) => isLabel(it) && labelAt.set(it.label, i));
  const reached = new Uint8Array(items.length);
  const work = [0];
  while (work.length) {
    let i = work.pop()!;
    while (i < items.length && !reached[i]) {
      reached[i] = 1;
      const it = items[i]!;
      if (!isLabel(it)) {
        const { cls, op } = classify(it);
        if (it.callTo !== undefined) work.push(labelIndex(labelAt, it.callTo));
        if (it.funcTo !== undefined) work.push(labelIndex(labelAt, it.funcTo)); // a callback runs from a helper
        if (it.jumpTo !== undefined) {
          work.push(labelIndex(labelAt, it.jumpTo));
          if (cls === BPF_JMP && op === BPF_JA) break; // unconditional: no fall-through
        } else if (cls === BPF_JMP && op === BPF_EXIT) break;
      }
      i++;
    }
  }
  // labels no reached instruction names go too: they encode to nothing, but left for the optimizer to drop they
  // would cost it a round of its analyses (run cold at start-up)
  const named = new Set<string>();
  items.forEach((it, i) => {
    if (isLabel(it) || !reached[i]) return;
    if (it.jumpTo !== undefined) named.add(it.jumpTo);
    if (it.callTo !== undefined) named.add(it.callTo);
    if (it.funcTo !== undefined) named.add(it.funcTo);
  });
  return items.filter((it, i) => (isLabel(it) ? named.has(it.label) : reached[i]));
}

function labelIndex(labelAt: ReadonlyMap<string, number>, name: string): number {
  const i = labelAt.get(name);
  if (i === undefined) throw new Error(`jump to unknown label ${name}`);
  return i;
}

function classify(insn: Insn): { cls: number; op: number } {
  return { cls: insn.code & CLASS_MASK, op: insn.code & OP_MASK };
}
