// kstack/ustack: ids recorded by bpf_get_stackid, turned into frames printed as bpftrace prints them.
// Kernel addresses resolve through /proc/kallsyms (read once); user addresses through the process's ELF
// symbols when a user symboliser is given, else they print as addresses.
import type { IntView } from '../lang/index.ts';
import { kernelSymbol } from './kernel/kallsyms.ts';
/**
 * The lines a user address prints as in one mode (bpftrace: `main+22`; perf: `55c1f7 main+22 (/bin/x)`):
 * one, or more when functions are inlined there (show_debug_info).
 */
export type UserFrameFormatter = (pid: number, ip: bigint, mode: 'bpftrace' | 'perf') => readonly string[];
import { mapLookup } from './sys/index.ts';
import type { MapSpec } from '../compiler/index.ts';

type StackView = Extract<IntView, { kind: 'stack' }>;

const EFAULT = 14;

/** Stacks formatted empty because the kernel could not record them, by bpf_get_stackid's errno (cleared by their reader). */
export interface StackFailures {
  count: number;
  readonly byErrno: Map<number, number>;
}

/**
 * The warning for stacks that print empty (bpftrace 0.17 printed an error for each; bpftrace v0.26 records
 * stacks by value, in the map key, and loses none), and clears the count; undefined when there were none.
 */
export function takeStackFailures(f: StackFailures): string | undefined {
  if (f.count === 0) return undefined;
  const why = [...f.byErrno]
    .map(([errno, n]) => `${n} ${STACKID_ERRORS[errno] ?? `failed with errno ${errno}`}`)
    .join('; ');
  const text = `${f.count} stack${f.count === 1 ? ' was' : 's were'} not recorded by the kernel and print${f.count === 1 ? 's' : ''} empty (${why})`;
  f.count = 0;
  f.byErrno.clear();
  return text;
}

const STACKID_ERRORS: Readonly<Record<number, string>> = {
  17: 'EEXIST: another stack held its slot of the stack map',
  12: 'ENOMEM: the stack map was full',
};

/** A stack-trace map's key among a session's: its frame limit, negated for build-id maps; undefined for other maps. */
export function stackMapKey(spec: Pick<MapSpec, 'kind' | 'valueSize' | 'buildId'>): number | undefined {
  if (spec.kind !== 'stack_trace') return undefined;
  return spec.buildId ? -spec.valueSize / BUILD_ID_FRAME_SIZE : spec.valueSize / 8;
}

/**
 * Reads stacks out of the stack-trace maps (one per frame limit) and formats them as bpftrace does:
 * "\n", then one frame a line — `name+off` indented 4 spaces as a map key and 8 in printf/print
 * (bpftrace mode), `\t<hex address> name+off` (perf mode), or the bare hex address (raw mode).
 */
export class StackResolver {
  /** one frames buffer per limit, reused: stacks are formatted at event rates */
  private readonly values = new Map<number, Uint8Array>();
  /**
   * Stacks the kernel could not record (bpf_get_stackid's errno → how many), formatted empty since the owner last
   * took them: the session says so (StackFailures). An empty stack (-EFAULT: a kernel stack sampled in user mode,
   * a user stack of a kernel thread) is not one: it has no frames to lose.
   */
  readonly failures: StackFailures = { count: 0, byErrno: new Map() };

  constructor(
    /** stack-trace map fd by stackMapKey */
    private readonly maps: ReadonlyMap<number, number>,
    private readonly userFrame?: UserFrameFormatter,
  ) {}

  format(id: bigint, view: StackView, indent: number): string {
    const stackId = Number(id & 0xffffffffn);
    const pid = Number(id >> 32n);
    const buildId = view.mode === 'build_id';
    const mapKey = buildId ? -view.limit : view.limit;
    const fd = this.maps.get(mapKey);
    if (fd === undefined) return '\n';
    if (stackId & 0x80000000) {
      // bpf_get_stackid failed: no frames
      const errno = -(stackId | 0);
      if (errno !== EFAULT) {
        this.failures.count++;
        this.failures.byErrno.set(errno, (this.failures.byErrno.get(errno) ?? 0) + 1);
      }
      return '\n';
    }
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, stackId, true);
    let value = this.values.get(mapKey);
    if (!value) this.values.set(mapKey, (value = new Uint8Array((buildId ? BUILD_ID_FRAME_SIZE : 8) * view.limit)));
    if (!mapLookup(fd, key, value)) return '\n';
    if (buildId) return formatBuildIdFrames(value, view.limit);
    const frames = new DataView(value.buffer);
    let out = '\n';
    for (let i = 0; i < view.limit; i++) {
      const ip = frames.getBigUint64(i * 8, true);
      if (ip === 0n) break;
      const hex = ip.toString(16);
      if (view.mode === 'raw') {
        out += `${hex}\n`;
        continue;
      }
      if (view.space === 'user') {
        const frames = this.userFrame?.(pid, ip, view.mode) ?? [
          view.mode === 'perf' ? `${hex} 0x${hex} ([unknown])` : `0x${hex}`,
        ];
        for (const frame of frames) out += view.mode === 'perf' ? `\t${frame}\n` : `${' '.repeat(indent)}${frame}\n`;
        continue;
      }
      const sym = kernelSymbol(ip);
      out += view.mode === 'perf' ? `\t${hex} ${sym}\n` : `${' '.repeat(indent)}${sym}\n`;
    }
    return out;
  }
}

/** sizeof(struct bpf_stack_build_id), the kernel's (compiler/program.ts sizes the maps with the same number) */
const BUILD_ID_FRAME_SIZE = 32;
const BPF_STACK_BUILD_ID_VALID = 1;
const BPF_STACK_BUILD_ID_IP = 2;

/**
 * ustack(build_id): one line a frame, unindented as bpftrace v0.26 prints them: the file's build id in hex and
 * the offset in the file (`<id> 0x<offset>`), or the bare address in hex when the kernel could not read the id.
 */
function formatBuildIdFrames(value: Uint8Array, limit: number): string {
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  let out = '\n';
  for (let i = 0; i < limit; i++) {
    const at = i * BUILD_ID_FRAME_SIZE;
    const status = v.getInt32(at, true);
    const offsetOrIp = v.getBigUint64(at + 24, true);
    if (status === BPF_STACK_BUILD_ID_VALID) {
      const id = Buffer.from(value.subarray(at + 4, at + 24)).toString('hex');
      out += `${id} 0x${offsetOrIp.toString(16).padStart(2, '0')}\n`;
    } else if (status === BPF_STACK_BUILD_ID_IP) out += `${offsetOrIp.toString(16)}\n`;
    else break; // BPF_STACK_BUILD_ID_EMPTY: the stack ended
  }
  return out;
}
