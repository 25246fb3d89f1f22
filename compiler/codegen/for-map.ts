// for ($kv : @map) { … } with bpf_for_each_map_elem (helper 164, kernel 5.13): the body becomes a static
// BPF-to-BPF function the helper calls once per entry, `long cb(map, key, value, ctx)`, returning 0 to go on
// and 1 to stop. Callbacks are generated after the code that calls them and appended after the main
// program's exit (program.ts), each with its own frame; the verifier wants BTF func_info for them (../btf).
//
// The call site passes a context block on its own stack: [stop flag, program context (r6)]. In the callback:
//   r6  the program context again (read from the block), so builtins that read it work as anywhere else
//   r7  this CPU's scratch area, looked up by the callback itself when it needs one (as a probe does)
//   r8  the context block (a pointer into the caller's frame), for the stop flag
// Variables: `$kv` and whatever the body declares live in the callback's frame, zeroed on every entry.
// Variables from outside are copied in on entry and written back through the block pointer (r8) on every way
// out, so the next entry and the code after the loop see what the body assigned (bpftrace v0.26); those in the
// shared scratch area the callback reads and writes in place. `break` returns 1, `continue` 0;
// `return` and exit() set the stop flag and return 1, and the caller then leaves through its own exit.
//
// Per-CPU maps (count/sum/min/max/avg) hand the callback this CPU's copy of the entry; $kv.1 is instead the
// entry over all CPUs, read for each key as `@m[key]` reads it (maps.ts emitPerCpuValue), so the loop sees the
// numbers print(@m) shows, as in bpftrace v0.26.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  R6,
  R8,
  R9,
  R10,
  alu64Imm,
  alu64Reg,
  call,
  exit,
  jmpImm,
  jmpReg,
  label,
  ldFuncAddr,
  ldMapFd,
  ldx,
  mov64Imm,
  mov64Reg,
  st,
  stx,
  withSpan,
  type AsmItem,
  type Insn,
} from '../asm/index.ts';
import { walk, type Expr, type ForMapStmt, type Stmt, type Type } from '../../lang/index.ts';
import { isPerCpu, packedLayout, slotSize } from '../layout.ts';
import type { MapSpec } from '../program.ts';
import {
  allocOrFail,
  allocValue,
  emitBlock,
  ldSlot,
  scoped,
  stxSlot,
  type Gen,
  type PendingCallback,
} from './context.ts';
import { Emitter, Frame, SCRATCH_BASE } from './emitter.ts';
import { emitPerCpuValue } from './maps.ts';
import { scratchPrologue } from './scratch.ts';
import { zeroStack } from './values.ts';
import { checkHelper } from './helper-errors.ts';

/** bpf_loop refuses more iterations than this (BPF_MAX_LOOPS) */
const MAX_LOOPS = 1 << 23;

/** Block layout in the caller's frame. */
const STOP_FLAG = 0;
const PROGRAM_CTX = 8;
const BLOCK_SIZE = 16;
/** a range loop's block adds its first value a: $i = a + bpf_loop's index */
const RANGE_FROM = 16;
const RANGE_BLOCK_SIZE = 24;

/** The call site: bpf_for_each_map_elem(map, callback, &block, 0), then leave if the body said stop. */
export function emitForMap(g: Gen, s: ForMapStmt): void {
  const spec = g.shared.maps.get(s.map.name);
  if (!spec?.user) throw new Error(`no map spec for ${s.map.name}`);
  scoped(g, () => {
    // On the stack, not in scratch space: the helper takes a stack pointer (or NULL) for its context.
    const block = allocOrFail(g, BLOCK_SIZE, s.span);
    const name = `for_map_cb${g.callbacks.length}`;
    g.callbacks.push({ label: name, stmt: s, caller: g, block, scratchFrom: g.frame.mark().scratchTop });
    g.e.emit(
      st(8, R10, block + STOP_FLAG, 0),
      stx(8, R10, R6, block + PROGRAM_CTX),
      ldMapFd(R1, spec.name),
      ldFuncAddr(R2, name),
      mov64Reg(R3, R10),
      alu64Imm('add', R3, block),
      mov64Imm(R4, 0),
      call(helper.for_each_map_elem),
      ldx(8, R1, R10, block + STOP_FLAG),
      jmpImm('jne', R1, 0, g.exitLabel),
    );
  });
}

/** for ($i : a..b) with bounds known only at run time: bpf_loop (helper 181, kernel 5.15) runs the body b - a times. */
type ForRangeStmt = Extract<Stmt, { kind: 'for-range' }>;

