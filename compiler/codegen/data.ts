// Values built from memory and context that user space prints as text: stacks, buffers (buf, usym, ntop,
// macaddr, pton), and the join() event. Buffers are [u64 length][bytes] (lang/types.ts).
import { BPF_FUNC as helper, R0, R1, R2, R3, R6, alu64Imm, alu64Reg, call, ja, jmpImm, ldMapFd, mov32Reg, mov64Imm, mov64Reg } from '../asm/index.ts';
import type { CallExpr, Expr } from '../../lang/ast.ts';
import type { IntView, Type } from '../../lang/types.ts';
import { stackMapName } from '../program.ts';
import { addrOf, allocOrFail, allocValue, ldSlot, scoped, stSlot, stxSlot, typeOf, type Gen } from './context.ts';
import { copyStack, emitInt, emitInto, loadConst, storeBytes } from './expr.ts';
import { defineEvent, emitEventOutput } from './events.ts';
import { checkHelper } from './helper-errors.ts';
import { slotSize } from '../layout.ts';

const BPF_F_USER_STACK = 1 << 8;

type StackView = Extract<IntView, { kind: 'stack' }>;

/** r0 = the stack id (negative when it could not be taken); for ustack the pid sits above it, for symbols. */
export function emitStack(g: Gen, view: StackView, span: Expr['span']): void {
  const e = g.e;
  g.shared.stackLimits.add(view.limit);
  const user = view.space === 'user';
  e.emit(mov64Reg(R1, R6), ldMapFd(R2, stackMapName(view.limit)), mov64Imm(R3, user ? BPF_F_USER_STACK : 0), call(helper.get_stackid));
  checkHelper(g, 'get_stackid', 'other');
  if (!user) return;
  scoped(g, () => {
    const id = allocOrFail(g, 8, span);
    e.emit(mov32Reg(R0, R0), stxSlot(8, id, R0), call(helper.get_current_pid_tgid), alu64Imm('rsh', R0, 32), alu64Imm('lsh', R0, 32));
    e.emit(ldSlot(8, R1, id), alu64Reg('or', R0, R1));
  });
}

/** The probe_read helper for an address space (the legacy one, which reads either on x86-64, when unknown). */
export function readHelper(space: 'user' | 'kernel' | undefined): { fn: number; name: 'probe_read_user' | 'probe_read_kernel' | 'probe_read' } {
  if (space === 'user') return { fn: helper.probe_read_user, name: 'probe_read_user' };
  if (space === 'kernel') return { fn: helper.probe_read_kernel, name: 'probe_read_kernel' };
  return { fn: helper.probe_read, name: 'probe_read' };
}

/** The NUL-terminated string read helper for an address space (legacy probe_read_str when unknown). */
export function readStrHelper(space: 'user' | 'kernel' | undefined): { fn: number; name: 'probe_read_user_str' | 'probe_read_kernel_str' | 'probe_read_str' } {
  if (space === 'user') return { fn: helper.probe_read_user_str, name: 'probe_read_user_str' };
  if (space === 'kernel') return { fn: helper.probe_read_kernel_str, name: 'probe_read_kernel_str' };
  return { fn: helper.probe_read_str, name: 'probe_read_str' };
}

/** Writes a buffer-typed call (buf, usym, ntop, macaddr, pton) at `off` (zeroed by the caller), `size` bytes. */
export function emitBufferCall(g: Gen, x: CallExpr, t: Extract<Type, { kind: 'buffer' }>, off: number): boolean {
  const e = g.e;
  const data = off + 8;
  switch (x.name) {
    case 'pton': {
      const bytes = g.shared.checked.constBytes.get(x);
      if (!bytes) throw new Error('pton() without its address');
      storeBytes(g, bytes, data);
      e.emit(stSlot(8, off, bytes.length));
      return true;
    }
    case 'usym': {
      emitInt(g, x.args[0]!);
      e.emit(stxSlot(8, data, R0), call(helper.get_current_pid_tgid), alu64Imm('rsh', R0, 32), stxSlot(8, data + 8, R0), stSlot(8, off, 12));
      return true;
    }
    case 'buf':
      emitBuf(g, x, t, off);
      return true;
    case 'macaddr':
      copyBytesFrom(g, x.args[0]!, data, 6);
      e.emit(stSlot(8, off, 6));
      return true;
    case 'ntop':
      emitNtop(g, x, off);
      return true;
    default:
      return false;
  }
}

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
function emitBuf(g: Gen, x: CallExpr, t: Extract<Type, { kind: 'buffer' }>, off: number): void {
  const e = g.e;
  const [src, len] = x.args as [Expr, Expr | undefined];
  const st = typeOf(g, src);
  if (st.kind !== 'int') {
    copyBytesFrom(g, src, off + 8, t.size);
    e.emit(stSlot(8, off, t.size));
    return;
  }
  if (!len || len.kind === 'int') {
    copyBytesFrom(g, src, off + 8, t.size);
    e.emit(stSlot(8, off, t.size));
    return;
  }
  scoped(g, () => {
    // length first (clamped so the verifier sees a bounded size), then the address
    const n = allocOrFail(g, 8, len.span);
    const capped = e.freshLabel('buf.len');
    emitInt(g, len);
    e.emit(jmpImm('jle', R0, t.size, capped), mov64Imm(R0, t.size));
    e.place(capped);
    e.emit(stxSlot(8, n, R0), stxSlot(8, off, R0));
    emitInt(g, src);
    const read = readHelper(st.space);
    e.emit(mov64Reg(R3, R0), ldSlot(8, R2, n), ...addrOf(R1, off + 8), call(read.fn));
    checkHelper(g, read.name, 'read');
  });
}

