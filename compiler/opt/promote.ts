// Stack slots kept in registers: the values an 8-byte slot holds, each a web of direct `*(u64 *)(r10 + off)`
// stores and the loads they reach, move to a callee-saved register (r6–r9) nothing else in the program uses, so
// the stores become moves and the reloads copies that survive helper calls. The generator reuses a slot for
// unrelated temporaries (a spill across a call, then a map value a helper reads), so a web is promoted on its
// own: when no helper, pointer or other-sized access reads what its stores wrote, and its loads read only its
// stores (written on every path before: the verifier rejects reading a register never written). Only in
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
import { callStackBytes, escapedBytes, stackBytes } from './dead.ts';
import { defs, isAtomic, isCall, isLoad, isStore, memSize, uses } from './insn-info.ts';
import { analyzeValues, stackAddr, type State } from './values.ts';
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

/** What an item does to the stack other than by a direct 8-byte access: bytes it may read, bytes it may write. */
interface Foreign {
  readonly reads: bigint;
  readonly writes: bigint;
}

function foreignAccess(it: Insn, s: State, sizes: MapSizes | undefined): Foreign | undefined {
  if (direct(it) !== undefined) return undefined;
  if (isCall(it)) {
    const b = callStackBytes(it, s, sizes);
    return b ? { reads: b, writes: b } : undefined;
  }
  if (!(isLoad(it) || isStore(it) || isAtomic(it))) return undefined;
  const at = stackAddr(s, isLoad(it) ? it.src : it.dst, it.off);
  if (at === undefined) return undefined; // not the frame (a pointer that may be is 'all' in escapedBytes)
  const b = stackBytes(at, memSize(it));
  return { reads: isStore(it) ? 0n : b, writes: isLoad(it) ? 0n : b };
}

interface Web {
  readonly off: number;
  /** item indices of its direct stores and loads */
  readonly members: number[];
}

/**
 * The webs of slot `off` that can live in a register: a forward pass of which direct stores may have written
 * the slot's bytes last (bit 0: none on some path; bit 1: something else), then stores and loads joined by
 * the loads' reaching stores.
 */
function webs(cfg: Cfg, off: number, foreign: readonly (Foreign | undefined)[]): Web[] {
  const items = cfg.items;
  const mine = stackBytes(off, 8);
  const stores: number[] = [];
  const bit = new Map<number, bigint>();
  items.forEach((it, i) => {
    if (!isLabel(it) && it.code !== LDX_DW && direct(it) === off) {
      bit.set(i, 1n << BigInt(2 + stores.length));
      stores.push(i);
    }
  });
  const reach = forward<bigint>(cfg, { entry: () => 1n, meet: (a, b) => a | b, equal: (a, b) => a === b }, (i, s) => {
    const b = bit.get(i);
    if (b !== undefined) return b;
    const f = foreign[i];
    if (f && f.writes & mine) return 2n;
    const it = items[i]!;
    // a direct access at an overlapping offset is another slot's: a write here
    if (!isLabel(it) && it.code !== LDX_DW && direct(it) !== undefined && stackBytes(direct(it)!, 8) & mine) return 2n;
    return s;
  });
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: number, b: number) => parent.set(find(a), find(b));
  for (const i of stores) parent.set(i, i);
  const bad = new Set<number>();
  const storesIn = (s: bigint): number[] => stores.filter((_, k) => (s >> BigInt(2 + k)) & 1n);
  items.forEach((it, i) => {
    const s = reach[i];
    if (isLabel(it) || s === undefined) return;
    const f = foreign[i];
    const otherRead =
      (f !== undefined && (f.reads & mine) !== 0n) ||
      (it.code === LDX_DW &&
        direct(it) !== undefined &&
        direct(it) !== off &&
        (stackBytes(direct(it)!, 8) & mine) !== 0n);
    if (otherRead) for (const st of storesIn(s)) bad.add(st);
    if (it.code === LDX_DW && direct(it) === off) {
      parent.set(i, i);
      if (s & 3n) bad.add(i);
      for (const st of storesIn(s)) union(i, st);
    }
  });
  const byRoot = new Map<number, number[]>();
  for (const i of parent.keys()) {
    const r = find(i);
    if (!byRoot.has(r)) byRoot.set(r, []);
    byRoot.get(r)!.push(i);
  }
  return [...byRoot.values()]
    .filter((m) => m.some((i) => (items[i] as Insn).code === LDX_DW) && !m.some((i) => bad.has(i)))
    .map((members) => ({ off, members }));
}

export function promoteSlots(items: readonly AsmItem[], sizes?: MapSizes): PassResult {
  if (items.some((it) => !isLabel(it) && (it.callTo !== undefined || it.funcTo !== undefined)))
    return { items: [...items], changed: false };
  const used = usedRegisters(items);
  const free = ([6, 7, 8, 9] as Reg[]).filter((r) => !used.has(r));
  if (!free.length) return { items: [...items], changed: false };
  const cfg = buildCfg(items);
  const facts = analyzeValues(cfg);
  if (escapedBytes(cfg, facts, sizes) === 'all') return { items: [...items], changed: false };
  const foreign = items.map((it, i) =>
    isLabel(it) || facts.before[i] === undefined ? undefined : foreignAccess(it, facts.before[i]!, sizes),
  );
  const offsets = new Set<number>();
  for (const it of items) {
    const off = isLabel(it) || it.code !== LDX_DW ? undefined : direct(it);
    if (off !== undefined && off % 8 === 0 && off < 0 && off >= -512) offsets.add(off);
  }
  const chosen = [...offsets]
    .flatMap((off) => webs(cfg, off, foreign))
    .sort((a, b) => b.members.length - a.members.length || a.members[0]! - b.members[0]!)
    .slice(0, free.length);
  if (!chosen.length) return { items: [...items], changed: false };
  const reg = new Map<number, Reg>();
  chosen.forEach((w, k) => w.members.forEach((i) => reg.set(i, free[k]!)));
  const out = items.map((it, i) => {
    const r = reg.get(i);
    if (isLabel(it) || r === undefined) return it;
    const keep = (n: Insn): Insn => (it.span ? { ...n, span: it.span } : n);
    if (it.code === LDX_DW) return keep(mov64Reg(it.dst, r));
    if (it.code === STX_DW) return keep(mov64Reg(r, it.src as Reg));
    return keep(mov64Imm(r, it.imm));
  });
  return { items: out, changed: true };
}
