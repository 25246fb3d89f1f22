// Functions that read or reinterpret data: buffers, symbols, addresses, network addresses, cgroups, paths.
// Most produce a number or bytes the probe records and user space turns into text (types.ts IntView, buffer views).
import type { CallExpr, Expr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import { probeContext } from '../providers.ts';
import { i64, int, pointer, sizeOf, u32, u64, viewed, type IntBits, type Type } from '../types.ts';
import { describe, intLiteral, stringLiteral } from './args.ts';
import { warning } from '../diagnostics.ts';
import { literalInfo } from '../check/literals.ts';
import type { BuiltinRow, CallSpec } from './row.ts';

const dataFunction = (name: string, doc: string, spec: Omit<CallSpec, 'aggregation'>): BuiltinRow => ({
  name,
  family: 'data',
  doc,
  function: { ...spec, aggregation: false },
});

/** f(int n): an integer argument, a value user space shows as text or a pointer */
const ofInt =
  (result: () => Type): CallSpec['check'] =>
  (ctx, c) => {
    if (c.args[0]) ctx.intOperand(c.args[0], `${c.name}()`);
    return result();
  };

export const dataRows: readonly BuiltinRow[] = [
  dataFunction('bswap', 'an integer with its bytes reversed', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'bswap(int n)',
    check: (ctx, c) => {
      const t = c.args[0] ? ctx.intOperand(c.args[0], 'bswap()') : i64;
      // a literal is as wide as its smallest type (bpftrace v0.26: bswap(1) is 1, a uint8)
      const literal = c.args[0] && literalInfo(c.args[0]);
      if (literal) return { kind: 'int', bits: literal.type.bits, signed: false };
      return t.kind === 'int' ? { kind: 'int', bits: t.bits, signed: false } : u64;
    },
  }),
  dataFunction('buf', 'bytes read from memory, printed with %r', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'buf(void *p [, int length])',
    check: buf,
  }),
  dataFunction('ksym', 'the kernel symbol at an address', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'ksym(int address)',
    check: ofInt(() => viewed({ kind: 'ksym' })),
  }),
  dataFunction('usym', 'the user symbol at an address', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'usym(int address)',
    check: ofInt(() => ({ kind: 'buffer', size: 12, view: 'usym' })),
  }),
  dataFunction('kaddr', 'the address of a kernel symbol', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'kaddr(string symbol)',
    check: kaddr,
  }),
  dataFunction('percpu_kaddr', "the address of a per-CPU kernel variable's copy on a CPU (this one by default)", {
    minArgs: 1,
    maxArgs: 2,
    signature: 'percpu_kaddr(string variable [, int cpu])',
    check: percpuKaddr,
  }),
  dataFunction('socket_cookie', "a socket's cookie, its unique 64-bit id", {
    minArgs: 1,
    maxArgs: 1,
    signature: 'socket_cookie(struct sock *sk)',
    check: socketCookie,
  }),
  dataFunction('skboutput', "writes a socket buffer's packet to a pcap file; 0 or a negative error", {
    minArgs: 4,
    maxArgs: 4,
    signature: 'skboutput(string file, struct sk_buff *skb, int length, int offset)',
    discardable: true,
    check: skbOutput,
  }),
  dataFunction('uaddr', 'the address of a symbol in the probed binary', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'uaddr(string symbol)',
    check: uaddr,
  }),
  dataFunction('kptr', 'an integer as a kernel pointer', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'kptr(int address)',
    check: ofInt(() => pointer('kernel')),
  }),
  dataFunction('uptr', 'an integer as a user pointer', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'uptr(int address)',
    check: ofInt(() => pointer('user')),
  }),
  dataFunction('ntop', 'an IPv4 or IPv6 address as text', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'ntop([int af,] int|char[4]|char[16] address)',
    check: ntop,
  }),
  dataFunction('pton', 'the bytes of an IPv4 or IPv6 address', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'pton(string address)',
    check: pton,
  }),
  dataFunction('macaddr', 'a MAC address as text', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'macaddr(char[6] address)',
    check: macaddr,
  }),
  dataFunction('cgroupid', 'the id of a cgroup directory', {
    minArgs: 1,
    maxArgs: 1,
    signature: 'cgroupid(string path)',
    check: cgroupid,
  }),
  dataFunction('cgroup_path', 'the path of a cgroup id', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'cgroup_path(int cgroup_id [, string hierarchies])',
    check: (ctx, c) => {
      const [id, filter] = c.args;
      if (id) ctx.intOperand(id, 'cgroup_path()');
      // which hierarchies to look in, a wildcard over their names: "unified" (cgroup v2), v1's controllers
      const only =
        filter && stringLiteral(ctx, filter, 'cgroup_path()', 'a hierarchy name or wildcard, e.g. "unified"');
      return viewed({ kind: 'cgroup_path', ...(only !== undefined ? { only } : {}) });
    },
  }),
  dataFunction('path', 'the full path of a struct path', {
    minArgs: 1,
    maxArgs: 2,
    signature: 'path(struct path *p[, int size])',
    check: path,
  }),
];

