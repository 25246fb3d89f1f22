// One probe block and attach point → one BPF program.
import {
  BPF_FUNC,
  JumpRangeError,
  R0,
  R1,
  R6,
  alu64Imm,
  call,
  encode,
  exit,
  isLabel,
  jmpImm,
  ldMapValue,
  ldx,
  mov64Imm,
  mov64Reg,
  withSpan,
  type AsmItem,
} from '../asm/index.ts';
import { MAX_INSNS, ProgramTooLong } from './emitter.ts';
import type { CheckedProbe, Node, Probe, ResolvedAttach, Stmt, Type } from '../../lang/index.ts';
import { slotSize } from '../layout.ts';
import { GLOBALS_EXIT_FLAG, GLOBALS_MAP, type ProgramSpec } from '../program.ts';
import { compilerRow } from './providers/index.ts';
import { CodegenError, newGen, type Gen, type PendingCallback, type Shared } from './context.ts';
import { deepest, isStackOverflow, timerPeriodNs, walk, type CheckedProgram } from '../../lang/index.ts';
import { functionsBtf } from '../btf/index.ts';
import { generateCallback } from './for-map.ts';
import { allocValue, emitUnless, inScratch } from './context.ts';
import { zeroValue } from './values.ts';
import { pruneUnreachable } from './prune.ts';
import { optimize } from '../opt/index.ts';
import { isHelperCall, unusedCalleeSaved } from '../opt/insn-info.ts';
import { itemsKey } from './content-key.ts';
import {
  instantiate,
  shapeOf,
  templateFromText,
  templateText,
  usableTemplate,
  type Shape,
  type TemplateStore,
} from './shape-memo.ts';
import { scratchPrologue } from './scratch.ts';
import { recordingView, type PointRead } from './point-reads.ts';
import { emitBlock } from './stmt.ts';

/**
 * A probe's code for one attach point; with `reads`, what the generation read of the point is appended there
 * (point-reads.ts), so that points with the same values there can take this code as theirs (programFor).
 */
export function generateCode(
  shared: Shared,
  probe: CheckedProbe,
  attach: ResolvedAttach,
  pid?: number,
  reads?: PointRead[],
): ProbeCode {
  try {
    return generate(shared, probe, attach, pid, reads);
  } catch (e) {
    if (isStackOverflow(e) && deepest(probe.probe).depth >= 64) throw tooDeep(probe); // shallow: a bug, not a limit
    if (e instanceof JumpRangeError) throw tooLong(probe, e);
    if (e instanceof ProgramTooLong)
      throw new CodegenError(
        `this probe compiles to more than ${MAX_INSNS} BPF instructions, more than the kernel loads`,
        e.span ?? probe.probe.span,
        ['unroll fewer times (nested unrolls multiply), or split the work across probes'],
      );
    throw e;
  }
}

/** A probe's generated code, before it is one attach point's program (its name, type, cookie). */
export interface ProbeCode {
  readonly pruned: readonly AsmItem[];
  readonly enc: ReturnType<typeof encode>;
  readonly callbacks: readonly Pick<PendingCallback, 'label'>[];
  /** the names `probe` reads its index among, from the attachment's cookie (Gen.cookie) */
  readonly cookieNames?: readonly string[];
  /** records it may send on the events ring (countLoudRecords), and whether it loops nowhere */
  readonly loudBytes: number;
  readonly bounded: boolean;
}

/** `code` as the program of `attach`, the probe's `index`th. */
export function programFor(shared: Shared, code: ProbeCode, attach: ResolvedAttach, index: number): ProgramSpec {
  const row = compilerRow(attach);
  countLoudRecords(shared, code.loudBytes, attach, code.bounded);
  const name = programName(row.nameStem(attach), index);
  const tracing = row.tracing?.(attach);
  const cookie = code.cookieNames?.indexOf(attach.text);
  if (cookie !== undefined && cookie < 0)
    throw new Error(`probe ${attach.text} is not among the program's attach points`);
  const { enc, pruned } = code;
  return {
    name,
    progType: row.progType(attach),
    ...(tracing ? { tracing } : {}),
    attach,
    ...(cookie !== undefined ? { attachCookie: BigInt(cookie) } : {}),
    bytecode: enc.bytes,
    relocations: enc.relocations,
    sourceMap: enc.sourceMap,
    ...(enc.coreRelocations.length ? { coreRelocations: enc.coreRelocations } : {}),
    ...functionInfo(functionName(attach.text, index + 1), code.callbacks, pruned, enc.labels),
  };
}