/**
 * A range loop the verifier could not follow step by step (a bound read from a map, say): bpf_loop(n, callback,
 * &block, 0) with n = b - a (no call when b <= a; past bpf_loop's 1 << 23 the kernel refuses it), the callback setting $i = a + index.
 * The body is a callback like a for-map body: every variable it names is the caller's, copied in and back.
 */
export function emitForRangeLoop(g: Gen, s: ForRangeStmt, signed: boolean, emitInt: (x: Expr) => void): void {
  scoped(g, () => {
    const block = allocOrFail(g, RANGE_BLOCK_SIZE, s.span);
    const name = `for_range_cb${g.callbacks.length}`;
    const empty = g.e.freshLabel('range.empty');
    g.callbacks.push({ label: name, stmt: s, caller: g, block, scratchFrom: g.frame.mark().scratchTop });
    emitInt(s.to);
    g.e.emit(stx(8, R10, R0, block + RANGE_FROM)); // b, for now
    emitInt(s.from);
    g.e.emit(
      ldx(8, R1, R10, block + RANGE_FROM),
      stx(8, R10, R0, block + RANGE_FROM),
      jmpReg(signed ? 'jsle' : 'jle', R1, R0, empty),
      alu64Reg('sub', R1, R0),
    );
    // more than bpf_loop's 1 << 23 iterations: the kernel runs none and says E2BIG, which the program reports
    // as bpftrace v0.26 does (scry clamped the count: a silently shorter loop). The count is a u32 there: one
    // past 2^32 would wrap to a small count, so anything above the limit goes as the limit + 1.
    const within = g.e.freshLabel('range.count');
    g.e.emit(jmpImm('jle', R1, MAX_LOOPS, within), mov64Imm(R1, MAX_LOOPS + 1));
    g.e.place(within);
    g.e.emit(
      st(8, R10, block + STOP_FLAG, 0),
      stx(8, R10, R6, block + PROGRAM_CTX),
      ldFuncAddr(R2, name),
      mov64Reg(R3, R10),
      alu64Imm('add', R3, block),
      mov64Imm(R4, 0),
      call(helper.loop),
    );
    checkHelper(g, 'loop', 'other', undefined, true, true);
    g.e.emit(ldx(8, R1, R10, block + STOP_FLAG), jmpImm('jne', R1, 0, g.exitLabel));
    // no call at all for an empty range (the verifier may skip a callback it sees called 0 times, then trips on it)
    g.e.place(empty);
  });
}

