// The context of the probe that fired: the current task (pid, comm, curtask …), the processor, the probe
// itself, the traced function's arguments and return value, and its saved registers (reg()).
import type { IdentExpr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { typeFromBtf } from '../check/kernel-types.ts';
import { kfuncAllowedIn } from './meta.ts';
import { probeContext } from '../providers.ts';
import { closest } from '../suggest.ts';
import { boolType, i64, pointer, sameType, stringType, u32, u64, viewed, type IntBits, type Type } from '../types.ts';
import { stringLiteral } from './args.ts';
import type { BuiltinRow, CallSpec, VariableSpec } from './row.ts';
import { warning } from '../diagnostics.ts';

/** x86-64 struct pt_regs, by the names reg() accepts (offsets in bytes). */
export const PT_REGS_OFFSETS: Readonly<Record<string, number>> = {
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  bp: 32,
  bx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  ax: 80,
  cx: 88,
  dx: 96,
  si: 104,
  di: 112,
  orig_ax: 120,
  ip: 128,
  cs: 136,
  flags: 144,
  sp: 152,
  ss: 160,
};

/** `ctx`: the probe's context; in iterators ctx->name reads the iterator's arguments (check/infer.ts). */
export const CONTEXT_VARIABLE = 'ctx';

const variable = (name: string, doc: string, spec: VariableSpec): BuiltinRow => ({
  name,
  family: 'context',
  doc,
  variable: spec,
});

export const contextRows: readonly BuiltinRow[] = [
  { ...variable('pid', 'process id (tgid) of the current task', { type: u32 }), function: pidFunction('pid') },
  { ...variable('tid', 'thread id of the current task', { type: u32 }), function: pidFunction('tid') },
  variable('uid', 'user id of the current task', { type: u32 }),
  variable('gid', 'group id of the current task', { type: u32 }),
  { ...variable('comm', 'name of the current task', { type: stringType(16) }), function: commOfPid() },
  variable('cpu', 'processor the probe runs on', { type: u32 }),
  variable('numaid', 'NUMA node the probe runs on', { type: u32 }),
  variable('rand', 'a pseudo-random 32-bit number', { type: u32 }),
  variable('cgroup', 'cgroup v2 id of the current task', { type: u64 }),
  variable('ncpus', 'number of CPUs online when the program started', { type: u64 }),
  variable('cpid', 'pid of the command started with -c', {
    type: u32,
    check: (ctx, e, type) => {
      // without -c it is 0, with the warning bpftrace v0.26's cpid macro gives when it runs (said once here);
      // `if (has_cpid) { … cpid … }` reads it only where there is one
      if (!ctx.hasChild && !ctx.unreachable())
        ctx.report(
          warning('No child command (`-c`); cpid is zero', e.span, [
            "run the program with -c 'command args', or read cpid only under `if (has_cpid)`",
          ]),
        );
      return type;
    },
  }),
  // bpftrace v0.26 documents it as here (v0.26.1's own macro answers the opposite: `__builtin_cpid == 0`)
  variable('has_cpid', 'whether a command was started with -c, so cpid means something (has_cpid() too)', {
    type: boolType,
    check: (ctx, e, type) => {
      ctx.constants.set(e, ctx.hasChild ? 1n : 0n);
      return type;
    },
  }),
  variable('username', 'name of the user running the current task', { type: viewed({ kind: 'username' }) }),
  variable('curtask', 'address of the current task_struct', {
    type: pointer('kernel'),
    check: (ctx, _e, type) => {
      const btf = ctx.btf();
      const task = btf?.find('task_struct', 'struct');
      return task !== undefined
        ? { kind: 'int', bits: 64, signed: false, space: 'kernel', pointee: task, pointeeName: 'struct task_struct' }
        : type;
    },
  }),
  variable('func', 'the traced function', {
    type: viewed({ kind: 'ksym' }),
    only: ['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'fentry', 'fexit'],
    // in uprobes the function is known when compiling: its name, a string (bpftrace v0.26 builtin.func_uprobe)
    check: (ctx, e, type) => {
      const names = ctx.attach().map((a) => probeContext(a).funcName);
      if (names.every((n) => n === undefined)) return type;
      if (names.some((n) => n === undefined))
        ctx.error('func in a probe on both kernel and user functions has no one type', e.span, [
          'split the probe: kernel functions and user functions in separate blocks',
        ]);
      return stringType(Math.max(1, ...names.map((n) => Buffer.byteLength(n ?? ''))) + 1);
    },
  }),
  variable('probetype', 'the type of the probe that fired: kprobe, tracepoint, special (BEGIN, END), …', {
    type: stringType(16),
    // known when compiling: as long as the longest of the attach points' types (bpftrace v0.26)
    check: (ctx) =>
      stringType(Math.max(1, ...ctx.attach().map((a) => Buffer.byteLength(probeContext(a).probeType))) + 1),
  }),
  variable('probe', 'the full name of the probe that fired', {
    type: stringType(64),
    // as long as the longest attach point's name
    check: (ctx) => stringType(Math.max(1, ...ctx.attach().map((a) => Buffer.byteLength(a.text))) + 1),
    // 8 bytes and one store where the name takes up to 64 (bpftrace 0.17 keys by an id too); printed as the name
    asKey: (type, names) => (type.kind === 'string' ? viewed({ kind: 'probe', names }) : type),
  }),
  variable('retval', 'the return value of the traced function', {
    type: i64,
    only: ['kretprobe', 'uretprobe', 'fexit'],
    check: (ctx, _e, type) => {
      const attach = ctx.attach();
      const btf = ctx.btf();
      // typed from BTF where the context holds it (fexit), when every attach point agrees where it is
      const ret =
        attach.length && attach.every((a) => probeContext(a).retval === 'ctx')
          ? probeContext(attach[0]!).retType
          : undefined;
      if (ret === undefined || !btf) return type;
      const t = typeFromBtf(btf, ret, 'kernel');
      return t.kind === 'int' ? t : i64;
    },
  }),
  ...[0, 1, 2, 3, 4, 5].map((n) =>
    variable(`arg${n}`, `argument ${n} of the traced function`, {
      type: u64,
      only: ['kprobe', 'uprobe', 'usdt', 'rawtracepoint', 'fentry', 'fexit'],
      check: (ctx, e, type) => usdtArg(ctx, e, n) ?? type,
    }),
  ),
  // USDT notes carry up to 12 arguments (bpftrace v0.26 usdt.usdt multi arguments)
  ...[6, 7, 8, 9, 10, 11].map((n) =>
    variable(`arg${n}`, `argument ${n} of the USDT probe`, {
      type: u64,
      only: ['usdt'],
      check: (ctx, e, type) => usdtArg(ctx, e, n) ?? type,
    }),
  ),
  variable('usermode', 'whether the probe interrupted user code (1) or kernel code (0)', {
    type: { kind: 'int', bits: 8, signed: false },
  }),
  // not in tracepoints, whose record is args (bpftrace v0.26: "Use args instead of ctx in tracepoint")
  variable(CONTEXT_VARIABLE, "the address of the probe's context (its struct pt_regs, raw arguments, …)", {
    type: pointer('kernel'),
    only: [
      'rawtracepoint',
      'kprobe',
      'kretprobe',
      'fentry',
      'fexit',
      'uprobe',
      'uretprobe',
      'usdt',
      'profile',
      'interval',
      'software',
      'hardware',
      'watchpoint',
      'iter',
    ],
  }),
  {
    name: 'reg',
    family: 'context',
    doc: 'a saved register of the probed code',
    function: {
      minArgs: 1,
      maxArgs: 1,
      signature: 'reg(string register_name)',
      aggregation: false,
      check: (ctx, c) => {
        const name = stringLiteral(ctx, c.args[0], 'reg()', 'a register name');
        const wrong = ctx.attach().find((a) => !probeContext(a).ptRegs);
        if (wrong)
          ctx.error(`reg() reads saved registers, which ${wrong.provider} probes do not have`, c.span, [
            'use it in kprobe, uprobe, usdt or profile probes',
          ]);
        else if (name !== undefined && PT_REGS_OFFSETS[name] === undefined) {
          const guess = closest(name, Object.keys(PT_REGS_OFFSETS));
          ctx.error(`reg(): unknown register '${name}'`, c.args[0]!.span, [
            guess ? `did you mean '${guess}'?` : `x86-64 registers: ${Object.keys(PT_REGS_OFFSETS).join(' ')}`,
          ]);
        } else if (name !== undefined) ctx.registers.set(c, PT_REGS_OFFSETS[name]!);
        return u64;
      },
    },
  },
];

/**
 * pid([curr_ns|init]) / tid(…): the ids in the pid namespace scry runs in (the default, as `pid` and `tid`), or
 * in the initial one (bpftrace v0.26).
 */
function pidFunction(name: 'pid' | 'tid'): CallSpec {
  return {
    minArgs: 0,
    maxArgs: 1,
    signature: `${name}([curr_ns|init])`,
    aggregation: false,
    check: (ctx, c) => {
      const ns = c.args[0];
      if (!ns) return u32;
      ctx.typeOf.set(ns, u32);
      if (ns.kind !== 'ident' || (ns.name !== 'init' && ns.name !== 'curr_ns'))
        ctx.error(`${name}() takes a pid namespace: curr_ns or init`, ns.span, [`for example ${name}(init)`]);
      return u32;
    },
  };
}

/**
 * comm(pid): the name of another process, through the bpf_task_from_pid and bpf_task_release kfuncs
 * (kernel 6.2), which the kernel lets only some program types call (bpftrace v0.26 refuses the others too).
 * Their vmlinux BTF ids and task_struct's comm offset wait in ctx.constants, 32 bits each
 * (from_pid | release << 32 | offset << 64), for the code generator.
 */
function commOfPid(): CallSpec {
  return {
    minArgs: 1,
    maxArgs: 1,
    signature: 'comm(uint32 pid)',
    aggregation: false,
    check: (ctx, c) => {
      const type = stringType(16);
      const pid = c.args[0]!;
      const pt = ctx.expr(pid);
      if (pt.kind !== 'int' || pt.view) {
        ctx.error("Only integer supported for comm()'s pid", pid.span, [
          'comm(pid) takes a process id, e.g. comm(pid)',
        ]);
        return type;
      }
      const wrong = ctx
        .attach()
        .find((a) => !kfuncAllowedIn(ctx, a, 'bpf_task_from_pid') || !kfuncAllowedIn(ctx, a, 'bpf_task_release'));
      if (wrong) {
        ctx.error(`comm(pid) is not supported in ${wrong.provider} probes`, c.span, [
          `it needs the bpf_task_from_pid kfunc, which this kernel does not allow in ${wrong.provider} probes' programs`,
        ]);
        return type;
      }
      const btf = ctx.btf();
      const fromPid = btf?.find('bpf_task_from_pid', 'func');
      const release = btf?.find('bpf_task_release', 'func');
      const task = btf?.find('task_struct', 'struct');
      const comm = task === undefined ? undefined : btf?.findMember(task, 'comm');
      if (fromPid === undefined || release === undefined || !comm) {
        ctx.error("'bpf_task_from_pid kfunc', which comm(pid) uses, is not in this kernel", c.span, [
          'it needs kernel 6.2 or later, with BTF',
        ]);
        return type;
      }
      ctx.constants.set(c, BigInt(fromPid) | (BigInt(release) << 32n) | (BigInt(comm.offset) << 64n));
      return type;
    },
  };
}

/** argN in USDT probes: its size and sign come from the probe note, and must agree across the probe's sites. */
function usdtArg(ctx: CheckContext, e: IdentExpr, n: number): Type | undefined {
  const attach = ctx.attach();
  if (!attach.some((a) => probeContext(a).argN === 'usdt')) return undefined;
  let t: Type | undefined;
  let differs = false;
  for (const a of attach) {
    const site = probeContext(a).usdt;
    if (!site) continue;
    const args = site.args;
    if (!args) {
      ctx.error(`cannot read the arguments of ${a.text}: ${site.argsError ?? 'the probe note has none'}`, e.span);
      return i64;
    }
    const arg = args[n];
    if (!arg) {
      ctx.error(
        `${a.text} has ${args.length} argument${args.length === 1 ? '' : 's'}, so there is no ${e.name}`,
        e.span,
        args.length ? [`use arg0 … arg${args.length - 1}`] : [],
      );
      return i64;
    }
    const at: Type = { kind: 'int', bits: (arg.size * 8) as IntBits, signed: arg.signed };
    // sites whose argument sizes differ each read theirs into 64 bits (their programs are separate): int64,
    // as bpftrace v0.26 has it (usdt.usdt constant/reg/addr arguments)
    if (t && !sameType(t, at)) differs = true;
    t = at;
  }
  return differs ? i64 : t;
}
