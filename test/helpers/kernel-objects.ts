// The kernel's BPF objects as a test sees them from outside: every id of a kind, and an object's info bytes
// (bpf_prog_info / bpf_map_info / bpf_link_info), for tests that check what a run left behind.
import { readdirSync, readFileSync } from 'node:fs';
import { nextObjectId, objectFdById, objGetInfoByFd } from '../../runtime/sys/index.ts';
import { native } from '../../runtime/sys/native.ts';

export type ObjectKind = 'prog' | 'map' | 'link';

/** The ids of every object of the kind, in the kernel's order. */
export function objectIds(kind: ObjectKind): number[] {
  const out: number[] = [];
  for (let id = nextObjectId(kind, 0); id !== undefined; id = nextObjectId(kind, id)) out.push(id);
  return out;
}

/** The object's info (the first `size` bytes), or undefined when it went away meanwhile. */
export function objectInfo(kind: ObjectKind, id: number, size: number): Uint8Array | undefined {
  let fd: number;
  try {
    fd = objectFdById(kind, id);
  } catch {
    return undefined;
  }
  try {
    const info = new Uint8Array(size);
    objGetInfoByFd(fd, info);
    return info;
  } finally {
    native().close(fd);
  }
}

/** A program's or map's name (bpf_prog_info.name @64, bpf_map_info.name @24), or undefined when it is gone. */
export function objectName(kind: 'prog' | 'map', id: number): string | undefined {
  const info = objectInfo(kind, id, kind === 'prog' ? 256 : 128);
  if (!info) return undefined;
  const at = kind === 'prog' ? 64 : 24;
  const bytes = info.subarray(at, at + 16);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end < 0 ? 16 : end)).toString();
}

/** A BPF map a process holds, as /proc/PID/fdinfo describes it (fdinfo has no names). */
export interface HeldMap {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/** Every BPF map process `pid` holds, in descriptor order (the order they were made). */
export function heldMaps(pid: number): HeldMap[] {
  const out: HeldMap[] = [];
  const fds = readdirSync(`/proc/${pid}/fdinfo`)
    .map(Number)
    .sort((a, b) => a - b);
  for (const fd of fds) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    if (!/^map_type:/m.test(text)) continue;
    const field = (name: string) => Number(new RegExp(`^${name}:\\s*(0x[0-9a-f]+|\\d+)`, 'm').exec(text)?.[1]);
    out.push({
      type: field('map_type'),
      keySize: field('key_size'),
      valueSize: field('value_size'),
      maxEntries: field('max_entries'),
      flags: field('map_flags'),
    });
  }
  return out;
}

/** The ids of the BPF programs process `pid` holds a descriptor of (a program held twice counts once). */
export function heldProgramIds(pid: number): Set<number> {
  const out = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    // a program's own descriptor (a link's or a perf event's fdinfo may name the program too)
    const m = /^prog_type:[\s\S]*^prog_id:\s*(\d+)/m.exec(text);
    if (m) out.add(Number(m[1]));
  }
  return out;
}
