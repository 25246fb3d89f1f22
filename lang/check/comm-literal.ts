// `comm == "literal"` (and !=, either side): the most common filter of all. Its comm can be read straight from
// the current task_struct (bpf_get_current_task_btf and a load per 1-8 bytes) instead of copied to the stack by
// bpf_get_current_comm (~10 ns an event here): comparing the literal's bytes and its NUL is exact whatever
// follows the NUL in task->comm (Linux 6.1 leaves an older name's tail there; only the copy pads it with zeros).
// It needs comm's offset in task_struct: as the kernel relocates it (KernelInfo.taskCommOffset, ~0.2 ms, 5.17+),
// else from the kernel's BTF where the program has read it already (kernel types, typed arguments): reading the
// whole BTF for this alone (~15-30 ms of a start) would cost more than millions of events save. The relocation
// comes first even then: the BTF's answer needs its index of ~55k function names (~3 ms), for the helper's check.
import type { BinaryExpr } from '../ast.ts';
import { probeContext } from '../providers.ts';
import type { InferState } from './state.ts';
import { textBytes } from '../byte-text.ts';

/** Records the comparison in st.commLiterals (with task_struct's comm offset) when it can read task->comm. */
export function noteCommLiteral(st: InferState, e: BinaryExpr): void {
  if (e.op !== '==' && e.op !== '!=') return;
  const [comm, literal] = e.left.kind === 'ident' ? [e.left, e.right] : [e.right, e.left];
  if (comm.kind !== 'ident' || comm.name !== 'comm' || literal.kind !== 'string') return;
  const bytes = textBytes(literal.value);
  // a NUL inside the literal, or no room for its own: the copy's semantics, through the copy
  if (bytes.length > 15 || bytes.includes(0)) return;
  if (!st.attach.length || !st.attach.every((a) => probeContext(a).currentTask)) return;
  const offset = st.kernel.taskCommOffset?.() ?? (st.kernel.btfRead?.() === false ? undefined : taskCommOffset(st));
  if (offset !== undefined) st.commLiterals.set(e, offset);
}

/** task_struct's comm (char[16]) offset in vmlinux, when the kernel has bpf_get_current_task_btf (5.11). */
function taskCommOffset(st: InferState): number | undefined {
  const btf = st.kernel.btf();
  if (!btf || btf.find('bpf_get_current_task_btf', 'func') === undefined) return undefined;
  const task = btf.find('task_struct', 'struct');
  const comm = task === undefined ? undefined : btf.findMember(task, 'comm');
  if (!comm || comm.member.bitSize || btf.sizeOf(comm.member.type) !== 16) return undefined;
  return comm.offset;
}