function kaddr(ctx: CheckContext, c: CallExpr): Type {
  const name = stringLiteral(ctx, c.args[0], 'kaddr()', 'a kernel symbol name');
  if (name === undefined) return u64;
  const addr = ctx.kernel.kernelSymbolAddress(name);
  // bpftrace v0.26's words, over the whole call as there
  if (addr === undefined)
    ctx.error(`Failed to resolve kernel symbol: ${name}`, c.span, ['see the names in /proc/kallsyms']);
  else ctx.constants.set(c, addr);
  return u64;
}

/**
 * percpu_kaddr(name[, cpu]): bpf_this_cpu_ptr / bpf_per_cpu_ptr (kernel 5.10) of the variable's BTF VAR, which
 * the kernel resolves when it loads the program (per-CPU variables are often missing from /proc/kallsyms).
 * The BTF id waits in ctx.constants for the code generator. The result points at the variable's C type.
 */
function percpuKaddr(ctx: CheckContext, c: CallExpr): Type {
  const [nameArg, cpu] = c.args;
  if (cpu) ctx.intOperand(cpu, 'percpu_kaddr()');
  const name = stringLiteral(ctx, nameArg, 'percpu_kaddr()', 'a per-CPU variable name');
  // bpftrace's uint64 * when the variable's type is unknown
  const u64Pointer: Type = { kind: 'int', bits: 64, signed: false, space: 'kernel', pointeeInt: u64 };
  if (name === undefined) return u64Pointer;
  const btf = ctx.btf();
  const id = btf?.find(name, 'var');
  if (!btf || id === undefined) {
    ctx.error(`percpu_kaddr(): no per-CPU kernel variable named '${name}' in the kernel's BTF`, nameArg!.span, [
      "per-CPU variables are the VARs of vmlinux BTF's .data..percpu section, e.g. runqueues or process_counts",
    ]);
    return u64Pointer;
  }
  // the kernel finds the address with kallsyms_lookup_name, which knows data symbols only with CONFIG_KALLSYMS_ALL
  if (ctx.kernel.kernelSymbolAddress(name) === undefined)
    ctx.error(`percpu_kaddr(): the kernel cannot give the address of '${name}'`, nameArg!.span, [
      'it is not in /proc/kallsyms: this kernel lists data symbols only when built with CONFIG_KALLSYMS_ALL',
    ]);
  ctx.constants.set(c, BigInt(id));
  const v = btf.type(id);
  const target = v.kind === 'var' ? v.target : 0;
  return { kind: 'int', bits: 64, signed: false, space: 'kernel', pointee: target, pointeeName: btf.typeName(target) };
}

/** bpf_get_socket_cookie wants the kernel's own typed socket pointer: one straight from a BTF-typed context. */
function socketCookie(ctx: CheckContext, c: CallExpr): Type {
  const a = c.args[0];
  if (!a) return u64;
  const t = ctx.expr(a);
  const fromContext =
    a.kind === 'field' &&
    a.base.kind === 'ident' &&
    (a.base.name === 'args' || a.base.name === 'ctx') &&
    ctx.attach().every((x) => probeContext(x).params);
  if (t.kind !== 'int' || t.pointeeName !== 'struct sock' || !fromContext)
    ctx.error(
      'socket_cookie() needs a struct sock * taken straight from the probe arguments, like args.sk in fentry or rawtracepoint probes',
      a.span,
    );
  return u64;
}