const AF_INET6 = 10;

/** ntop([af,] addr): IPv4 from an integer or 4 bytes; 16 bytes are IPv6 unless af says AF_INET. */
function emitNtop(g: Gen, x: CallExpr, off: number): void {
  const e = g.e;
  const addr = x.args[x.args.length - 1]!;
  const af = x.args.length === 2 ? x.args[0] : undefined;
  const at = typeOf(g, addr);
  if (at.kind === 'int') {
    emitInt(g, addr);
    e.emit(mov32Reg(R0, R0), stxSlot(8, off + 8, R0), stSlot(8, off, 4));
    return;
  }
  const bytes = at.kind === 'string' || at.kind === 'buffer' ? at.size : 4;
  copyBytesFrom(g, addr, off + 8, bytes);
  if (bytes === 4 || !af) {
    e.emit(stSlot(8, off, bytes === 4 ? 4 : 16));
    return;
  }
  // a 16-byte field holds either family: the af argument decides, as inet_ntop's would
  const v6 = e.freshLabel('ntop.v6');
  const done = e.freshLabel('ntop.end');
  emitInt(g, af);
  e.emit(jmpImm('jeq', R0, AF_INET6, v6), stSlot(8, off, 4), ja(done));
  e.place(v6);
  e.emit(stSlot(8, off, 16));
  e.place(done);
}

/** Pointers join() reads from the array, and so the most strings one join event carries. */
export const JOIN_MAX_ARGS = 16;

/**
 * join(argv[, sep]): an event [id, count, arg 0, …, arg 15], each argument a NUL-terminated string of
 * max_strlen bytes read through the array's pointers until the first NULL.
 */
export function emitJoin(g: Gen, x: CallExpr): void {
  const e = g.e;
  const [arr, sep] = x.args as [Expr, Expr | undefined];
  const argSize = Math.ceil(g.shared.checked.config.maxStrlen / 8) * 8;
  const space = (() => {
    const t = typeOf(g, arr);
    return t.kind === 'int' ? t.space : undefined;
  })();
  const id = defineEvent(g, { kind: 'join', separator: sep?.kind === 'string' ? sep.value : ' ', argSize, maxArgs: JOIN_MAX_ARGS });
  const ptrRead = readHelper(space);
  const strRead = readStrHelper(space);
  scoped(g, () => {
    const size = 16 + JOIN_MAX_ARGS * argSize;
    const rec = allocValue(g, size);
    const base = allocOrFail(g, 8, x.span);
    const ptr = allocOrFail(g, 8, x.span);
    const done = e.freshLabel('join.end');
    e.emit(stSlot(8, rec, id), stSlot(8, rec + 8, 0));
    emitInt(g, arr);
    e.emit(stxSlot(8, base, R0));
    for (let i = 0; i < JOIN_MAX_ARGS; i++) {
      e.emit(ldSlot(8, R3, base), alu64Imm('add', R3, 8 * i), ...addrOf(R1, ptr), mov64Imm(R2, 8), call(ptrRead.fn));
      e.emit(jmpImm('jne', R0, 0, done), ldSlot(8, R3, ptr), jmpImm('jeq', R3, 0, done));
      e.emit(...addrOf(R1, rec + 16 + i * argSize), mov64Imm(R2, argSize), call(strRead.fn));
      checkHelper(g, strRead.name, 'read');
      e.emit(stSlot(8, rec + 8, i + 1));
    }
    e.place(done);
    emitEventOutput(g, rec, size);
  });
}

/** kaddr(), cgroupid(): values the checker already knows. */
export function emitConstant(g: Gen, x: Expr): boolean {
  const v = g.shared.checked.constants.get(x);
  if (v === undefined) return false;
  loadConst(g, R0, v);
  return true;
}

