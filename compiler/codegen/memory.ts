// Reading kernel and user memory with the probe_read helper family.
import { BPF_FUNC as helper, R0, R1, R2, R3, alu64Reg, call, mov64Imm, mov64Reg } from '../asm/index.ts';
import { addrOf, type Gen } from './context.ts';
import { checkHelper } from './helper-errors.ts';
import type { AddressSpace } from '../../lang/index.ts';

/** The probe_read helper for an address space (the legacy one, which reads either on x86-64, when unknown). */
export function readHelper(space: AddressSpace | undefined): {
  fn: number;
  name: 'probe_read_user' | 'probe_read_kernel' | 'probe_read';
} {
  if (space === 'user') return { fn: helper.probe_read_user, name: 'probe_read_user' };
  if (space === 'kernel') return { fn: helper.probe_read_kernel, name: 'probe_read_kernel' };
  return { fn: helper.probe_read, name: 'probe_read' };
}

/** The NUL-terminated string read helper for an address space (legacy probe_read_str when unknown). */
export function readStrHelper(space: AddressSpace | undefined): {
  fn: number;
  name: 'probe_read_user_str' | 'probe_read_kernel_str' | 'probe_read_str';
} {
  if (space === 'user') return { fn: helper.probe_read_user_str, name: 'probe_read_user_str' };
  if (space === 'kernel') return { fn: helper.probe_read_kernel_str, name: 'probe_read_kernel_str' };
  return { fn: helper.probe_read_str, name: 'probe_read_str' };
}

/**
 * Copies a NUL-terminated string to r10+off (at most size bytes, NUL included). The address is in r0;
 * 'record' means r0 is an offset into the tracepoint record (r6). Unknown address spaces use the
 * legacy helper, which reads either on x86-64.
 */
export function readString(g: Gen, space: AddressSpace | 'record' | undefined, off: number, size: number): void {
  g.e.emit(mov64Reg(R3, R0));
  if (space === 'record') g.e.emit(alu64Reg('add', R3, g.e.context()));
  const read = readStrHelper(space === 'record' ? 'kernel' : space);
  probeRead(g, read.fn, off, size);
  checkHelper(g, read.name, 'read');
}

/** helper(r10+off, size, r3): the probe_read family's argument order. */
export function probeRead(g: Gen, fn: number, off: number, size: number): void {
  g.e.emit(...addrOf(R1, off), mov64Imm(R2, size), call(fn));
}