/**
 * skboutput(file, skb, length, offset): bpf_skb_output copies `length` bytes of the packet to user space,
 * which appends them, from `offset` on, to the pcap file. The kernel offers that helper to tracing programs
 * only (fentry/fexit, and rawtracepoint where the kernel's BTF types it: tp_btf), and wants the kernel's own
 * typed sk_buff pointer, as the context gives it.
 */
function skbOutput(ctx: CheckContext, c: CallExpr): Type {
  const [file, skb, len, offset] = c.args;
  if (file?.kind !== 'string') {
    if (file) ctx.expr(file);
    ctx.error('skboutput() needs the pcap file name as a string literal', (file ?? c).span);
  }
  if (skb) {
    const t = ctx.expr(skb);
    if (t.kind !== 'int' || t.pointeeName !== 'struct sk_buff')
      ctx.error(`skboutput() needs a struct sk_buff *, got ${describe(t)}`, skb.span, [
        'e.g. args.skb in fentry, or (struct sk_buff *)arg0 in a rawtracepoint',
      ]);
  }
  if (len) ctx.intOperand(len, 'skboutput() length');
  if (offset && (offset.kind !== 'int' || intLiteral(ctx, offset) === undefined))
    ctx.error('skboutput() needs the offset (bytes left out at the start) as an integer literal', offset.span);
  const wrong = ctx
    .attach()
    .filter(
      (a) =>
        !(
          a.provider === 'fentry' ||
          a.provider === 'fexit' ||
          (a.provider === 'rawtracepoint' && a.btfId !== undefined)
        ),
    );
  if (wrong.length)
    ctx.error(
      `skboutput() works in fentry, fexit and BTF rawtracepoint probes only (the kernel's bpf_skb_output is for tracing programs), not ${wrong[0]!.text}`,
      c.span,
      [
        'probe a function that takes the packet, e.g. fentry:__dev_queue_xmit { skboutput("x.pcap", args.skb, args.skb.len, 0) }',
      ],
    );
  return u32;
}

/** The symbol's address in the probed binary (its ELF symbol's; a uprobe moves it to where the file is loaded). */
function uaddr(ctx: CheckContext, c: CallExpr): Type {
  const name = stringLiteral(ctx, c.args[0], 'uaddr()', 'a symbol name');
  const binaries = ctx.attach().flatMap((a) => probeContext(a).binary ?? []);
  if (!binaries.length || binaries.length !== ctx.attach().length) {
    ctx.error(
      'uaddr() looks the symbol up in the binary of a uprobe, so it works only in uprobe and uretprobe probes',
      c.span,
    );
    return u64;
  }
  if (name === undefined) return u64;
  const paths = [...new Set(binaries)];
  if (paths.length > 1) {
    ctx.error('uaddr() in a probe on several binaries is ambiguous', c.span, ['split the probe by binary']);
    return u64;
  }
  const sym = ctx.kernel.userSymbol?.(paths[0]!, name);
  if (sym && !('error' in sym)) {
    // a pointer to an unsigned integer of the symbol's size; 8 bytes when it has no such size (bpftrace v0.26)
    const bits: IntBits = sym.size === 1 ? 8 : sym.size === 2 ? 16 : sym.size === 4 ? 32 : 64;
    const type: Type = {
      kind: 'int',
      bits: 64,
      signed: false,
      space: 'user',
      pointeeInt: { kind: 'int', bits, signed: false },
    };
    // a PIE or shared library is moved where it is loaded by the code (from the probe's own address)
    ctx.constants.set(c, sym.vaddr);
    return type;
  }
  const sites = ctx.kernel.userProbeSites(paths[0]!, name);
  if ('error' in sites)
    ctx.error(`uaddr(): ${sites.error}`, c.args[0]!.span, sites.hints ? [...sites.hints] : undefined);
  else if (sites[0]) ctx.constants.set(c, sites[0].vaddr);
  return pointer('user');
}