const exitCallers = new WeakMap<CheckedProgram, boolean>();

/** Whether any probe of the script may call exit() (cached per program). */
function callsExit(checked: CheckedProgram): boolean {
  let found = exitCallers.get(checked);
  if (found === undefined) {
    found = false;
    walk(checked.ast, (n) => {
      if (n.kind === 'call' && n.name === 'exit') found = true;
      return !found;
    });
    exitCallers.set(checked, found);
  }
  return found;
}

/** Code generation recurses over the tree; a tree deeper than the JS stack is the user's to split. */
function tooDeep(probe: CheckedProbe): CodegenError {
  const { node, depth } = deepest(probe.probe);
  return new CodegenError(`this probe nests ${depth} levels deep here, more than scry can compile`, node.span, [
    'split the expression or the nested blocks, e.g. keep parts in $variables',
  ]);
}

/** BPF jumps reach 32767 instructions either way; a longer branch cannot be encoded. */
function tooLong(probe: CheckedProbe, e: JumpRangeError): CodegenError {
  return new CodegenError(
    `this code jumps over ${Math.abs(e.distance)} BPF instructions, more than a BPF jump reaches (32767)`,
    e.insn.span ?? probe.probe.span,
    ['split the probe into several probes, or shorten what this branch skips (long if/else chains, long strings)'],
  );
}

function generate(
  shared: Shared,
  probe: CheckedProbe,
  point: ResolvedAttach,
  pid: number | undefined,
  reads: PointRead[] | undefined,
): ProbeCode {
  const attach = reads ? recordingView(point, 'attach', reads) : point;
  const context = shared.checked.contexts.get(point)!;
  const row = compilerRow(attach);
  const carrier = probe.attach.length > 1 ? row.attachCookie?.(attach) : undefined;
  const g = newGen(
    shared,
    attach,
    reads ? recordingView(context, 'context', reads) : context,
    carrier ? { carrier } : undefined,
  );
  const { e } = g;
  g.pidTgid.uses = pidTgidReads(probe.probe);
  e.span = probe.probe.span;
  // r6 keeps the context for builtins that read it; r1 is clobbered by the first helper call (until then the
  // context is read from r1: Emitter.context)
  e.emit(mov64Reg(R6, R1));
  e.enterProgram();
  allocateVariables(g, shared.checked.varTypes.get(probe.probe), assignedFirst(probe.probe));
  e.at(probe.probe.span, () => {
    if (pid !== undefined && row.pidFilter) {
      e.emit(call(BPF_FUNC.get_current_pid_tgid), alu64Imm('rsh', R0, 32), jmpImm('jne', R0, pid, g.exitLabel));
    }
    if (attach.provider !== 'END' && !row.runsPastExit && callsExit(shared.checked)) {
      // once exit() ran the run is over: a probe firing before it is detached does nothing, so the maps
      // printed at exit hold what the probes did up to exit() (bpftrace detaches fast enough that its tests
      // rely on it, e.g. tseries' with an interval:ms:1 probe)
      shared.usesGlobals = true;
      // (in r0, which holds nothing yet: r1 keeps the context)
      e.emit(ldMapValue(R0, GLOBALS_MAP, 0), ldx(8, R0, R0, GLOBALS_EXIT_FLAG), jmpImm('jne', R0, 0, g.exitLabel));
    }
    if (row.prologue) e.emit(...row.prologue(attach, g.exitLabel));
    if (probe.probe.predicate) {
      const pred = probe.probe.predicate;
      e.at(pred.span, () => emitUnless(g, pred, g.exitLabel));
    }
    emitBlock(g, probe.probe.body);
  });
  e.place(g.exitLabel);
  e.emit(mov64Imm(R0, 0), exit());
  // the context's copy in r6 goes when nothing names r6 (the optimizer would remove it, but each change it makes
  // costs it a round of its analyses: at start-up, run cold, ~1 ms of a one-tracepoint program's compile)
  // The scratch prologue goes first (after the copy), and its call clobbers r1: where the context is read from r1
  // it is put back from r6 after it.
  const restore = g.frame.scratchUsed && e.contextReadFromR1 ? [withSpan(mov64Reg(R1, R6), e.span)] : [];
  const rest = e.items.slice(1);
  // items before the scratch prologue: the copy, when kept
  const entry = restore.length || !unusedCalleeSaved(rest).includes(R6) ? 1 : 0;
  const items = [...e.items.slice(0, entry), ...(g.frame.scratchUsed ? scratchPrologue(g) : []), ...restore, ...rest];
  shared.scratchSize = Math.max(shared.scratchSize, g.frame.scratchUsed);
  // for-map loop bodies become functions after the main program's exit, each generated once its caller is
  // complete (its frame size known); generating one may queue more (loops in loops).
  const all = [...items];
  for (let i = 0; i < g.callbacks.length; i++) all.push(...generateCallback(g.callbacks[i]!));
  for (const f of g.functions ?? []) all.push(...f.items);
  // a program that runs once is left as generated, unless it loops: the verifier walks a loop's body once per
  // iteration, and an END with a 100,000-step while loop passed its 1M-instruction limit only optimized
  const loopsBack = loops(all);
  const once = row.runsOnce && !loopsBack;
  const optimized = shared.optimize && !once;
  const pruned = optimized ? optimizeOnce(shared, pruneUnreachable(all)) : pruneUnreachable(all);
  return {
    pruned,
    enc: encode(pruned),
    callbacks: [...g.callbacks, ...(g.functions ?? [])],
    ...(g.cookie?.names ? { cookieNames: g.cookie.names } : {}),
    loudBytes: g.records.loudBytes,
    bounded: !loopsBack && !g.callbacks.length && !g.functions?.length,
  };
}

