// Stack slots kept in registers: an 8-byte slot that only direct `*(u64 *)(r10 + off)` loads and stores touch —
// no helper, subprogram or pointer can reach it — moves to a callee-saved register (r6–r9) nothing else in the
// program uses, so its stores become moves and its reloads copies that survive helper calls. Only slots written
// on every path before they are read (the verifier rejects reading a register never written), and only in
// programs without subprograms (each would have its own frame and registers).
import {
  BPF_DW,
  BPF_LDX,
  BPF_MEM,
  BPF_ST,
  BPF_STX,
  isLabel,
  mov64Imm,
  mov64Reg,
  type AsmItem,
  type Insn,
  type Reg,
} from '../asm/index.ts';
import { buildCfg, forward, type Cfg } from './cfg.ts';
import { escapedBytes } from './dead.ts';
import { defs, isAtomic, isLoad, isStore, memSize, uses } from './insn-info.ts';
import { analyzeValues } from './values.ts';
import type { PassResult } from './fold.ts';
import type { MapSizes } from './dead.ts';

const LDX_DW = BPF_LDX | BPF_MEM | BPF_DW;
const STX_DW = BPF_STX | BPF_MEM | BPF_DW;
const ST_DW = BPF_ST | BPF_MEM | BPF_DW;

/** Registers the program names anywhere (in a register field that is one). */
function usedRegisters(items: readonly AsmItem[]): Set<number> {
  const used = new Set<number>();
  for (const it of items) if (!isLabel(it)) for (const r of [...defs(it), ...uses(it)]) used.add(r);
  return used;
}

function direct(i: Insn): number | undefined {
  if (i.code === LDX_DW && i.src === 10) return i.off;
  if ((i.code === STX_DW || i.code === ST_DW) && i.dst === 10) return i.off;
  return undefined;
}

/** Whether every load of the slot is preceded, on every path, by a store to it. */
function writtenBeforeRead(cfg: Cfg, off: number): boolean {
  const before = forward(cfg, { entry: () => false, meet: (a, b) => a && b, equal: (a, b) => a === b }, (i, s) => {
    const it = cfg.items[i]!;
    return s || (!isLabel(it) && (it.code === STX_DW || it.code === ST_DW) && it.dst === 10 && it.off === off);
  });
  return cfg.items.every(
    (it, i) => isLabel(it) || !(it.code === LDX_DW && it.src === 10 && it.off === off) || before[i] !== false,
  );
}

export function promoteSlots(items: readonly AsmItem[], sizes?: MapSizes): PassResult {
  if (items.some((it) => !isLabel(it) && (it.callTo !== undefined || it.funcTo !== undefined)))
    return { items: [...items], changed: false };
  const used = usedRegisters(items);
  const free = ([6, 7, 8, 9] as Reg[]).filter((r) => !used.has(r));
  if (!free.length) return { items: [...items], changed: false };
  const cfg = buildCfg(items);
  const facts = analyzeValues(cfg);
  const escaped = escapedBytes(cfg, facts, sizes);
  if (escaped === 'all') return { items: [...items], changed: false };
  // candidate slots: every access to their bytes is a direct 8-byte access at exactly their offset
  const count = new Map<number, number>();
  const bad = new Set<number>();
  items.forEach((it, i) => {
    if (isLabel(it) || !(isLoad(it) || isStore(it) || isAtomic(it))) return;
    const off = direct(it);
    if (off !== undefined) count.set(off, (count.get(off) ?? 0) + 1);
    else {
      const s = facts.before[i];
      const base = isLoad(it) ? it.src : it.dst;
      const v = s?.regs[base];
      const at = base === 10 ? it.off : v?.k === 's' ? v.off + it.off : undefined;
      if (at !== undefined) for (let b = at - 7; b < at + memSize(it); b++) bad.add(b);
    }
  });
  const slots = [...count.entries()]
    .filter(
      ([off]) =>
        off % 8 === 0 &&
        off < 0 &&
        !bad.has(off) &&
        !overlaps(escaped, off) &&
        ![...count.keys()].some((o) => o !== off && Math.abs(o - off) < 8),
    )
    .filter(([off]) => writtenBeforeRead(cfg, off))
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, free.length);
  if (!slots.length) return { items: [...items], changed: false };
  const reg = new Map(slots.map(([off], k) => [off, free[k]!]));
  const out = items.map((it) => {
    if (isLabel(it)) return it;
    const off = direct(it);
    const r = off === undefined ? undefined : reg.get(off);
    if (r === undefined) return it;
    const keep = (n: Insn): Insn => (it.span ? { ...n, span: it.span } : n);
    if (it.code === LDX_DW) return keep(mov64Reg(it.dst, r));
    if (it.code === STX_DW) return keep(mov64Reg(r, it.src as Reg));
    return keep(mov64Imm(r, it.imm));
  });
  return { items: out, changed: true };
}

function overlaps(escaped: bigint, off: number): boolean {
  const lo = off + 512;
  return lo < 0 ? true : ((escaped >> BigInt(lo)) & 0xffn) !== 0n;
}