/** The callback for one loop, starting with its label; may queue more callbacks (loops in the body). */
export function generateCallback(cb: PendingCallback): AsmItem[] {
  const { caller, stmt } = cb;
  const shared = caller.shared;
  // The verifier adds up the frames of a call chain (each rounded to 32 bytes) against one 512-byte limit.
  const stackAbove = caller.stackAbove + round32(caller.frame.used);
  const e = new Emitter(`${cb.label}.`);
  const g: Gen = {
    shared,
    attach: caller.attach,
    context: caller.context,
    e,
    frame: new Frame(Frame.limit - stackAbove, cb.scratchFrom),
    vars: new Map(),
    exitLabel: e.freshLabel('stop'),
    loops: [],
    callbacks: caller.callbacks,
    records: caller.records,
    pidTgid: { uses: 0, held: false },
    stackAbove,
    functions: caller.functions,
  };
  const next = e.freshLabel('next');
  const stop = e.freshLabel('break');
  const abort = e.freshLabel('abort');
  /** outer variables copied into this frame, written back to the caller's slots (r8 + from) on every way out */
  const copies: { offset: number; from: number; size: number }[] = [];
  const copyBack = (): Insn[] =>
    copies.flatMap(({ offset, from, size }) =>
      Array.from({ length: size / 8 }, (_, k) => [ldSlot(8, R1, offset + 8 * k), stx(8, R8, R1, from + 8 * k)]).flat(),
    );
  const copyIn = (names: Iterable<string>): void => {
    for (const name of names) {
      const src = caller.vars.get(name);
      if (!src || g.vars.has(name)) continue;
      if (src.offset >= SCRATCH_BASE) {
        g.vars.set(name, src); // same CPU, same scratch area: read and write it where it is
        continue;
      }
      const size = slotSize(src.type);
      const offset = allocValue(g, size);
      const from = src.offset - cb.block; // the caller's slot, relative to the block pointer
      for (let i = 0; i < size; i += 8) e.emit(ldx(8, R1, R6, from + i), stxSlot(8, offset + i, R1));
      g.vars.set(name, { offset, type: src.type });
      copies.push({ offset, from, size });
    }
  };
  let entry: AsmItem[];
  if (stmt.kind === 'for-range') {
    // r1, r2 = index, block
    entry = [label(cb.label), ...[mov64Reg(R9, R1), mov64Reg(R6, R2)].map((i) => withSpan(i, stmt.span))];
    e.at(stmt.span, () => {
      const names = new Set([stmt.variable]);
      walk(stmt.body, (n) => {
        if (n.kind === 'var') names.add(n.name);
      });
      copyIn(names);
      const i = g.vars.get(stmt.variable);
      if (!i) throw new Error(`range loop variable ${stmt.variable} without a slot`);
      e.emit(ldx(8, R1, R6, RANGE_FROM), alu64Reg('add', R1, R9), stxSlot(8, i.offset, R1));
      e.emit(mov64Reg(R8, R6), ldx(8, R6, R8, PROGRAM_CTX));
    });
  } else {
    const info = shared.checked.forMaps.get(stmt);
    const spec = shared.maps.get(stmt.map.name);
    if (!info || !spec?.user) throw new Error(`for-map loop over ${stmt.map.name} without checker info or map spec`);
    // r1..r4 = map, key, value, block; keep key and value (r9, r8) and the block (r6) across the scratch lookup.
    entry = [
      label(cb.label),
      ...[mov64Reg(R9, R2), mov64Reg(R8, R3), mov64Reg(R6, R4)].map((i) => withSpan(i, stmt.span)),
    ];
    e.at(stmt.span, () => {
      for (const [name, type] of info.locals) {
        const offset = allocValue(g, slotSize(type));
        if (name !== stmt.variable) zeroStack(g, offset, slotSize(type));
        g.vars.set(name, { offset, type });
      }
      copyEntry(g, stmt, info.kvType, spec);
      copyIn(info.outer);
      e.emit(mov64Reg(R8, R6), ldx(8, R6, R8, PROGRAM_CTX));
    });
  }
  g.loops.push({ breakLabel: stop, continueLabel: next });
  emitBlock(g, stmt.body);
  e.at(stmt.span, () => {
    e.place(next);
    e.emit(...copyBack(), mov64Imm(R0, 0), exit());
    e.place(stop);
    e.emit(...copyBack(), mov64Imm(R0, 1), exit());
    e.place(g.exitLabel);
    e.emit(...copyBack(), st(8, R8, STOP_FLAG, 1), mov64Imm(R0, 1), exit());
    // no scratch area: stop before anything was copied in
    e.place(abort);
    e.emit(mov64Imm(R0, 1), exit());
  });
  shared.scratchSize = Math.max(shared.scratchSize, g.frame.scratchUsed);
  const prologue = g.frame.scratchUsed ? scratchPrologue(g, abort) : [];
  return [...entry, ...prologue, ...e.items];
}

/** $kv = (key, value): the key from r9 (keySize bytes), the value's first slot(s) from r8, or over all CPUs. */
function copyEntry(g: Gen, stmt: ForMapStmt, kvType: Type, spec: MapSpec): void {
  const kv = g.vars.get(stmt.variable);
  if (!kv || kvType.kind !== 'tuple') throw new Error('for-map loop variable without a (key, value) slot');
  const [keyType, valueType] = kvType.elements as [Type, Type];
  const layout = packedLayout([keyType, valueType]);
  const { keySize } = spec;
  if (slotSize(keyType) !== keySize) throw new Error(`for-map key of ${keySize} bytes, $kv.0 of ${slotSize(keyType)}`);
  for (let i = 0; i < keySize; i += 8) g.e.emit(ldx(8, R1, R9, i), stxSlot(8, kv.offset + i, R1));
  const valueAt = kv.offset + layout.offsets[1]!;
  if (isPerCpu(spec.user!.value)) {
    // $kv.0 holds the key now: it serves as the key of the per-CPU lookups (r6-r9 survive the helper calls)
    emitPerCpuValue(g, spec, kv.offset, stmt.map.span);
    g.e.emit(stxSlot(8, valueAt, R0));
    return;
  }
  for (let i = 0; i < slotSize(valueType); i += 8) g.e.emit(ldx(8, R1, R8, i), stxSlot(8, valueAt + i, R1));
}

function round32(n: number): number {
  return Math.ceil(n / 32) * 32;
}
