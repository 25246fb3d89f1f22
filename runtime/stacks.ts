// kstack/ustack values (lang/types.ts stackType: a header with the frame count and, for ustack, the pid; then
// the frames) printed as bpftrace prints them. Kernel addresses resolve through /proc/kallsyms (read once);
// user addresses through the process's ELF symbols when a user symboliser is given, else they print as
// addresses.
import { BUILD_ID_FRAME_SIZE, type StackView } from '../lang/types.ts';
import { kernelSymbol } from './kernel/kallsyms.ts';

/**
 * The lines a user address prints as in one mode (bpftrace: `main+22`; perf: `55c1f7 main+22 (/bin/x)`):
 * one, or more when functions are inlined there (show_debug_info).
 */
export type UserFrameFormatter = (pid: number, ip: bigint, mode: 'bpftrace' | 'perf') => readonly string[];

/**
 * A stack's text: "\n", then one frame a line — `name+off` indented `indent` spaces (8 wherever it prints, a map key too, as
 * bpftrace v0.26 has it: bpftrace mode), `\t<hex address> name+off` (perf mode), the bare hex address (raw mode), or
 * the file's build id and offset (build_id mode).
 */
export function formatStack(
  bytes: Uint8Array,
  view: StackView,
  indent: number,
  userFrame?: UserFrameFormatter,
): string {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.min(data.getUint32(0, true), view.limit);
  if (view.mode === 'build_id') return formatBuildIdFrames(bytes.subarray(8), count);
  const pid = data.getUint32(4, true);
  const pad = ' '.repeat(indent);
  let out = '\n';
  for (let i = 0; i < count; i++) {
    const ip = data.getBigUint64(8 + i * 8, true);
    const hex = ip.toString(16);
    if (view.mode === 'raw') {
      out += `${hex}\n`;
      continue;
    }
    if (view.space === 'user') {
      const frames = userFrame?.(pid, ip, view.mode) ?? [
        view.mode === 'perf' ? `${hex} 0x${hex} ([unknown])` : `0x${hex}`,
      ];
      for (const frame of frames) out += view.mode === 'perf' ? `\t${frame}\n` : `${pad}${frame}\n`;
      continue;
    }
    const sym = kernelSymbol(ip);
    out += view.mode === 'perf' ? `\t${hex} ${sym}\n` : `${pad}${sym}\n`;
  }
  return out;
}

const BPF_STACK_BUILD_ID_VALID = 1;
const BPF_STACK_BUILD_ID_IP = 2;

/**
 * ustack(build_id): one line a frame, unindented as bpftrace v0.26 prints them: the file's build id in hex and
 * the offset in the file (`<id> 0x<offset>`), or the bare address in hex when the kernel could not read the id.
 */
function formatBuildIdFrames(frames: Uint8Array, count: number): string {
  const v = new DataView(frames.buffer, frames.byteOffset, frames.byteLength);
  let out = '\n';
  for (let i = 0; i < count; i++) {
    const at = i * BUILD_ID_FRAME_SIZE;
    const status = v.getInt32(at, true);
    const offsetOrIp = v.getBigUint64(at + 24, true);
    if (status === BPF_STACK_BUILD_ID_VALID) {
      const id = Buffer.from(frames.subarray(at + 4, at + 24)).toString('hex');
      out += `${id} 0x${offsetOrIp.toString(16).padStart(2, '0')}\n`;
    } else if (status === BPF_STACK_BUILD_ID_IP) out += `${offsetOrIp.toString(16)}\n`;
    else break; // BPF_STACK_BUILD_ID_EMPTY: the stack ended
  }
  return out;
}