/**
 * What a program may send on the events ring besides exit and warnings (Shared.loudRecords, which sizes it): per
 * run, what its code adds up to where it loops nowhere and calls no callback (a for over a map or a bpf_loop
 * range calls one per element); a BEGIN or END runs once, an interval probe at its rate; anything else as often
 * as its event happens.
 */
function countLoudRecords(shared: Shared, bytes: number, attach: ResolvedAttach, bounded: boolean): void {
  if (!bytes) return;
  const loud = shared.loudRecords;
  if (bounded && compilerRow(attach).runsOnce) loud.onceBytes += bytes;
  else if (bounded && attach.provider === 'interval') loud.bytesPerSecond += bytes * firesPerSecond(attach);
  else loud.elsewhere = true;
}

/** How often an interval probe fires (on one CPU). */
function firesPerSecond(t: Extract<ResolvedAttach, { provider: 'interval' | 'profile' }>): number {
  return t.unit === 'hz' ? t.value : 1e9 / Number(timerPeriodNs(t));
}

/** How many times a probe reads pid or tid (ustack its pid; each a bpf_get_current_pid_tgid() call unless one is kept). */
function pidTgidReads(probe: CheckedProbe['probe']): number {
  let n = 0;
  const reads = (name: string) => name === 'pid' || name === 'tid' || name === 'ustack';
  walk(probe, (x) => void ((x.kind === 'ident' || x.kind === 'call') && reads(x.name) && n++));
  return n;
}

/** Whether some jump goes back to a label placed before it (a loop the verifier walks once per iteration). */
function loops(items: readonly AsmItem[]): boolean {
  const placed = new Set<string>();
  for (const it of items) {
    if (isLabel(it)) placed.add(it.label);
    else if (it.jumpTo !== undefined && placed.has(it.jumpTo)) return true;
  }
  return false;
}

/**
 * The optimizer's result for `items`, computed once per compile for the same code (each of a wildcard's ~350
 * syscall tracepoints took ~1 ms in the optimizer where most of them are the same program), and once per shape:
 * code that differs only in its maps, spans, labels and event ids gets the template of the first such program
 * (shape-memo.ts; 20 tracepoints counting into 20 maps spent ~30 ms optimizing the same code 20 times).
 */
