// Context: the running task and its CPU (pid, comm, cgroup, cpu, …), and what the probe was given (its
// arguments arg0…arg5, return value, function, name, saved registers).
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  R9,
  alu64Imm,
  alu64Reg,
  kfuncCall,
  call,
  ja,
  jmpImm,
  ldImm64,
  ldMapValue,
  ldx,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  type Insn,
  type Reg,
} from '../../asm/index.ts';
import { PT_REGS_OFFSETS, type CallExpr, type Span, type Type, type UsdtArgument } from '../../../lang/index.ts';
import { GLOBALS_CPID, GLOBALS_MAP, GLOBALS_NCPUS } from '../../program.ts';
import {
  CodegenError,
  addrOf,
  allocOrFail,
  emitInt,
  ldSlot,
  scoped,
  stSlot,
  stxSlot,
  typeOf,
  type Gen,
} from '../context.ts';
import { checkHelper } from '../helper-errors.ts';
import { emitFuncNameByCookie, funcByCookie } from '../func-names.ts';
import { defineEvent, emitEventOutput, stEventId } from '../events.ts';
import { loadConst, normalize, storeBytes } from '../values.ts';
import { checkerConstantVariable } from './data.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

/** A variable computed by a fixed instruction sequence. */
function insns(...code: Insn[]): BuiltinEmit {
  return { variable: { int: (g) => g.e.emit(...code) } };
}

/** A value scry's user space wrote into the globals map before the probes started. */
function global(offset: number): BuiltinEmit {
  return {
    variable: {
      int: (g: Gen) => {
        g.shared.usesGlobals = true;
        g.e.emit(ldMapValue(R1, GLOBALS_MAP, 0), ldx(8, R0, R1, offset));
      },
    },
  };
}

const taskRows: EmitRows = {
  // pid and tid count in the tracer's pid namespace (bpftrace v0.26's curr_ns default); pid(init), tid(init)
  // in the initial one
  pid: {
    variable: { int: (g, x) => emitPid(g, emitPidTgid(g, x.span)) },
    call: { int: (g, c) => emitPid(g, emitPidTgid(g, c.span, initNs(c))) },
  },
  tid: {
    variable: { int: (g, x) => g.e.emit(mov32Reg(R0, emitPidTgid(g, x.span))) },
    call: { int: (g, c) => g.e.emit(mov32Reg(R0, emitPidTgid(g, c.span, initNs(c)))) },
  },
  uid: insns(call(helper.get_current_uid_gid), mov32Reg(R0, R0)),
  gid: insns(call(helper.get_current_uid_gid), alu64Imm('rsh', R0, 32)),
  // the uid travels; user space looks its name up
  username: insns(call(helper.get_current_uid_gid), mov32Reg(R0, R0)),
  comm: {
    variable: {
      into: (g, _x, off, size) =>
        g.e.emit(...addrOf(R1, off), mov64Imm(R2, Math.min(16, size)), call(helper.get_current_comm)),
    },
    call: { into: emitCommOfPid },
  },
  curtask: insns(call(helper.get_current_task)),
  cgroup: insns(call(helper.get_current_cgroup_id)),
  cpid: global(GLOBALS_CPID),
  has_cpid: checkerConstantVariable,
  cpu: insns(call(helper.get_smp_processor_id)),
  numaid: insns(call(helper.get_numa_node_id)),
  ncpus: global(GLOBALS_NCPUS),
  rand: insns(call(helper.get_prandom_u32)),
};

/**
 * comm(pid): bpf_task_from_pid (a counted reference, or NULL) → its comm, read straight from the trusted
 * task_struct pointer → bpf_task_release. A pid no task has reads "N/A", as in bpftrace v0.26.
 */
function emitCommOfPid(g: Gen, c: CallExpr, off: number, size: number): void {
  const packed = g.shared.checked.constants.get(c);
  if (packed === undefined) throw new Error('comm(pid) without its kfunc ids');
  const fromPid = Number(packed & 0xffffffffn);
  const release = Number((packed >> 32n) & 0xffffffffn);
  const commOffset = Number(packed >> 64n);
  const e = g.e;
  emitInt(g, c.args[0]!);
  const found = e.freshLabel('comm.found');
  const done = e.freshLabel('comm.done');
  scoped(g, () => {
    // [event id][s32 pid]: the warning's record, the pid kept there across the kfunc call
    const rec = allocOrFail(g, 16, c.span);
    e.emit(mov32Reg(R1, R0), stxSlot(8, rec + 8, R1), kfuncCall(fromPid), jmpImm('jne', R0, 0, found));
    // bpftrace v0.26's warning and value for a pid no task has
    const id = defineEvent(g, {
      kind: 'printf',
      pieces: [
        { text: 'No such process (pid=' },
        { offset: 0, spec: { flags: '', length: '', conv: 'd' } },
        { text: ')' },
      ],
      args: [{ type: { kind: 'int', bits: 32, signed: true }, offset: 8 }],
      use: 'warnf',
      span: c.span,
    });
    e.emit(stEventId(rec, id));
    emitEventOutput(g, rec, 16, id);
    e.emit(stSlot(4, off, 0x00412f4e), ja(done)); // "N/A\0"
    e.place(found);
    for (let i = 0; i < Math.min(16, size); i += 8) e.emit(ldx(8, R1, R0, commOffset + i), stxSlot(8, off + i, R1));
    e.emit(mov64Reg(R1, R0), kfuncCall(release));
    e.place(done);
  });
}

