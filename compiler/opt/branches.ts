// Branch threading and control-flow cleanup: a jump to a jump goes straight to the final target, a jump whose
// landing branch is decided by what is known on the way there skips it, a jump to the next instruction goes,
// `if c goto A; goto B; A:` becomes `if !c goto B; A:`, and code no path reaches and labels nothing names go.
import { NEGATED_JMP_CODE, isLabel, type AsmItem, type Insn } from '../asm/index.ts';
import { buildCfg, type Cfg } from './cfg.ts';
import { foldCond, signExt32 } from './fold-math.ts';
import { isCond, isJa, isReg, op } from './insn-info.ts';
import { analyzeValues, edgeState, type State } from './values.ts';
import type { PassResult } from './fold.ts';

/** Index of the first instruction at or after item i (skipping labels). */
function landing(items: readonly AsmItem[], i: number): number {
  while (i < items.length && isLabel(items[i]!)) i++;
  return i;
}

export function threadBranches(items: readonly AsmItem[]): PassResult {
  const cfg = buildCfg(items);
  const { before } = analyzeValues(cfg);
  const work = [...items];
  const after = new Map<number, string>(); // item index → a fresh label to place after it
  const names = new Set(cfg.labelAt.keys());
  let fresh = 0;
  const labelAfter = (k: number): string => {
    const next = items[k + 1];
    if (next && isLabel(next)) return next.label;
    let name = after.get(k);
    if (!name) {
      do name = `opt_${fresh++}`;
      while (names.has(name));
      names.add(name);
      after.set(k, name);
    }
    return name;
  };
  let changed = false;
  for (let i = 0; i < work.length; i++) {
    const it = work[i]!;
    if (isLabel(it) || it.jumpTo === undefined || !(isJa(it) || isCond(it))) continue;
    const s = before[i];
    let target = it.jumpTo;
    const seen = new Set<string>([target]);
    for (let hop = 0; hop < 16; hop++) {
      const at = landing(items, cfg.labelAt.get(target)!);
      const land = items[at];
      if (!land || isLabel(land)) break;
      let next: string | undefined;
      if (isJa(land) && land.jumpTo !== undefined) next = land.jumpTo;
      else if (isCond(land) && s !== undefined) {
        const decided = decide(land, edgeState(cfg, i, cfg.labelAt.get(it.jumpTo)!, s));
        // only through a branch whose facts hold on every hop: the first one
        if (decided !== undefined && hop === 0) next = decided ? land.jumpTo! : labelAfter(at);
      }
      if (next === undefined || seen.has(next)) break;
      seen.add(next);
      target = next;
      if (!isJa(land)) break;
    }
    if (target !== it.jumpTo) {
      work[i] = { ...it, jumpTo: target };
      changed = true;
    }
  }
  const out: AsmItem[] = [];
  work.forEach((it, k) => {
    out.push(it);
    const name = after.get(k);
    if (name) out.push({ label: name });
  });
  const simple = simplifyJumps(out);
  return { items: simple.items, changed: changed || simple.changed };
}

function decide(cond: Insn, s: State): boolean | undefined {
  const d = s.regs[cond.dst];
  const b = isReg(cond) ? s.regs[cond.src] : undefined;
  const src = isReg(cond) ? (b?.k === 'c' ? b.v : undefined) : signExt32(cond.imm);
  return d?.k === 'c' && src !== undefined ? foldCond(cond, d.v, src) : undefined;
}

/** Jumps to the next instruction go (conditional ones too); a conditional jump over an unconditional one is inverted. */
function simplifyJumps(items: readonly AsmItem[]): PassResult {
  const out: AsmItem[] = [];
  let changed = false;
  const labelsFrom = (k: number): Set<string> => {
    const set = new Set<string>();
    for (; k < items.length && isLabel(items[k]!); k++) set.add((items[k] as { label: string }).label);
    return set;
  };
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (!isLabel(it) && it.jumpTo !== undefined && (isJa(it) || isCond(it)) && labelsFrom(i + 1).has(it.jumpTo)) {
      // to the next instruction, taken or not: it does nothing (the verifier checks what follows once per way
      // in, with the range each way gives the register, so neither way can need the narrowing)
      changed = true;
      continue;
    }
    const next = items[i + 1];
    if (
      !isLabel(it) &&
      isCond(it) &&
      NEGATED_JMP_CODE[op(it)] !== undefined &&
      next &&
      !isLabel(next) &&
      isJa(next) &&
      next.jumpTo !== undefined &&
      labelsFrom(i + 2).has(it.jumpTo!)
    ) {
      out.push({ ...it, code: (it.code & ~0xf0) | NEGATED_JMP_CODE[op(it)]!, jumpTo: next.jumpTo });
      i++;
      changed = true;
      continue;
    }
    out.push(it);
  }
  return { items: out, changed };
}

/** Drops what no path reaches (from the program's and each subprogram's entry) and labels nothing names. */
export function removeUnreachable(items: readonly AsmItem[]): PassResult {
  const cfg: Cfg = buildCfg(items);
  const reached = new Uint8Array(items.length);
  const work = [...cfg.roots];
  while (work.length) {
    const i = work.pop()!;
    if (reached[i]) continue;
    reached[i] = 1;
    const succ = cfg.succ[i]!;
    for (let k = 0; k < succ.length; k++) if (!reached[succ[k]!]) work.push(succ[k]!);
  }
  const named = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (isLabel(it) || !reached[i]) continue;
    if (it.jumpTo !== undefined) named.add(it.jumpTo);
    if (it.callTo !== undefined) named.add(it.callTo);
    if (it.funcTo !== undefined) named.add(it.funcTo);
  }
  const out = items.filter((it, i) => (isLabel(it) ? named.has(it.label) : reached[i]));
  return { items: out, changed: out.length !== items.length };
}
