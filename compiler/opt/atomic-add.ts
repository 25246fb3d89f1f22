// In-place adds to a map value as one atomic add (BPF_STX | BPF_ATOMIC, BPF_ADD: any kernel with eBPF):
//   rX = *(u64 *)(rP + off); rX += rY; *(u64 *)(rP + off) = rX    (rX dead after)  →  lock *(u64 *)(rP + off) += rY
//   rX = *(u64 *)(rP + off); rX += K;  *(u64 *)(rP + off) = rX    (rX dead after)  →  rX = K; lock … += rX
// The shape of every count(), sum() and hist/lhist bucket update: one or two instructions fewer. rP must be
// a map value pointer: r0 of the map_lookup_elem just before (only its null check between) or a
// ld_imm64 of a map value, as the verifier refuses atomics on the stack of older kernels, the context and packets.
// The add becomes atomic: a stronger guarantee, for a few cycles more on the (per-CPU, uncontended) cache line.
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_FUNC,
  BPF_K,
  BPF_PSEUDO_MAP_VALUE,
  atomic,
  isLabel,
  mov64Imm,
  type AsmItem,
  type Insn,
  type Reg,
} from '../asm/index.ts';
import { buildCfg } from './cfg.ts';
import { liveRegisters } from './dead.ts';
import type { PassResult } from './fold.ts';
import {
  cls,
  isCond,
  isHelperCall,
  isLdImm64,
  isLoad,
  isStore,
  memSize,
  op,
  isAtomic,
  defMask,
  hasReg,
} from './insn-info.ts';

const insnAt = (items: readonly AsmItem[], i: number): Insn | undefined => {
  const x = items[i];
  return x === undefined || isLabel(x) ? undefined : x;
};

/** Whether `base` holds a map value pointer at item `at`: traced back through straight-line code and null checks. */
function isMapValue(items: readonly AsmItem[], at: number, base: Reg): boolean {
  for (let k = at - 1; k >= 0; k--) {
    const x = insnAt(items, k);
    if (!x) return false; // a label: other paths come in
    if (isCond(x)) continue; // falls through with the same registers
    if (!hasReg(defMask(x), base)) {
      if (isHelperCall(x)) return false; // r1-r5 clobbered; r0 is its result (a def, above)
      continue;
    }
    if (isHelperCall(x)) return base === 0 && x.imm === BPF_FUNC.map_lookup_elem;
    return isLdImm64(x) && x.src === BPF_PSEUDO_MAP_VALUE;
  }
  return false;
}

export function atomicAdds(items: readonly AsmItem[]): PassResult {
  let live: readonly number[] | undefined;
  const out: AsmItem[] = [];
  let changed = false;
  for (let i = 0; i < items.length; i++) {
    const a = insnAt(items, i);
    const b = insnAt(items, i + 1);
    const c = insnAt(items, i + 2);
    if (a && b && c && isLoad(a) && memSize(a) === 8 && isStore(c) && !isAtomic(c) && memSize(c) === 8) {
      const rX = a.dst;
      const base = a.src as Reg;
      const sameSlot = c.dst === base && c.off === a.off && c.src === rX && (c.code & 0x07) === 0x03; // stx
      const add = cls(b) === BPF_ALU64 && op(b) === BPF_ADD && b.dst === rX && b.off === 0;
      const addReg = add && (b.code & 0x08) !== BPF_K ? (b.src as Reg) : undefined;
      if (sameSlot && add && base !== rX && base !== 10 && addReg !== rX && addReg !== base) {
        live ??= liveRegisters(buildCfg(items));
        if (!(live[i + 2]! & (1 << rX)) && isMapValue(items, i, base)) {
          if (addReg !== undefined) out.push({ ...atomic('add', 8, base, addReg, a.off), span: c.span });
          else
            out.push({ ...mov64Imm(rX, b.imm), span: b.span }, { ...atomic('add', 8, base, rX, a.off), span: c.span });
          i += 2;
          changed = true;
          continue;
        }
      }
    }
    out.push(items[i]!);
  }
  return { items: changed ? out : [...items], changed };
}
