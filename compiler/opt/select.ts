// A branch that picks one of two moves into a register (a ternary's shape) becomes one move, the branch, and the
// other move:
//   if C goto L1; rX = A; goto L2; L1: rX = B; L2:   →   rX = B; if C goto L2; rX = A; L2:
// (L1 reached from that branch only; C and A do not read rX, B does not read rX): one instruction fewer. When L2
// has no other way in and is followed by `rD = rX` with rX dead after it, both moves write rD instead and the
// copy goes: two more fewer.
import { BPF_ALU64, BPF_MOV, BPF_X, isLabel, type AsmItem, type Insn, type Reg } from '../asm/index.ts';
import { buildCfg } from './cfg.ts';
import { liveRegisters } from './dead.ts';
import type { PassResult } from './fold.ts';
import { isCond, isJa, useMask, hasReg } from './insn-info.ts';

const isMove = (i: AsmItem | undefined): i is Insn =>
  i !== undefined && !isLabel(i) && (i.code & ~BPF_X) === (BPF_ALU64 | BPF_MOV) && i.off === 0;
const readsReg = (m: Insn, r: Reg): boolean => (m.code & BPF_X) !== 0 && m.src === r;
const labelOf = (i: AsmItem | undefined): string | undefined => (i !== undefined && isLabel(i) ? i.label : undefined);

export function selects(items: readonly AsmItem[]): PassResult {
  const refs = new Map<string, number>();
  for (const x of items) if (!isLabel(x) && x.jumpTo !== undefined) refs.set(x.jumpTo, (refs.get(x.jumpTo) ?? 0) + 1);
  let live: readonly number[] | undefined;
  const out: AsmItem[] = [];
  let changed = false;
  for (let i = 0; i < items.length; i++) {
    const c = items[i]!;
    const a = items[i + 1];
    const j = items[i + 2];
    const l1 = labelOf(items[i + 3]);
    const b = items[i + 4];
    const l2 = labelOf(items[i + 5]);
    if (
      isLabel(c) ||
      !isCond(c) ||
      c.jumpTo !== l1 ||
      refs.get(l1!) !== 1 ||
      !isMove(a) ||
      !isMove(b) ||
      j === undefined ||
      isLabel(j) ||
      !isJa(j) ||
      j.jumpTo !== l2 ||
      l2 === undefined ||
      a.dst !== b.dst
    ) {
      out.push(c);
      continue;
    }
    const rX = a.dst;
    if (hasReg(useMask(c), rX) || readsReg(a, rX) || readsReg(b, rX)) {
      out.push(c);
      continue;
    }
    // the copy after the join: both moves write its destination instead
    let dst: Reg = rX;
    let skip = 6;
    const copy = items[i + 6];
    if (refs.get(l2) === 1 && isMove(copy) && readsReg(copy, rX) && copy.dst !== rX) {
      live ??= liveRegisters(buildCfg(items));
      const rD = copy.dst;
      if (!(live[i + 6]! & (1 << rX)) && !hasReg(useMask(c), rD) && !readsReg(a, rD) && !readsReg(b, rD)) {
        dst = rD;
        skip = 7;
      }
    }
    out.push({ ...b, dst }, { ...c, jumpTo: l2 }, { ...a, dst }, items[i + 5]!);
    i += skip - 1;
    changed = true;
  }
  return { items: changed ? out : [...items], changed };
}