function pton(ctx: CheckContext, c: CallExpr): Type {
  const text = stringLiteral(ctx, c.args[0], 'pton()', 'an IPv4 or IPv6 address');
  // a uint8[4] or uint8[16] (bpftrace v0.26): indexes, prints [127,0,0,1], compares with an address field
  const address = (n: number): Type => ({ kind: 'array', elem: int(8, false), count: n });
  if (text === undefined) return address(4);
  const bytes = parseAddress(text);
  if (!bytes) {
    ctx.error(`pton(): '${text}' is not an IPv4 or IPv6 address`, c.args[0]!.span, [
      'for example pton("127.0.0.1") or pton("::1")',
    ]);
    return address(4);
  }
  ctx.constBytes.set(c, bytes);
  return address(bytes.length);
}

function macaddr(ctx: CheckContext, c: CallExpr): Type {
  const a = c.args[0];
  if (!a) return { kind: 'buffer', size: 6, view: 'mac' };
  const t = ctx.expr(a);
  const ok =
    (t.kind === 'string' && t.size === 6) ||
    (t.kind === 'buffer' && !t.view && t.size >= 6) ||
    (t.kind === 'array' && sizeOf(t) >= 6) ||
    (t.kind === 'int' && t.space);
  if (!ok)
    ctx.error(`macaddr() needs 6 bytes (a char[6] field, buf(p, 6) or a pointer), got ${describe(t)}`, a.span, [
      'for example macaddr(args->addr) or macaddr(buf(p, 6))',
    ]);
  return { kind: 'buffer', size: 6, view: 'mac' };
}

function cgroupid(ctx: CheckContext, c: CallExpr): Type {
  const path = stringLiteral(ctx, c.args[0], 'cgroupid()', 'a cgroup directory path');
  if (path === undefined) return u64;
  const id = ctx.kernel.cgroupId(path);
  if (id === undefined)
    ctx.error(`cgroupid(): no cgroup at '${path}'`, c.args[0]!.span, [
      'cgroup v2 directories live under /sys/fs/cgroup',
    ]);
  else ctx.constants.set(c, id);
  return u64;
}

/** The kernel's longest path, with its NUL (linux/limits.h). */
const PATH_MAX = 4096;

/**
 * bpf_d_path wants the kernel's own (BTF-typed) pointer to a struct path, so the argument must come straight
 * from the probe's context: args->p, ctx->file->f_path, args->file->f_path (or args.file.f_path).
 */
function path(ctx: CheckContext, c: CallExpr): Type {
  const [a, size] = c.args;
  // path(p, n): a string of n bytes (a literal, as bpftrace v0.26 takes it), max_strlen without
  const n = size ? intLiteral(ctx, size) : undefined;
  if (size && (n === undefined || n < 1n || n > BigInt(PATH_MAX))) {
    ctx.error(`path()'s size must be an integer literal from 1 to ${PATH_MAX}`, size.span);
    if (n === undefined) ctx.expr(size);
  } else if (size) ctx.typeOf.set(size, i64);
  const out: Type = {
    kind: 'string',
    size: n !== undefined && n >= 1n && n <= BigInt(PATH_MAX) ? Number(n) : ctx.config.maxStrlen,
  };
  if (!a) return out;
  const t = ctx.expr(a);
  const wrong = ctx.attach().find((x) => !probeContext(x).dPath);
  if (wrong) {
    ctx.error(
      `path() uses bpf_d_path, which only fentry/fexit and iter probes may call, not ${wrong.provider} probes`,
      c.span,
      ['print the file name from a syscall tracepoint instead, e.g. str(args->filename)'],
    );
    return out;
  }
  const isPath = (x: Type) =>
    (x.kind === 'record' && x.name === 'struct path') || (x.kind === 'int' && x.pointeeName === 'struct path');
  const fromContext = (x: Expr): boolean =>
    x.kind === 'field' && x.base.kind === 'ident' && (x.base.name === 'args' || x.base.name === 'ctx');
  // `.` through a pointer reads as `->` (bpftrace v0.26: args.file.f_path)
  const throughPointer = (x: Expr & { kind: 'field' }) => x.arrow || ctx.typeOf.get(x.base)?.kind === 'int';
  const direct = fromContext(a) || (a.kind === 'field' && throughPointer(a) && fromContext(a.base));
  if (!isPath(t) || !direct)
    ctx.error(
      'path() needs a struct path taken straight from the probe arguments, like args->file->f_path or ctx->file->f_path',
      a.span,
    );
  return out;
}