function initNs(c: CallExpr): boolean {
  const ns = c.args[0];
  return ns?.kind === 'ident' && ns.name === 'init';
}

/** r0 = the tgid of the pid_tgid in `from` (emitPidTgid's answer) */
export function emitPid(g: Gen, from: Reg): void {
  g.e.emit(...(from === R0 ? [] : [mov64Reg(R0, from)]), alu64Imm('rsh', R0, 32));
}

/** Where a probe that reads pid or tid more than once keeps bpf_get_current_pid_tgid()'s result (Gen.pidTgid). */
const PID_TGID_REG = R9;

/**
 * tgid << 32 | pid, as bpf_get_current_pid_tgid returns them, in r0 or in the register returned, but counted in
 * the tracer's pid namespace when it is not the initial one (bpf_get_ns_current_pid_tgid, kernel 5.7, every
 * program type since 6.10; bpftrace v0.26 does the same). A task outside that namespace reads 0 (the helper fails
 * and clears them). The result cannot change while the program runs: in a probe that reads it again, the first
 * call on every path to the rest keeps it in PID_TGID_REG, and later reads take it from there (what the
 * optimizer's helper-cse.ts made of the calls).
 */
export function emitPidTgid(g: Gen, span: Span, init = false): Reg {
  const ns = g.shared.checked.pidNamespace;
  const e = g.e;
  if (init || !ns) {
    g.pidTgid.uses--; // reads left after this one
    if (g.pidTgid.held && !ns) return PID_TGID_REG;
    e.emit(call(helper.get_current_pid_tgid));
    if (!ns && g.pidTgid.uses > 0 && e.reachedByAll(g.exitLabel)) {
      e.emit(mov64Reg(PID_TGID_REG, R0));
      g.pidTgid.held = true;
    }
    return R0;
  }
  scoped(g, () => {
    const info = allocOrFail(g, 8, span);
    // struct bpf_pidns_info { u32 pid; u32 tgid; }: read as one little-endian u64, tgid << 32 | pid
    e.emit(ldImm64(R1, ns.dev), ldImm64(R2, ns.ino), ...addrOf(R3, info), mov64Imm(R4, 8));
    e.emit(call(helper.get_ns_current_pid_tgid));
    checkHelper(g, 'get_ns_current_pid_tgid', 'other');
    e.emit(ldSlot(8, R0, info));
  });
  return R0;
}

/** x86-64 struct pt_regs offsets: the context of kprobe and uprobe programs. */
const PT_REGS = { ax: PT_REGS_OFFSETS.ax!, args: [112, 104, 96, 88, 72, 64] as const };

/** argN, where the probe type's row (lang's providers) says it is: a USDT operand, the N-th u64 of the context, or a saved register. */
function arg(n: number): BuiltinEmit {
  return {
    variable: {
      int: (g, x) => {
        if (g.context.argN === 'usdt') return emitUsdtArg(g, g.context.usdt?.args?.[n], x.span);
        // raw tracepoints and fentry/fexit get an array of u64 arguments; kprobes and uprobes the saved registers
        if (g.context.argN === 'ctx') return g.e.emit(ldx(8, R0, g.e.context(), 8 * n));
        g.e.emit(ldx(8, R0, g.e.context(), PT_REGS.args[n]!));
      },
    },
  };
}

