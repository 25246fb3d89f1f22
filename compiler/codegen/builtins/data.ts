// Numbers and bytes that user space prints as text: addresses and symbols (ksym, usym, kaddr, …), buffers
// (buf, ntop, macaddr, pton), cgroups, bswap, path. Buffers are [u64 length][bytes] (lang/types.ts).
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  BPF_PSEUDO_BTF_ID,
  alu64Imm,
  alu64Reg,
  call,
  endian,
  ldImm64,
  ldMapFd,
  mov32Imm,
  type Insn,
  ja,
  jmpImm,
  ldx,
  mov32Reg,
  mov64Imm,
  mov64Reg,
} from '../../asm/index.ts';
import { sizeOf, type CallExpr, type Expr, type FieldExpr, type IdentExpr, type Type } from '../../../lang/index.ts';
import {
  CodegenError,
  addrOf,
  allocOrFail,
  allocValue,
  emitInt,
  emitInto,
  ldSlot,
  scoped,
  stSlot,
  stxSlot,
  typeOf,
  type Gen,
} from '../context.ts';
import { checkHelper } from '../helper-errors.ts';
import { readHelper } from '../memory.ts';
import { copyStack, emitConstant, loadConst, storeBytes } from '../values.ts';
import { slotSize } from '../../layout.ts';
import { SKB_OUTPUT_HEADER, SKB_OUTPUT_MAP } from '../../program.ts';
import type { BuiltinEmit, EmitRows } from './emit.ts';

type BufferType = Extract<Type, { kind: 'buffer' }>;

/** The number travels as it is; user space resolves or formats it (ksym, kptr, strerror, …). */
export const passThrough: BuiltinEmit = { call: { int: (g, c) => emitInt(g, c.args[0]!) } };

/** A value the checker worked out, emitted as it is: unknown there, the code generator's bug. */
function emitChecked(g: Gen, x: CallExpr | IdentExpr, what: string): void {
  if (!emitConstant(g, x)) throw new CodegenError(`${what} has no value known when compiling`, x.span);
}

/**
 * A call the checker worked out: from a literal argument (kaddr, uaddr, cgroupid, strcap, kfunc_exist), from the
 * argument's type (is_str(), …), from the settings (default_str_length()).
 */
export const checkerConstant: BuiltinEmit = { call: { int: (g, c) => emitChecked(g, c, `${c.name}()`) } };

/** A builtin variable the checker worked out (has_cpid, from whether -c was given). */
export const checkerConstantVariable: BuiltinEmit = { variable: { int: (g, x) => emitChecked(g, x, x.name) } };

/**
 * uaddr(name): the symbol's address in the probed file (the checker's constant). In a uprobe the file may
 * be loaded anywhere (PIE, shared library): the probe's own address, from bpf_get_func_ip (uprobes: kernel
 * 6.4), less its address in the file, is the load bias, which moves the symbol too (0 for a fixed executable).
 */
function emitUaddr(g: Gen, c: CallExpr): void {
  const vaddr = g.shared.checked.constants.get(c);
  if (vaddr === undefined) throw new CodegenError('uaddr() has no address', c.span);
  const a = g.attach;
  if (a.provider !== 'uprobe' && a.provider !== 'uretprobe') return loadConst(g, R0, vaddr);
  g.e.emit(...g.e.contextToR1(), call(helper.get_func_ip));
  loadConst(g, R1, vaddr - a.vaddr);
  g.e.emit(alu64Reg('add', R0, R1));
}

/** A buffer-typed call: `write` fills the buffer at `off` (zeroed by the caller). */
function buffer(write: (g: Gen, c: CallExpr, t: BufferType, off: number) => void): BuiltinEmit {
  return {
    call: {
      into: (g, c, off) => {
        const t = typeOf(g, c);
        if (t.kind !== 'buffer') throw new Error(`${c.name}() without a buffer type`);
        write(g, c, t, off);
      },
    },
  };
}