function optimizeOnce(shared: Shared, items: readonly AsmItem[]): readonly AsmItem[] {
  const key = itemsKey(items);
  let out = shared.optimized.get(key);
  if (out) return out;
  const sizes = mapSizesOf(shared);
  const paddedComm = readsComm(items) && shared.paddedComm?.() === true;
  const templates = shared.templates;
  const shape = templates ? shapeOf(items, sizes) : undefined;
  if (templates && shape) {
    // the kernel's answer is part of the key: a kept template may meet another kernel (the test VM's 6.1)
    const key = paddedComm ? `${shape.key}comm padded\n` : shape.key;
    let template = templates.get(key);
    if (template === undefined) {
      template = storedTemplate(shared.templateStore, key, shape);
      if (template === undefined) {
        const optimized = optimize(shape.items, { mapSizes: shape.mapSizes, paddedComm });
        template = usableTemplate(optimized, shape) ? optimized : null;
        const text = template && shared.templateStore ? templateText(template) : undefined;
        if (text !== undefined) shared.templateStore!.set(key, text);
      }
      templates.set(key, template);
    }
    if (template) out = instantiate(template, shape);
  }
  out ??= optimize(items, { mapSizes: sizes, paddedComm });
  shared.optimized.set(key, out);
  return out;
}

/** Whether the code calls bpf_get_current_comm (the optimizer then asks whether the kernel pads it). */
function readsComm(items: readonly AsmItem[]): boolean {
  return items.some((it) => !isLabel(it) && isHelperCall(it) && it.imm === BPF_FUNC.get_current_comm);
}

/** The template a previous run kept for this shape, when it still fits it (else undefined: optimize). */
function storedTemplate(store: TemplateStore | undefined, key: string, shape: Shape): readonly AsmItem[] | undefined {
  const text = store?.get(key);
  const template = text === undefined ? undefined : templateFromText(text);
  return template && usableTemplate(template, shape) ? template : undefined;
}

/** Key and value sizes of the script's maps, by the name the loader knows them by (the ld_imm64's map reference). */
function mapSizesOf(shared: Shared): (name: string) => { key: number; value: number } | undefined {
  let index = sizeIndexes.get(shared);
  // made once per compile, and again only when a map was added since (each program asked it anew: ~1.4 ms of a
  // 30-probe tool's compile)
  if (!index || index.count !== shared.maps.size) {
    const byName = new Map([...shared.maps.values()].map((m) => [m.name, { key: m.keySize, value: m.valueSize }]));
    sizeIndexes.set(shared, (index = { count: shared.maps.size, sizes: (name) => byName.get(name) }));
  }
  return index.sizes;
}

const sizeIndexes = new WeakMap<
  Shared,
  { count: number; sizes: (name: string) => { key: number; value: number } | undefined }
>();

/**
 * Every `$x` gets one slot for the whole probe, sized for the widest value the checker saw assigned to it, zeroed
 * so that a read before the first assignment (or of a shorter string) is defined; except a string in scratch space
 * whose first mention is an assignment that runs first (assignedFirst): that writes the whole slot (emitInto pads
 * a string to its end), and a 1 KiB zeroing more is a helper call an event the optimizer cannot see is dead (it
 * follows the stack's 512 bytes, not scratch space).
 */
function allocateVariables(g: Gen, types: ReadonlyMap<string, Type> | undefined, first: ReadonlySet<string>): void {
  for (const [name, type] of types ?? []) {
    const size = slotSize(type);
    const offset = allocValue(g, size);
    if (!(type.kind === 'string' && inScratch(offset) && first.has(name))) zeroValue(g, offset, size);
    g.vars.set(name, { offset, type });
  }
}

/**
 * The variables whose first mention in a probe (its predicate, then its body's statements in order) is a
 * statement of the body itself, `$x = value` or `let $x = value`, whose value does not name `$x`, or an
 * if/else whose branches each begin so with `$x` (firstWritten): written before anything can read them. A
 * `let $x;` before them is no mention.
 */
