// Functions that read or reinterpret data: stacks, buffers, symbols, addresses, cgroups, time, registers.
// Most produce a number or bytes the probe records and user space turns into text (types.ts IntView, buffer views).
import type { CallExpr, Expr } from '../ast.ts';
import { MAX_STACK_FRAMES, pointer, stackType, u64, i64, viewed, voidType, type StackMode, type Type } from '../types.ts';
import { closest } from '../suggest.ts';
import type { CheckContext } from './context.ts';

const stackModes: readonly StackMode[] = ['bpftrace', 'perf', 'raw'];

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

/** Probes whose context is a struct pt_regs (reg(), override()). */
const ptRegsProviders = new Set(['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'usdt', 'profile']);

const signals: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10,
  SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19,
  SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28,
  SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

/** The type of a data function's call, or undefined when `c` is not one of them. */
export function dataFunctionType(ctx: CheckContext, c: CallExpr): Type | undefined {
  switch (c.name) {
    case 'kstack':
    case 'ustack':
      return stackCall(ctx, c, c.name === 'kstack' ? 'kernel' : 'user');
    case 'buf':
      return bufCall(ctx, c);
    case 'ksym': {
      if (c.args[0]) ctx.intOperand(c.args[0], 'ksym()');
      return viewed({ kind: 'ksym' });
    }
    case 'usym': {
      if (c.args[0]) ctx.intOperand(c.args[0], 'usym()');
      return { kind: 'buffer', size: 12, view: 'usym' };
    }
    case 'kaddr': {
      const name = literal(ctx, c.args[0], 'kaddr()', 'a kernel symbol name');
      if (name === undefined) return u64;
      const addr = ctx.kernel.kernelSymbolAddress(name);
      if (addr === undefined) ctx.error(`kaddr(): no kernel symbol named '${name}'`, c.args[0]!.span, ['see the names in /proc/kallsyms']);
      else ctx.constants.set(c, addr);
      return u64;
    }
    case 'uaddr': {
      // the symbol's address in the probed binary (as its ELF symbol table gives it, like bpftrace)
      const name = literal(ctx, c.args[0], 'uaddr()', 'a symbol name');
      const probes = ctx.attach().filter((a): a is Extract<typeof a, { provider: 'uprobe' | 'uretprobe' }> => a.provider === 'uprobe' || a.provider === 'uretprobe');
      if (!probes.length || probes.length !== ctx.attach().length) {
        ctx.error('uaddr() looks the symbol up in the binary of a uprobe, so it works only in uprobe and uretprobe probes', c.span);
        return u64;
      }
      if (name === undefined) return u64;
      const paths = [...new Set(probes.map((p) => p.path))];
      if (paths.length > 1) {
        ctx.error('uaddr() in a probe on several binaries is ambiguous', c.span, ['split the probe by binary']);
        return u64;
      }
      const sites = ctx.kernel.userProbeSites(paths[0]!, name);
      if ('error' in sites) ctx.error(`uaddr(): ${sites.error}`, c.args[0]!.span, sites.hints ? [...sites.hints] : undefined);
      else if (sites[0]) ctx.constants.set(c, sites[0].vaddr);
      return pointer('user');
    }
    case 'kptr':
    case 'uptr': {
      if (c.args[0]) ctx.intOperand(c.args[0], `${c.name}()`);
      return pointer(c.name === 'kptr' ? 'kernel' : 'user');
    }
    case 'ntop':
      return ntopCall(ctx, c);
    case 'pton': {
      const text = literal(ctx, c.args[0], 'pton()', 'an IPv4 or IPv6 address');
      if (text === undefined) return { kind: 'buffer', size: 4 };
      const bytes = parseAddress(text);
      if (!bytes) {
        ctx.error(`pton(): '${text}' is not an IPv4 or IPv6 address`, c.args[0]!.span, ['for example pton("127.0.0.1") or pton("::1")']);
        return { kind: 'buffer', size: 4 };
      }
      ctx.constBytes.set(c, bytes);
      return { kind: 'buffer', size: bytes.length };
    }
    case 'macaddr': {
      const a = c.args[0];
      if (!a) return { kind: 'buffer', size: 6, view: 'mac' };
      const t = ctx.expr(a);
      const ok = (t.kind === 'string' && t.size === 6) || (t.kind === 'buffer' && !t.view && t.size >= 6) || (t.kind === 'int' && t.space);
      if (!ok)
        ctx.error(`macaddr() needs 6 bytes (a char[6] field, buf(p, 6) or a pointer), got ${describe(t)}`, a.span, [
          'for example macaddr(args->addr) or macaddr(buf(p, 6))',
        ]);
      return { kind: 'buffer', size: 6, view: 'mac' };
    }
    case 'cgroupid': {
      const path = literal(ctx, c.args[0], 'cgroupid()', 'a cgroup directory path');
      if (path === undefined) return u64;
      const id = ctx.kernel.cgroupId(path);
      if (id === undefined) ctx.error(`cgroupid(): no cgroup at '${path}'`, c.args[0]!.span, ['cgroup v2 directories live under /sys/fs/cgroup']);
      else ctx.constants.set(c, id);
      return u64;
    }
    case 'cgroup_path': {
      if (c.args[0]) ctx.intOperand(c.args[0], 'cgroup_path()');
      return viewed({ kind: 'cgroup_path' });
    }
    case 'strftime': {
      const [fmt, ns] = c.args;
      const format = literal(ctx, fmt, 'strftime()', 'a format string');
      if (ns) ctx.intOperand(ns, 'strftime()');
      return viewed({ kind: 'strftime', format: format ?? '' });
    }
    case 'reg': {
      const name = literal(ctx, c.args[0], 'reg()', 'a register name');
      const wrong = ctx.attach().find((a) => !ptRegsProviders.has(a.provider));
      if (wrong) ctx.error(`reg() reads saved registers, which ${wrong.provider} probes do not have`, c.span, ['use it in kprobe, uprobe, usdt or profile probes']);
      else if (name !== undefined && PT_REGS_OFFSETS[name] === undefined) {
        const guess = closest(name, Object.keys(PT_REGS_OFFSETS));
        ctx.error(`reg(): unknown register '${name}'`, c.args[0]!.span, [guess ? `did you mean '${guess}'?` : `x86-64 registers: ${Object.keys(PT_REGS_OFFSETS).join(' ')}`]);
      } else if (name !== undefined) ctx.registers.set(c, PT_REGS_OFFSETS[name]!);
      return u64;
    }
    case 'path': {
      // bpf_d_path wants the kernel's own (BTF-typed) pointer to a struct path, so the argument must come
      // straight from the probe's context: args->p, ctx->file->f_path, args->file->f_path
      const a = c.args[0];
      const out: Type = { kind: 'string', size: ctx.config.maxStrlen };
      if (!a) return out;
      const t = ctx.expr(a);
      const wrong = ctx.attach().find((x) => x.provider !== 'iter' && x.provider !== 'fentry' && x.provider !== 'fexit');
      if (wrong) {
        ctx.error(`path() uses bpf_d_path, which only fentry/fexit and iter probes may call, not ${wrong.provider} probes`, c.span, [
          'print the file name from a syscall tracepoint instead, e.g. str(args->filename)',
        ]);
        return out;
      }
      const isPath = (x: Type) => (x.kind === 'record' && x.name === 'struct path') || (x.kind === 'int' && x.pointeeName === 'struct path');
      const fromContext = (x: Expr): boolean => x.kind === 'field' && x.base.kind === 'ident' && (x.base.name === 'args' || x.base.name === 'ctx');
      const direct = fromContext(a) || (a.kind === 'field' && a.arrow && fromContext(a.base));
      if (!isPath(t) || !direct)
        ctx.error('path() needs a struct path taken straight from the probe arguments, like args->file->f_path or ctx->file->f_path', a.span);
      return out;
    }
    case 'signal': {
      const a = c.args[0];
      if (!ctx.unsafe) ctx.error('signal() sends signals to traced processes, so it needs --unsafe', c.nameSpan, ['run scry with --unsafe if you mean it']);
      if (a?.kind === 'string') {
        const n = signals[a.value] ?? signals[`SIG${a.value}`];
        if (n === undefined) ctx.error(`signal(): unknown signal '${a.value}'`, a.span, ['for example signal("SIGKILL") or signal(9)']);
        else ctx.constants.set(a, BigInt(n));
      } else if (a) {
        ctx.intOperand(a, 'signal()');
        if (a.kind === 'int' && (a.value < 1n || a.value > 64n)) ctx.error(`signal(): ${a.value} is not a signal number (1 to 64)`, a.span);
      }
      return voidType;
    }
    case 'override': {
      if (c.args[0]) ctx.intOperand(c.args[0], 'override()');
      if (!ctx.unsafe) ctx.error('override() changes what a kernel function returns, so it needs --unsafe', c.nameSpan, ['run scry with --unsafe if you mean it']);
      const wrong = ctx.attach().find((a) => a.provider !== 'kprobe');
      if (wrong) ctx.error(`override() works only in kprobe probes, not in ${wrong.provider} probes`, c.span);
      return voidType;
    }
    default:
      return undefined;
  }
}

function describe(t: Type): string {
  if (t.kind === 'string') return `char[${t.size}]`;
  if (t.kind === 'buffer') return `a ${t.size}-byte buffer`;
  if (t.kind === 'int') return t.space ? 'a pointer' : 'an integer';
  return t.kind;
}

/** A string literal argument (the only kind some functions can use when compiling), or undefined after an error. */
function literal(ctx: CheckContext, a: Expr | undefined, fn: string, what: string): string | undefined {
  if (!a) return undefined;
  if (a.kind === 'string') return a.value;
  ctx.expr(a);
  ctx.error(`${fn} needs ${what} as a string literal`, a.span);
  return undefined;
}

/** kstack / kstack(perf) / kstack(5) / kstack(perf, 5). */
function stackCall(ctx: CheckContext, c: CallExpr, space: 'kernel' | 'user'): Type {
  let mode: StackMode = 'bpftrace';
  let limit = MAX_STACK_FRAMES;
  let args = c.args;
  const first = args[0];
  if (first?.kind === 'ident') {
    if (!stackModes.includes(first.name as StackMode)) {
      const guess = closest(first.name, stackModes);
      ctx.error(`unknown stack mode '${first.name}'`, first.span, [guess ? `did you mean '${guess}'?` : `the modes are ${stackModes.join(', ')}`]);
    } else mode = first.name as StackMode;
    ctx.typeOf.set(first, u64);
    args = args.slice(1);
  }
  const n = args[0];
  if (args.length > 1) ctx.error(`${c.name}() takes a mode and a frame count`, c.span, [`usage: ${c.name}(perf, 10)`]);
  if (n) {
    if (n.kind !== 'int' || n.value < 1n || n.value > BigInt(MAX_STACK_FRAMES)) {
      if (n.kind !== 'int') ctx.expr(n);
      ctx.error(`${c.name}() frame count must be an integer literal from 1 to ${MAX_STACK_FRAMES}`, n.span);
    } else {
      ctx.typeOf.set(n, i64);
      limit = Number(n.value);
    }
  }
  return stackType(space, mode, limit);
}

/**
 * buf(p, n): n bytes at p (a user or kernel pointer, by its address space), or the bytes of a string or array.
 * A literal n fixes the size; a computed n is capped at max_strlen when the probe runs.
 */
function bufCall(ctx: CheckContext, c: CallExpr): Type {
  const [src, len] = c.args;
  if (!src) return { kind: 'buffer', size: 1 };
  const t = ctx.expr(src);
  let size: number | undefined;
  if (len) {
    if (len.kind === 'int') {
      ctx.typeOf.set(len, i64);
      if (len.value < 1n || len.value > BigInt(ctx.config.maxStrlen)) {
        ctx.error(`buf() length must be from 1 to max_strlen (${ctx.config.maxStrlen})`, len.span, ['raise it with: config = { max_strlen = N }']);
        return { kind: 'buffer', size: 1 };
      }
      size = Number(len.value);
    } else {
      ctx.intOperand(len, 'buf()');
      size = ctx.config.maxStrlen;
    }
  }
  // a string literal's bytes, without its NUL; a char array (comm, char[16] fields) whole
  if (t.kind === 'string') return { kind: 'buffer', size: Math.min(size ?? (src.kind === 'string' ? Math.max(1, t.size - 1) : t.size), t.size) };
  if (t.kind === 'buffer') return { kind: 'buffer', size: Math.min(size ?? t.size, t.size) };
  if (t.kind === 'int') {
    if (size === undefined) ctx.error('buf() of a pointer needs a length', c.span, ['for example buf(p, 16)']);
    return { kind: 'buffer', size: size ?? 1 };
  }
  ctx.error(`buf() needs a pointer, a string or an array, got ${describe(t)}`, src.span);
  return { kind: 'buffer', size: 1 };
}

/** ntop(addr) / ntop(af, addr): an IPv4 address from a u32 or 4 bytes, IPv6 from 16 bytes. */
function ntopCall(ctx: CheckContext, c: CallExpr): Type {
  const addr = c.args[c.args.length - 1];
  const af = c.args.length === 2 ? c.args[0] : undefined;
  if (af) ctx.intOperand(af, 'ntop()');
  if (!addr) return { kind: 'buffer', size: 16, view: 'inet' };
  const t = ctx.expr(addr);
  const bytes = t.kind === 'string' ? t.size : t.kind === 'buffer' && !t.view ? t.size : t.kind === 'int' && !t.space ? 4 : undefined;
  if (bytes !== 4 && bytes !== 16)
    ctx.error(`ntop() needs an IPv4 address (an integer or 4 bytes) or an IPv6 address (16 bytes), got ${describe(t)}`, addr.span, [
      'for example ntop(args->saddr) or ntop(2, 0x0100007f)',
    ]);
  return { kind: 'buffer', size: 16, view: 'inet' };
}

/** The bytes of an IPv4 or IPv6 address in text form, or undefined. */
export function parseAddress(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? Uint8Array.from(parts) : undefined;
  }
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let tail4: number[] = [];
  let body = text;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const four = parseAddress(dotted[2]!);
    if (!four) return undefined;
    tail4 = [...four];
    body = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const want = 8 - tail4.length / 2;
  const fill = halves.length === 2 ? want - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== want)) return undefined;
  const words = [...head, ...new Array<string>(fill).fill('0'), ...tail];
  if (words.some((w) => !/^[0-9a-fA-F]{1,4}$/.test(w))) return undefined;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  out.set(tail4, 12);
  return out;
}