export const dataBuiltins: EmitRows = {
  ksym: passThrough,
  kptr: passThrough,
  uptr: passThrough,
  cgroup_path: passThrough,
  kaddr: checkerConstant,
  uaddr: { call: { int: emitUaddr } },
  cgroupid: checkerConstant,
  bswap: {
    call: {
      int: (g, c) => {
        emitInt(g, c.args[0]!);
        const t = typeOf(g, c);
        // one byte has nothing to swap (bpftrace v0.26: returned as it is, unsigned)
        if (t.kind === 'int' && t.bits === 8) return g.e.emit(alu64Imm('and', R0, 0xff));
        g.e.emit(endian(R0, 'be', t.kind === 'int' ? (t.bits as 16 | 32 | 64) : 64)); // x86-64 is little-endian
      },
    },
  },
  percpu_kaddr: { call: { int: emitPercpuKaddr } },
  skboutput: { call: { int: emitSkbOutput } },
  socket_cookie: {
    call: {
      int: (g, c) => {
        // the kernel's typed socket pointer, loaded straight from the context as bpf_get_socket_cookie wants it
        const slot = typedArgSlot(g, c.args[0]!);
        if (slot === undefined)
          throw new CodegenError('socket_cookie() needs a socket from the probe arguments', c.args[0]!.span);
        g.e.emit(ldx(8, R1, g.e.context(), 8 * slot), call(helper.get_socket_cookie));
      },
    },
  },
  usym: buffer((g, c, _t, off) => {
    // the address and the pid: user space reads the process's symbols
    emitInt(g, c.args[0]!);
    g.e.emit(
      stxSlot(8, off + 8, R0),
      call(helper.get_current_pid_tgid),
      alu64Imm('rsh', R0, 32),
      stxSlot(8, off + 16, R0),
      stSlot(8, off, 12),
    );
  }),
  buf: buffer(emitBuf),
  macaddr: buffer((g, c, _t, off) => {
    copyBytesFrom(g, c.args[0]!, off + 8, 6);
    g.e.emit(stSlot(8, off, 6));
  }),
  ntop: buffer((g, c, _t, off) => emitNtop(g, c, off)),
  pton: {
    call: {
      // the address's bytes (an array: no length word)
      into: (g, c, off) => {
        const bytes = g.shared.checked.constBytes.get(c);
        if (!bytes) throw new Error('pton() without its address');
        storeBytes(g, bytes, off);
      },
    },
  },
  path: {
    call: {
      into: (g, c, off, size) => {
        const t = typeOf(g, c);
        emitPath(g, c.args[0]!, off, t.kind === 'string' ? Math.min(size, t.size) : size);
      },
    },
  },
};

/** Copies `n` bytes of a string, buffer or pointed-to memory to `to`. */
function copyBytesFrom(g: Gen, src: Expr, to: number, n: number): void {
  const st = typeOf(g, src);
  if (st.kind === 'int') {
    emitInt(g, src);
    const read = readHelper(st.space);
    g.e.emit(mov64Reg(R3, R0), ...addrOf(R1, to), mov64Imm(R2, n), call(read.fn));
    checkHelper(g, read.name, 'read');
    return;
  }
  scoped(g, () => {
    const size = slotSize(st);
    const tmp = allocValue(g, size);
    emitInto(g, src, tmp, size);
    // a buffer's bytes start after its length word; whole words, then the tail byte by byte, so nothing past
    // n lands in the (zeroed) destination: buffers are compared and hashed as map keys
    const from = st.kind === 'buffer' ? tmp + 8 : tmp;
    const whole = Math.floor(n / 8) * 8;
    copyStack(g, from, to, whole);
    for (let i = whole; i < n; i++) g.e.emit(ldSlot(1, R1, from + i), stxSlot(1, to + i, R1));
  });
}

/** buf(p, n): n bytes (capped at the buffer's size when n is computed) from a pointer, string or buffer. */
function emitBuf(g: Gen, x: CallExpr, t: BufferType, off: number): void {
  const e = g.e;
  const [src, len] = x.args as [Expr, Expr | undefined];
  const st = typeOf(g, src);
  if (!len || len.kind === 'int') {
    // a string shorter than the length asked for: its bytes, then the destination's zeros
    copyBytesFrom(g, src, off + 8, st.kind === 'string' ? Math.min(t.size, st.size) : t.size);
    e.emit(stSlot(8, off, t.size));
    return;
  }
  if (st.kind !== 'int') {
    // a computed length: that many of the value's bytes (at most the buffer's), the rest of the destination left
    // zero, as map keys hash and compare it whole
    scoped(g, () => {
      const size = slotSize(st);
      const tmp = allocValue(g, size);
      emitInto(g, src, tmp, size);
      emitCappedLength(g, len, t.size);
      e.emit(stxSlot(8, off, R0), mov64Reg(R2, R0), ...addrOf(R1, off + 8));
      e.emit(...addrOf(R3, st.kind === 'buffer' ? tmp + 8 : tmp), call(helper.probe_read_kernel));
    });
    return;
  }
  scoped(g, () => {
    // length first (clamped so the verifier sees a bounded size), then the address
    const n = allocOrFail(g, 8, len.span);
    emitCappedLength(g, len, t.size);
    e.emit(stxSlot(8, n, R0), stxSlot(8, off, R0));
    emitInt(g, src);
    const read = readHelper(st.space);
    e.emit(mov64Reg(R3, R0), ldSlot(8, R2, n), ...addrOf(R1, off + 8), call(read.fn));
    checkHelper(g, read.name, 'read');
  });
}

