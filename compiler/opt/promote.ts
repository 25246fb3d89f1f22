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
import { isAtomic, isCall, isLoad, isStore, memSize, hasSubprograms, unusedCalleeSaved } from './insn-info.ts';
import { analyzeValues, stackAddr, type State } from './values.ts';
import type { PassResult } from './fold.ts';
import type { MapSizes } from './dead.ts';

const LDX_DW = BPF_LDX | BPF_MEM | BPF_DW;
const STX_DW = BPF_STX | BPF_MEM | BPF_DW;
const ST_DW = BPF_ST | BPF_MEM | BPF_DW;

/** Registers the program names anywhere (in a register field that is one). */
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
  const overlaps = (at: number) => at < off + 8 && off < at + 8; // an 8-byte access at `at` and the slot
  // what each item does to the slot: k >= 0, the slot's k-th direct store; OTHER, some other write; KEEP, none
  const KEEP = -1;
  const OTHER = -2;
  const stores: number[] = [];
  const effect = new Int32Array(items.length).fill(KEEP);
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const at = isLabel(it) || it.code === LDX_DW ? undefined : direct(it);
    if (at === off) effect[i] = stores.push(i) - 1;
    else if ((at !== undefined && overlaps(at)) || (foreign[i] !== undefined && (foreign[i]!.writes & mine) !== 0n))
      effect[i] = OTHER; // a direct access at an overlapping offset is another slot's: a write here
  }
  // which stores may have written the slot last: bit 0 none on some path, bit 1 something else, bit 2 + k store k.
  // Numbers while they hold every store (BigInt operations allocate, and this runs cold at every start).
  const small = stores.length <= 29;
  const one = (bit: number): number | bigint => (small ? 1 << bit : 1n << BigInt(bit));
  const after = (i: number, s: number | bigint) =>
    effect[i] === KEEP ? s : one(effect[i] === OTHER ? 1 : 2 + effect[i]!);
  const reach: (number | bigint | undefined)[] = small
    ? forward<number>(
        cfg,
        { entry: () => 1, meet: (a, b) => a | b, equal: (a, b) => a === b },
        (i, s) => after(i, s) as number,
      )
    : forward<bigint>(
        cfg,
        { entry: () => 1n, meet: (a, b) => a | b, equal: (a, b) => a === b },
        (i, s) => after(i, s) as bigint,
      );
  const has = (s: number | bigint, bit: number): boolean =>
    typeof s === 'number' ? (s & (1 << bit)) !== 0 : ((s >> BigInt(bit)) & 1n) !== 0n;
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: number, b: number) => parent.set(find(a), find(b));
  for (let k = 0; k < stores.length; k++) parent.set(stores[k]!, stores[k]!);
  const bad = new Set<number>();
  items.forEach((it, i) => {
    const s = reach[i];
    if (isLabel(it) || s === undefined) return;
    const f = foreign[i];
    const at = it.code === LDX_DW ? direct(it) : undefined;
    const otherRead = (f !== undefined && (f.reads & mine) !== 0n) || (at !== undefined && at !== off && overlaps(at));
    if (otherRead) for (let k = 0; k < stores.length; k++) if (has(s, 2 + k)) bad.add(stores[k]!);
    if (at === off) {
      parent.set(i, i);
      if (has(s, 0) || has(s, 1)) bad.add(i);
      for (let k = 0; k < stores.length; k++) if (has(s, 2 + k)) union(i, stores[k]!);
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
  if (hasSubprograms(items)) return { items: [...items], changed: false };
  const free = unusedCalleeSaved(items);
  if (!free.length) return { items: [...items], changed: false };
  const cfg = buildCfg(items);
  const facts = analyzeValues(cfg);
  if (escapedBytes(cfg, facts, sizes) === 'all') return { items: [...items], changed: false };
  const foreign = items.map((it, i) =>
    isLabel(it) || facts.before[i] === undefined ? undefined : foreignAccess(it, facts.before[i]!, sizes),
  );
  const offsets = new Set<number>();
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!;
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
