// Dead-code and dead-store removal from two backward liveness analyses: registers (an instruction whose only
// effect is a register nothing reads before it is written again goes) and stack bytes (a store to the frame
// that nothing reads before the frame ends or the bytes are overwritten goes). What reads stack bytes: loads
// from them, and helpers or subprograms given a pointer to them; a helper whose extent is not known here reads
// from its pointer to the top of the frame, and a pointer that may point anywhere in the stack reads it all.
import { isLabel, type AsmItem, type Insn } from '../asm/index.ts';
import { backward, buildCfg, memoOn, type Cfg } from './cfg.ts';
import {
  isAtomic,
  isCall,
  isExit,
  isHelperCall,
  isLoad,
  isPure,
  isStore,
  memSize,
  defMask,
  useMask,
} from './insn-info.ts';
import {
  WRITE_HELPERS,
  analyzeValues,
  helperWrites,
  mayPointToStack,
  stackAddr,
  type State,
  type ValueFacts,
} from './values.ts';
import type { PassResult } from './fold.ts';

export interface MapSizes {
  /** key and value size of a map, by the name its ld_imm64 carries */
  (map: string): { key: number; value: number } | undefined;
}

/** Registers live after each item (bit r). */
export function liveRegisters(cfg: Cfg): readonly number[] {
  return memoOn(liveness, cfg, solveLiveness);
}
const liveness = new WeakMap<Cfg, readonly number[]>();

function solveLiveness(cfg: Cfg): readonly number[] {
  return backward(
    cfg,
    () => 0,
    (a, b) => a | b,
    (a, b) => a === b,
    (i, after) => {
      const it = cfg.items[i]!;
      if (isLabel(it)) return after;
      return (after & ~defMask(it)) | useMask(it);
    },
  );
}

export function removeDeadCode(items: readonly AsmItem[]): PassResult {
  const cfg = buildCfg(items);
  const live = liveRegisters(cfg);
  const out = items.filter((it, i) => isLabel(it) || !isPure(it) || (defMask(it) & live[i]!) !== 0);
  return { items: out, changed: out.length !== items.length };
}

const FRAME = 512;
const ALL = (1n << BigInt(FRAME)) - 1n;

/** Bits for stack bytes [off, off + size) (off < 0, relative to r10); bytes outside the frame are ignored. */
function bytes(off: number, size: number): bigint {
  const lo = Math.max(off, -FRAME);
  const hi = Math.min(off + size, 0);
  if (hi <= lo) return 0n;
  return ((1n << BigInt(hi - lo)) - 1n) << BigInt(lo + FRAME);
}

/** [ptr, ptr + size) for a helper's pointer argument and its size argument (a register, or a fixed size). */
type Extent = readonly [ptr: number, size: number | 'reg' | 'key' | 'value', sizeReg?: number];
const HELPER_READS: Record<number, readonly Extent[]> = {
  1: [[2, 'key']], // map_lookup_elem(map, key)
  2: [
    [2, 'key'],
    [3, 'value'],
  ], // map_update_elem(map, key, value, flags)
  3: [[2, 'key']], // map_delete_elem(map, key)
  6: [[1, 'reg', 2]], // trace_printk(fmt, size, …)
  25: [[4, 'reg', 5]], // perf_event_output(ctx, map, flags, data, size)
  130: [[2, 'reg', 3]], // ringbuf_output(map, data, size, flags)
  4: [[3, 'reg', 2]], // probe_read(dst, size, src): reads src (writes dst: WRITE_HELPERS)
  16: [], // get_current_comm(buf, size) reads nothing
  158: [], // get_current_task_btf() reads nothing
  112: [[3, 'reg', 2]],
  113: [[3, 'reg', 2]],
  45: [[3, 'reg', 2]],
  114: [[3, 'reg', 2]],
  115: [[3, 'reg', 2]],
};