/** r0 = a computed length, at most `max` (unsigned: a negative one is past it), bounded as the verifier wants. */
function emitCappedLength(g: Gen, len: Expr, max: number): void {
  const capped = g.e.freshLabel('buf.len');
  emitInt(g, len);
  g.e.emit(jmpImm('jle', R0, max, capped), mov64Imm(R0, max));
  g.e.place(capped);
}

/**
 * percpu_kaddr(name[, cpu]): the variable's BTF VAR (an ld_imm64 the kernel resolves to its address, kernel
 * 5.10), through bpf_this_cpu_ptr or bpf_per_cpu_ptr (NULL for a CPU that does not exist). The verifier
 * types the result as a pointer it tracks; scry reads through pointers with probe_read_kernel and does
 * arithmetic on them, so the value is copied through the stack by probe_read_kernel to make it a number.
 */
function emitPercpuKaddr(g: Gen, c: CallExpr): void {
  const id = g.shared.checked.constants.get(c);
  if (id === undefined) throw new Error('percpu_kaddr() without its BTF id');
  const e = g.e;
  const cpu = c.args[1];
  scoped(g, () => {
    const slots = allocOrFail(g, 16, c.span);
    if (cpu) {
      emitInt(g, cpu);
      e.emit(mov64Reg(R2, R0), btfVar(R1, id), call(helper.per_cpu_ptr));
    } else e.emit(btfVar(R1, id), call(helper.this_cpu_ptr));
    e.emit(stxSlot(8, slots, R0), ...addrOf(R1, slots + 8), mov64Imm(R2, 8), ...addrOf(R3, slots));
    e.emit(call(helper.probe_read_kernel), ldSlot(8, R0, slots + 8));
  });
}

/** ld_imm64 dst, <vmlinux BTF VAR id>: the kernel puts the variable's address there when it loads the program. */
function btfVar(dst: typeof R1, id: bigint): Insn {
  return { ...ldImm64(dst, id), src: BPF_PSEUDO_BTF_ID };
}

const AF_INET = 2;
const AF_INET6 = 10;

/**
 * ntop([af,] addr): IPv4 from an integer or 4 bytes, IPv6 from 16. An af given decides when the probe runs, as
 * bpftrace v0.26's inet_ntop does: AF_INET the first 4 bytes, AF_INET6 all 16 (an IPv4 source zero-padded), any
 * other family no text (length 0).
 */
function emitNtop(g: Gen, x: CallExpr, off: number): void {
  const e = g.e;
  const addr = x.args[x.args.length - 1]!;
  const af = x.args.length === 2 ? x.args[0] : undefined;
  const at = typeOf(g, addr);
  let bytes = 4;
  if (at.kind === 'int') {
    emitInt(g, addr);
    e.emit(mov32Reg(R0, R0), stxSlot(8, off + 8, R0));
  } else {
    bytes = at.kind === 'string' || at.kind === 'buffer' ? at.size : at.kind === 'array' ? sizeOf(at) : 4;
    copyBytesFrom(g, addr, off + 8, bytes);
  }
  if (!af) {
    e.emit(stSlot(8, off, bytes === 4 ? 4 : 16));
    return;
  }
  if (bytes === 4) e.emit(stSlot(4, off + 12, 0), stSlot(8, off + 16, 0)); // an IPv4 source read as IPv6
  const v4 = e.freshLabel('ntop.v4');
  const v6 = e.freshLabel('ntop.v6');
  const done = e.freshLabel('ntop.end');
  emitInt(g, af);
  e.emit(jmpImm('jeq', R0, AF_INET, v4), jmpImm('jeq', R0, AF_INET6, v6), stSlot(8, off, 0), ja(done));
  e.place(v4);
  e.emit(stSlot(8, off, 4), ja(done));
  e.place(v6);
  e.emit(stSlot(8, off, 16));
  e.place(done);
}

