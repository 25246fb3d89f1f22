// The per-CPU scratch area: values too big for the 512-byte BPF stack live there (see Frame in emitter.ts).
import {
  BPF_FUNC,
  R0,
  R1,
  R2,
  R7,
  R10,
  alu64Imm,
  call,
  jmpImm,
  ldMapFd,
  mov64Reg,
  st,
  withSpan,
  type AsmItem,
} from '../asm/index.ts';
import { SCRATCH_MAP } from '../program.ts';
import type { Gen } from './context.ts';
import { Frame } from './emitter.ts';

/**
 * r7 = this CPU's scratch area, looked up once; the function ends quietly (at `fail`) if it is missing
 * (it never is). Probe programs and for-loop callbacks (for-map.ts) run it first.
 */
export function scratchPrologue(g: Gen, fail: string = g.exitLabel): AsmItem[] {
  return [
    st(4, R10, Frame.scratchKey, 0),
    ldMapFd(R1, SCRATCH_MAP),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, Frame.scratchKey),
    call(BPF_FUNC.map_lookup_elem),
    jmpImm('jeq', R0, 0, fail),
    mov64Reg(R7, R0),
  ].map((i) => withSpan(i, g.shared.checked.ast.span));
}