const probeRows: EmitRows = {
  arg0: arg(0),
  arg1: arg(1),
  arg2: arg(2),
  arg3: arg(3),
  arg4: arg(4),
  arg5: arg(5),
  // USDT only (the checker allows arg6… nowhere else)
  arg6: arg(6),
  arg7: arg(7),
  arg8: arg(8),
  arg9: arg(9),
  arg10: arg(10),
  arg11: arg(11),
  retval: {
    variable: {
      int: (g, x) => {
        // fexit: the return value follows the arguments in the context; where the number of arguments is the
        // kernel's to choose (a BPF program's function: 5 where its BTF does not match what the verifier saw),
        // bpf_get_func_ret finds it after the count the trampoline saved (the verifier inlines the call)
        if (g.context.retval === 'ctx' && g.context.retSlot === undefined)
          scoped(g, () => {
            const off = allocOrFail(g, 8, x.span);
            g.e.emit(...g.e.contextToR1(), ...addrOf(R2, off), call(helper.get_func_ret), ldSlot(8, R0, off));
          });
        else if (g.context.retval === 'ctx') g.e.emit(ldx(8, R0, g.e.context(), 8 * g.context.retSlot!));
        else g.e.emit(ldx(8, R0, g.e.context(), PT_REGS.ax));
        // fexit's retval has its function's C type (an int returns -17, not 4294967279)
        normalize(g, typeOf(g, x));
      },
    },
  },
  // bpftrace v0.26: the privilege level in the saved cs where the context has registers (perf events' does
  // too), 1 in BEGIN and END (they run in scry's own process), 0 elsewhere
  usermode: {
    variable: {
      int: (g) => {
        const p = g.attach.provider;
        if (p === 'BEGIN' || p === 'END') return g.e.emit(mov64Imm(R0, 1));
        if (!g.context.ptRegs && !['interval', 'software', 'hardware', 'watchpoint'].includes(p))
          return g.e.emit(mov64Imm(R0, 0));
        g.e.emit(
          ldx(8, R0, g.e.context(), PT_REGS_OFFSETS.cs!),
          // (cs & 3) == 3, without a branch: ((cs & 3) + 1) >> 2
          alu64Imm('and', R0, 3),
          alu64Imm('add', R0, 1),
          alu64Imm('rsh', R0, 2),
        );
      },
    },
  },
  ctx: { variable: { int: (g) => g.e.emit(mov64Reg(R0, g.e.context())) } },
  // the instruction pointer travels; user space resolves the symbol
  func: {
    variable: {
      int: (g) =>
        // where the provider row says (ContextReads.func): a kretprobe's saved ip is where its function returns to
        // (the caller, which bpftrace 0.17 printed; v0.26 asks bpf_get_func_ip as here)
        g.context.func === 'pt_regs'
          ? g.e.emit(ldx(8, R0, g.e.context(), PT_REGS_OFFSETS.ip!))
          : g.e.emit(...g.e.contextToR1(), call(helper.get_func_ip)),
      // uprobes: the function's name, known when compiling: stored, or copied by the cookie from the table of
      // every point's name where the program is shared by several functions (func-names.ts)
      into: (g, _x, off, size) =>
        funcByCookie(g)
          ? emitFuncNameByCookie(g, off, size)
          : storeBytes(g, Buffer.from(g.context.funcName ?? '', 'utf8').subarray(0, size - 1), off),
    },
  },
  probetype: {
    variable: {
      into: (g, _x, off, size) => storeBytes(g, Buffer.from(g.context.probeType, 'utf8').subarray(0, size - 1), off),
    },
  },
  probe: {
    variable: {
      into: (g, _x, off, size) => storeBytes(g, Buffer.from(g.attach.text, 'utf8').subarray(0, size - 1), off),
    },
  },
  reg: {
    call: {
      int: (g, c) => {
        const offset = g.shared.checked.registers.get(c);
        if (offset === undefined) throw new Error('reg() without its register');
        g.e.emit(ldx(8, R0, g.e.context(), offset));
      },
    },
  },
};

/**
 * A USDT argument as its note describes it: a register of the probe's pt_regs, a constant, or memory at
 * base + offset (+ index × scale) in the traced process, each `size` bytes, signed or not.
 */
function emitUsdtArg(g: Gen, arg: UsdtArgument | undefined, span: Span): void {
  if (!arg) throw new CodegenError('this USDT argument does not exist', span);
  const e = g.e;
  const t: Type = { kind: 'int', bits: (arg.size * 8) as 8 | 16 | 32 | 64, signed: arg.signed };
  const op = arg.operand;
  switch (op.kind) {
    case 'imm':
      loadConst(g, R0, op.value);
      break;
    case 'reg':
      e.emit(ldx(8, R0, e.context(), op.reg));
      break;
    case 'mem':
      scoped(g, () => {
        const tmp = allocOrFail(g, 8, span);
        if (op.base !== undefined) e.emit(ldx(8, R3, e.context(), op.base));
        else e.emit(mov64Imm(R3, 0));
        if (op.offset) {
          loadConst(g, R1, op.offset);
          e.emit(alu64Reg('add', R3, R1));
        }
        if (op.index !== undefined)
          e.emit(ldx(8, R1, e.context(), op.index), alu64Imm('mul', R1, op.scale ?? 1), alu64Reg('add', R3, R1));
        e.emit(stSlot(8, tmp, 0), ...addrOf(R1, tmp), mov64Imm(R2, arg.size), call(helper.probe_read_user));
        checkHelper(g, 'probe_read_user', 'read');
        e.emit(ldSlot(8, R0, tmp));
      });
      break;
  }
  normalize(g, t);
}

export const contextBuiltins: EmitRows = { ...taskRows, ...probeRows };