/**
 * The context slot of `args.name` in a tracing program (fentry/fexit, tp_btf, iter): loaded from there, the value
 * is the kernel's typed pointer, which helpers such as bpf_d_path and bpf_skb_output insist on (reading it as a
 * value copies it out into a plain number). Undefined for anything else.
 */
function typedArgSlot(g: Gen, x: Expr): number | undefined {
  const info = g.shared.checked.argFields.get(x as FieldExpr);
  return info?.access.kind === 'context' ? info.access.index : undefined;
}

/**
 * path(p): bpf_d_path(&struct path, buf, size). The verifier wants the kernel's own typed pointer, so it is
 * loaded straight from the context (not copied out as a context slot read is), null-checked, and offset to
 * the struct path member when the argument is `ctx->file->f_path`.
 */
function emitPath(g: Gen, arg: Expr, off: number, size: number): void {
  const e = g.e;
  const slotOf = (x: Expr) => {
    const slot = typedArgSlot(g, x);
    if (slot === undefined) throw new CodegenError('path() needs a struct path from the probe arguments', arg.span);
    return slot;
  };
  const viaMember = arg.kind === 'field' && arg.base.kind === 'field' && g.shared.checked.memory.get(arg);
  const done = e.freshLabel('path.null');
  e.emit(ldx(8, R1, e.context(), 8 * slotOf(viaMember ? (arg as FieldExpr).base : arg)), jmpImm('jeq', R1, 0, done));
  if (viaMember && viaMember.offset) e.emit(alu64Imm('add', R1, viaMember.offset));
  e.emit(...addrOf(R2, off), mov64Imm(R3, size), call(helper.d_path));
  checkHelper(g, 'd_path', 'other');
  e.place(done);
}

/**
 * skboutput(file, skb, len, offset): bpf_skb_output(skb, SKB_OUTPUT_MAP, len << 32 | BPF_F_CURRENT_CPU,
 * &header, 24) puts the header and `len` bytes of the packet on this CPU's perf buffer; user space appends
 * them to the pcap file (runtime/skb-output.ts). The header: the call's index, the boot-time ns, the length.
 */
function emitSkbOutput(g: Gen, c: CallExpr): void {
  const [file, skb, len, offset] = c.args;
  if (file?.kind !== 'string' || offset?.kind !== 'int' || !skb || !len)
    throw new CodegenError('skboutput() without its literal file and offset', c.span);
  const list = (g.shared.skbOutputs ??= []);
  const id = list.push({ file: file.value, offset: Number(offset.value) }) - 1;
  scoped(g, () => {
    const hdr = allocOrFail(g, SKB_OUTPUT_HEADER, c.span);
    const ptr = allocOrFail(g, 8, c.span);
    emitInt(g, len);
    g.e.emit(stxSlot(8, hdr + 16, R0));
    // args.skb of a tracing program straight from its context slot (reading it as a value copies it out, and the
    // helper wants the kernel's typed pointer); a cast arg0 is read from the context as it is
    const slot = typedArgSlot(g, skb);
    if (slot !== undefined) g.e.emit(ldx(8, R0, g.e.context(), 8 * slot));
    else emitInt(g, skb);
    g.e.emit(stxSlot(8, ptr, R0)); // a spill keeps the kernel's typed pointer, which the helper insists on
    g.e.emit(call(helper.ktime_get_boot_ns), stxSlot(8, hdr + 8, R0));
    loadConst(g, R1, BigInt(id));
    g.e.emit(
      stxSlot(8, hdr, R1),
      ldSlot(8, R3, hdr + 16),
      alu64Imm('lsh', R3, 32),
      mov32Imm(R4, -1), // BPF_F_CURRENT_CPU, 0xffffffff (a 32-bit move zero-extends)
      alu64Reg('or', R3, R4),
      ldSlot(8, R1, ptr),
      ldMapFd(R2, SKB_OUTPUT_MAP),
      ...addrOf(R4, hdr),
      mov64Imm(R5, SKB_OUTPUT_HEADER),
      call(helper.skb_output),
    );
  });
}