function stackReads(it: Insn, s: State, spilled: boolean, sizes: MapSizes | undefined): bigint {
  if (isLoad(it) || isAtomic(it)) {
    const base = isLoad(it) ? it.src : it.dst;
    const at = stackAddr(s, base, it.off);
    if (at !== undefined) return bytes(at, memSize(it));
    return mayPointToStack(s, base) ? ALL : 0n;
  }
  if (!isCall(it)) return 0n;
  if (spilled) return ALL; // a pointer stored in memory may reach a helper through its arguments
  let reads = 0n;
  const known = isHelperCall(it) ? HELPER_READS[it.imm] : undefined;
  // only the registers the call takes as arguments: a stack pointer left in r4 by a loop is no argument of
  // get_current_comm(buf, size)
  const args = useMask(it);
  for (let r = 1; r <= 5; r++) {
    if (!mayPointToStack(s, r) || (args & (1 << r)) === 0) continue;
    const v = s.regs[r];
    if (v?.k !== 's') return ALL;
    let size: number | undefined;
    const w = isHelperCall(it) ? WRITE_HELPERS[it.imm] : undefined;
    if (w && w.ptr === r) continue; // the buffer it writes: not read
    const ext = known?.find((e) => e[0] === r);
    if (ext) {
      const m = s.regs[1];
      if (ext[1] === 'reg') {
        const n = s.regs[ext[2]!];
        size = n?.k === 'c' && n.v <= BigInt(FRAME) ? Number(n.v) : undefined;
      } else if (m?.k === 'm' && m.kind === 'fd') size = sizes?.(m.map)?.[ext[1] as 'key' | 'value'];
      else if (typeof ext[1] === 'number') size = ext[1];
    }
    reads |= bytes(v.off, size ?? -v.off);
  }
  return reads;
}

export function removeDeadStores(items: readonly AsmItem[], sizes?: MapSizes, paddedComm = false): PassResult {
  const cfg = buildCfg(items);
  const { before, spilled } = analyzeValues(cfg);
  const liveAfter = backward(
    cfg,
    () => 0n,
    (a, b) => a | b,
    (a, b) => a === b,
    (i, after) => {
      const it = cfg.items[i]!;
      const s = before[i];
      if (isLabel(it) || s === undefined) return after;
      if (isExit(it)) return 0n; // the frame ends
      let live = after;
      if (isStore(it)) {
        const at = stackAddr(s, it.dst, it.off);
        if (at !== undefined) live &= ~bytes(at, memSize(it));
      }
      const w = helperWrites(it, s, paddedComm);
      if (w?.full) live &= ~bytes(w.off, w.size); // overwritten in full
      return live | stackReads(it, s, spilled, sizes);
    },
  );
  const out = items.filter((it, i) => {
    if (isLabel(it) || !isStore(it) || before[i] === undefined) return true;
    const at = stackAddr(before[i]!, it.dst, it.off);
    if (at === undefined || at < -FRAME || at + memSize(it) > 0) return true; // not a frame slot we model
    return (liveAfter[i]! & bytes(at, memSize(it))) !== 0n;
  });
  return { items: out, changed: out.length !== items.length };
}

/** Stack bytes a call may read or write through the pointers it is given (ALL: any of the frame). */
export function callStackBytes(it: Insn, s: State, sizes: MapSizes | undefined): bigint {
  let out = stackReads(it, s, false, sizes);
  const w = isHelperCall(it) ? WRITE_HELPERS[it.imm] : undefined;
  const p = w ? s.regs[w.ptr] : undefined;
  if (w && p?.k === 's') {
    const n = s.regs[w.size];
    out |= bytes(p.off, n?.k === 'c' && n.v <= BigInt(FRAME) ? Number(n.v) : -p.off);
  }
  return out;
}

/** Bits for stack bytes [off, off + size), as the masks above. */
export const stackBytes = bytes;

/**
 * Stack bytes a helper or subprogram may read or write (through the pointers it is given), or 'all' when a
 * pointer that may point anywhere in the frame is used (or stored, so it may be used later).
 */
export function escapedBytes(cfg: Cfg, facts: ValueFacts, sizes: MapSizes | undefined): bigint | 'all' {
  if (facts.spilled) return 'all';
  let out = 0n;
  for (let i = 0; i < cfg.items.length; i++) {
    const it = cfg.items[i]!;
    const s = facts.before[i];
    if (isLabel(it) || s === undefined) continue;
    if (isCall(it)) {
      if (stackReads(it, s, false, sizes) === ALL) return 'all';
      out |= callStackBytes(it, s, sizes);
    } else if (isLoad(it) || isStore(it) || isAtomic(it)) {
      const base = isLoad(it) ? it.src : it.dst;
      if (stackAddr(s, base, it.off) === undefined && mayPointToStack(s, base)) return 'all';
    }
  }
  return out;
}
