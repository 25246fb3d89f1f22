// A context field read after helper calls, from a copy of the context pointer kept in a callee-saved register,
// is read once at the entry instead, into that register:
//   rS = r1 (the program's first instruction); … rX = *(size *)(rS + off) …   (every use of rS that same load)
//   →  rS = *(size *)(r1 + off); … rX = rS …
// One instruction fewer where the field is read once (the copy then usually folds into its use), more where it
// is read again. The context is read-only and valid for the whole run, so reading the field early reads the same
// value; the load moves to the entry, where r1 is the context for every program type. Only in a program with no
// subprograms (a callback is a function with its own r1 and registers) and where rS has no other definition.
import {
  BPF_ALU64,
  BPF_MOV,
  BPF_PSEUDO_FUNC,
  BPF_X,
  isLabel,
  mov64Reg,
  type AsmItem,
  type Insn,
} from '../asm/index.ts';
import type { PassResult } from './fold.ts';
import { isLdImm64, isLoad, isPseudoCall, defMask, useMask, hasReg } from './insn-info.ts';

const isCopy = (i: Insn): boolean => i.code === (BPF_ALU64 | BPF_MOV | BPF_X) && i.off === 0;

export function hoistContextLoads(items: readonly AsmItem[]): PassResult {
  const first = items[0];
  const unchanged = { items: [...items], changed: false };
  if (!first || isLabel(first) || !isCopy(first) || first.src !== 1 || first.dst < 6 || first.dst > 9) return unchanged;
  const rS = first.dst;
  let load: Insn | undefined;
  const at: number[] = [];
  for (let i = 1; i < items.length; i++) {
    const x = items[i]!;
    if (isLabel(x)) continue;
    if (isPseudoCall(x) || (isLdImm64(x) && x.src === BPF_PSEUDO_FUNC)) return unchanged;
    if (hasReg(defMask(x), rS)) return unchanged;
    if (!hasReg(useMask(x), rS)) continue;
    if (!isLoad(x) || x.src !== rS || x.dst === rS) return unchanged;
    if (load && (load.code !== x.code || load.off !== x.off)) return unchanged;
    load ??= x;
    at.push(i);
  }
  if (!load) return unchanged;
  const out = [...items];
  out[0] = { ...load, dst: rS, src: 1, span: first.span };
  for (const i of at) {
    const x = items[i] as Insn;
    out[i] = { ...mov64Reg(x.dst, rS), span: x.span };
  }
  return { items: out, changed: true };
}