/**
 * buf(p, n): n bytes at p (a user or kernel pointer, by its address space), or the bytes of a string or array.
 * A literal n fixes the size; a computed n is capped when the probe runs. Either is at most max_strlen less the
 * 4 bytes of the buffer's length, bpftrace v0.26's largest buffer (past it v0.26 shortens silently; scry warns).
 */
function buf(ctx: CheckContext, c: CallExpr): Type {
  const [src, len] = c.args;
  if (!src) return { kind: 'buffer', size: 1 };
  const t = ctx.expr(src);
  const largest = Math.max(0, ctx.config.maxStrlen - 4);
  let size: number | undefined;
  let fixed: number | undefined; // a literal length
  if (len) {
    // a literal, or a positional parameter that reads as a number: buf(p, $1)
    const n = intLiteral(ctx, len);
    if (n !== undefined) {
      ctx.typeOf.set(len, i64);
      if (n < 0n) {
        ctx.error(`buf() cannot use a negative length (${n})`, len.span);
        return { kind: 'buffer', size: 1 };
      }
      if (n > BigInt(largest))
        ctx.report(
          warning(`buf() length ${n} is too long and will be shortened to ${largest} bytes`, len.span, [
            `a buffer holds at most max_strlen (${ctx.config.maxStrlen}) less 4 bytes; raise it with: config = { max_strlen = N }`,
          ]),
        );
      size = fixed = Math.min(Number(n), largest);
    } else {
      ctx.intOperand(len, 'buf()');
      size = largest;
    }
  }
  // a string's bytes need a length (bpftrace v0.26: only arrays have one of their own). A literal length past the
  // string's end pads with NULs (bpftrace 0.17 prints buf("ok_key", 8) as ok_key\x00\x00; v0.26 reads 8 bytes
  // too, past the literal's storage), so the length asked for is the length printed.
  if (t.kind === 'string') {
    if (!len)
      ctx.error('buf() of a string needs a length', c.span, [
        `for example buf(s, 8); only arrays (a char[16] struct member, an int[4]) are taken whole`,
      ]);
    return { kind: 'buffer', size: fixed ?? Math.min(size ?? t.size, t.size) };
  }
  if (t.kind === 'buffer') return { kind: 'buffer', size: Math.min(size ?? t.size, t.size) };
  // an array member (int d[4], uint8_t c[4]) or an integer array: its bytes as they are in memory
  if ((t.kind === 'record' && t.name.endsWith(']')) || t.kind === 'array') {
    const bytes = sizeOf(t);
    return { kind: 'buffer', size: Math.min(size ?? bytes, bytes, largest) };
  }
  if (t.kind === 'int') {
    if (size === undefined) ctx.error('buf() of a pointer needs a length', c.span, ['for example buf(p, 16)']);
    return { kind: 'buffer', size: size ?? 1 };
  }
  ctx.error(`buf() needs a pointer, a string or an array, got ${describe(t)}`, src.span);
  return { kind: 'buffer', size: 1 };
}

/** ntop(addr) / ntop(af, addr): an IPv4 address from a u32 or 4 bytes, IPv6 from 16 bytes. */
function ntop(ctx: CheckContext, c: CallExpr): Type {
  const addr = c.args[c.args.length - 1];
  const af = c.args.length === 2 ? c.args[0] : undefined;
  if (af) ctx.intOperand(af, 'ntop()');
  if (!addr) return { kind: 'buffer', size: 16, view: 'inet' };
  const t = ctx.expr(addr);
  const bytes =
    t.kind === 'string' || t.kind === 'array'
      ? sizeOf(t)
      : t.kind === 'buffer' && !t.view
        ? t.size
        : t.kind === 'int' && !t.space
          ? 4
          : undefined;
  if (bytes !== 4 && bytes !== 16)
    ctx.error(
      `ntop() needs an IPv4 address (an integer or 4 bytes) or an IPv6 address (16 bytes), got ${describe(t)}`,
      addr.span,
      ['for example ntop(args->saddr) or ntop(2, 0x0100007f)'],
    );
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