function assignedFirst(probe: Probe): Set<string> {
  const seen = new Set<string>();
  if (probe.predicate) mention(seen, probe.predicate);
  return firstWritten(probe.body.statements, seen);
}

/** The variables `statements` write before any mention of theirs on every path; every mention is added to `seen`. */
function firstWritten(statements: readonly Stmt[], seen: Set<string>): Set<string> {
  const first = new Set<string>();
  for (const s of statements) {
    // `let $x;` only says where $x lives (bpftrace v0.26's block scoping): it neither reads nor writes it
    if (s.kind === 'let' && !s.value) continue;
    const assigned =
      s.kind === 'assign' && s.op === '=' && s.target.kind === 'var'
        ? { name: s.target.name, value: s.value }
        : s.kind === 'let' && s.value
          ? { name: s.name, value: s.value }
          : undefined;
    if (assigned) {
      mention(seen, assigned.value);
      if (!seen.has(assigned.name)) first.add(assigned.name);
      seen.add(assigned.name);
    } else if (s.kind === 'if' && s.else) {
      // `if (c) { $s = a; } else { $s = b; }`: written first on both paths (a loop may run no time: a mention)
      mention(seen, s.cond);
      const [thenSeen, elseSeen] = [new Set(seen), new Set(seen)];
      const inThen = firstWritten(s.then.statements, thenSeen);
      const inElse = firstWritten(s.else.kind === 'block' ? s.else.statements : [s.else], elseSeen);
      for (const name of inThen) if (inElse.has(name)) first.add(name);
      for (const name of [...thenSeen, ...elseSeen]) seen.add(name);
    } else mention(seen, s);
  }
  return first;
}

function mention(seen: Set<string>, n: Node): void {
  walk(n, (x) => {
    if (x.kind === 'var') seen.add(x.name);
    if (x.kind === 'let') seen.add(x.name);
  });
}

/**
 * BTF and func_info for a program: one FUNC per function, at its first slot. The main function is named as
 * bpftrace v0.26 names its programs' (functionName), which is the name `fentry:bpf:NAME` attaches to and the
 * kernel's symbol for the JIT image (bpf_prog_TAG_NAME in perf, /proc/kallsyms); the verifier needs func_info for
 * bpf_for_each_map_elem and bpf_loop callbacks anyway. A loop in code that can never run (after exit()) lost its
 * callback to pruning and is left out.
 */
function functionInfo(
  name: string,
  callbacks: readonly Pick<PendingCallback, 'label'>[],
  items: readonly AsmItem[],
  labels: ReadonlyMap<string, number>,
): Pick<ProgramSpec, 'btf' | 'funcInfo'> {
  const used = new Set(items.flatMap((i) => (!isLabel(i) && i.funcTo !== undefined ? [i.funcTo] : [])));
  const live = callbacks.map((c) => c.label).filter((l) => used.has(l));
  const btf = functionsBtf(name, live);
  return {
    btf: btf.data,
    funcInfo: [
      { insn: 0, typeId: btf.main },
      ...live.map((l, i) => ({ insn: labels.get(l)!, typeId: btf.callbacks[i]! })),
    ],
  };
}

/**
 * bpftrace v0.26's name for the function of its `index`th program (from 1): the attach point's full name with
 * every character that is not [A-Za-z0-9_] made '_', then `_index` (`interval:us:100000` → interval_us_100000_1);
 * longer than a kernel symbol may be (127), it keeps its start and ends in a hash of the whole.
 */
export function functionName(text: string, index: number): string {
  const name = `${text.replace(/[^A-Za-z0-9_]/g, '_')}_${index}`;
  const safe = /^[A-Za-z_]/.test(name) ? name : `_${name}`;
  if (safe.length <= 127) return safe;
  let h = 0xcbf29ce484222325n; // FNV-1a, 64 bits
  for (const c of Buffer.from(safe)) h = ((h ^ BigInt(c)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return `${safe.slice(0, 110)}_${h.toString(16).padStart(16, '0')}`;
}

/** Kernel program names: ≤ 15 characters of [A-Za-z0-9_]. */
function programName(stem: string, index: number): string {
  return `${index}_${stem}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
}
