// A map value's address kept in a callee-saved register rather than loaded again after a helper call: where a
// ld_imm64 of map M's value (two slots) is reached, on every path, while an earlier one's address could still be
// in a register, one `rF = rX` after the earlier load (one slot) lets the later load go, its uses taking rF with
// the offset difference. The shape of an event sent from the lost map (its record) whose failure then counts in
// the same map (the lost counter): rF carries the address across bpf_ringbuf_output.
import { BPF_PSEUDO_MAP_VALUE, isLabel, mov64Reg, type AsmItem, type Insn, type Reg } from '../asm/index.ts';
import { buildCfg } from './cfg.ts';
import { liveRegisters } from './dead.ts';
import {
  cls,
  isAtomic,
  isJmpClass,
  isLdImm64,
  isLoad,
  isStore,
  defMask,
  useMask,
  hasReg,
  hasSubprograms,
  unusedCalleeSaved,
} from './insn-info.ts';
import { analyzeValues } from './values.ts';
import type { PassResult } from './fold.ts';

const isMapValue = (it: AsmItem | undefined): it is Insn & { mapRef: NonNullable<Insn['mapRef']> } =>
  it !== undefined && !isLabel(it) && isLdImm64(it) && it.src === BPF_PSEUDO_MAP_VALUE && it.mapRef !== undefined;

/** Whether `it` uses `r` only as the base address of a memory access (and does not write it). */
function onlyBase(it: Insn, r: Reg): boolean {
  if (hasReg(defMask(it), r)) return false;
  if (isLoad(it)) return it.src === r && it.dst !== r;
  if (isStore(it) || isAtomic(it)) return it.dst === r && !(cls(it) === 3 && it.src === r);
  return false;
}

/**
 * The items after the load at j that read its register rY, rewritten to read rF at offset + delta; undefined
 * when one reads rY some other way, or the reads do not end (rY dead) before a label or jump.
 */
function rebased(items: readonly AsmItem[], j: number, rF: Reg, delta: number, live: readonly number[]) {
  const rY = (items[j] as Insn).dst;
  const out: [number, Insn][] = [];
  for (let k = j + 1; k < items.length; k++) {
    if (!(live[k - 1]! & (1 << rY))) return out; // rY is dead before item k
    const it = items[k]!;
    if (isLabel(it) || isJmpClass(it)) return undefined;
    if (!hasReg(useMask(it), rY)) {
      if (hasReg(defMask(it), rY)) return out;
      continue;
    }
    if (!onlyBase(it, rY)) return undefined;
    const off = it.off + delta;
    if (off < -32768 || off > 32767) return undefined;
    out.push([k, { ...it, [isLoad(it) ? 'src' : 'dst']: rF, off }]);
  }
  return undefined;
}

export function reuseMapValues(items: readonly AsmItem[]): PassResult {
  const unchanged = { items: [...items], changed: false };
  if (hasSubprograms(items)) return unchanged;
  const rF = unusedCalleeSaved(items)[0];
  if (rF === undefined) return unchanged;
  for (let i = 0; i < items.length; i++) {
    const first = items[i];
    if (!isMapValue(first)) continue;
    // the trial below costs an analysis of the whole program: only where a later load of this map's value exists
    if (!items.some((later, j) => j > i && isMapValue(later) && later.mapRef.map === first.mapRef.map)) continue;
    // try rF = rX after this load; keep it if a later load of the same map's value can then go
    const trial = [...items.slice(0, i + 1), mov64Reg(rF, first.dst), ...items.slice(i + 1)];
    const cfg = buildCfg(trial);
    const facts = analyzeValues(cfg);
    const live = liveRegisters(cfg);
    const drop = new Set<number>();
    const rewrite = new Map<number, Insn>();
    for (let j = i + 2; j < trial.length; j++) {
      const later = trial[j];
      if (!isMapValue(later) || later.mapRef.map !== first.mapRef.map) continue;
      const v = facts.before[j]?.regs[rF];
      if (v?.k !== 'm' || v.kind !== 'value' || v.map !== first.mapRef.map) continue;
      const r = rebased(trial, j, rF, later.mapRef.offset - v.offset, live);
      if (!r) continue;
      drop.add(j);
      for (const [k, it] of r) rewrite.set(k, it);
    }
    if (!drop.size) continue;
    return { items: trial.map((it, k) => rewrite.get(k) ?? it).filter((_, k) => !drop.has(k)), changed: true };
  }
  return unchanged;
}
