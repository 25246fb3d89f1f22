// Values that probes record as numbers or bytes but people read as text: errno messages, stacks, kernel and
// user symbols, user names, wall-clock times, cgroup paths, buffers, IP and MAC addresses. One place, so
// printf, print, map keys and map values all print them the same way (as bpftrace does).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { bytesText } from '../lang/byte-text.ts'; // past the facade: see scripts/check-imports.ts
import { globRegExp } from '../lang/glob.ts'; // past the facade: see scripts/check-imports.ts
import type { IntView, Type } from '../lang/index.ts';
import { vmlinuxBtf, type RecordTypes } from './kernel/btf/index.ts';
import { lookupKernelAddress } from './kernel/kallsyms.ts';
import { hexPointer } from './kernel/user-symbols.ts';
import { strftime } from './strftime.ts';
import { signalName, syscallName } from './syscall-signal-names.ts';
import { formatStack, type UserFrameFormatter } from './stacks.ts';
import { bootTimeNs } from './sys/clock.ts';
import { strerrorText } from './strerror.ts';
import type { Value } from './value.ts';

/** Resolves a user address of a process to `symbol+offset`, or undefined (then it prints as hex). */
export type UserSymbolFormatter = (pid: number, addr: bigint) => string | undefined;

export interface RenderContext {
  /** a ustack's frames (stacks.ts; without it they print as addresses) */
  readonly formatUserFrame?: UserFrameFormatter;
  readonly formatUserSymbol?: UserSymbolFormatter;
  /** the types records print through: the kernel's BTF with the script's own on top (default: the kernel's) */
  readonly recordTypes?: () => RecordTypes | undefined;
  /**
   * false: enum values and pointers stay numbers (bpftrace's JSON output writes the number of what it calls a
   * symbolic value, for the machines that parse it); text names enums and shows pointers in hex; printf %s names them
   */
  readonly symbolic?: boolean;
}

/** The text an integer with a view prints as. */
export function renderIntView(view: IntView, value: bigint, ctx: RenderContext): string {
  switch (view.kind) {
    case 'errno':
      return strerrorText(Number(BigInt.asIntN(32, value)));
    case 'ksym': {
      const hit = lookupKernelAddress(BigInt.asUintN(64, value));
      return hit ? hit.name : hexPointer(value);
    }
    case 'username':
      return userName(Number(value));
    case 'strftime':
      return wallClock(view.format, BigInt.asUintN(64, value), view.clock);
    case 'cgroup_path':
      return cgroupPath(BigInt.asUintN(64, value), view.only);
    case 'enum':
      return enumeratorName(view.btf, value, ctx) ?? value.toString();
    case 'signal_name':
      return signalName(Number(BigInt.asIntN(32, value)));
    case 'syscall_name':
      return syscallName(Number(BigInt.asIntN(32, value)));
    case 'probe':
      return view.names[Number(value)] ?? value.toString();
  }
}

/** The name of an enum's enumerator with this value (a value no enumerator has prints as a number). */
function enumeratorName(id: number, value: bigint, ctx: RenderContext): string | undefined {
  const btf: RecordTypes | undefined = ctx.recordTypes ? ctx.recordTypes() : vmlinuxBtf();
  const t = btf?.type(btf.resolve(id));
  if (t?.kind !== 'enum') return undefined;
  const size = Math.min(8, btf!.sizeOf(id) ?? 8) * 8;
  const v = t.signed ? BigInt.asIntN(size, value) : BigInt.asUintN(size, value);
  return t.values.find((x) => x.value === v)?.name;
}

/**
 * The text a buffer (u64 length, then its bytes) prints as, in print() and maps: escaped like %r; a stack's
 * frames indented 8, as a map key too (bpftrace v0.26 types_format.cpp; 0.17 indented keys 4).
 */
export function renderBuffer(t: Extract<Type, { kind: 'buffer' }>, bytes: Uint8Array, ctx: RenderContext): Value {
  if (typeof t.view === 'object') return formatStack(bytes, t.view, 8, ctx.formatUserFrame);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = Math.min(view.getUint32(0, true), t.size);
  const data = bytes.subarray(8, 8 + len);
  switch (t.view) {
    case 'inet':
      return inetText(data);
    case 'mac':
      return macText(data);
    case 'usym': {
      const addr = view.getBigUint64(8, true);
      const pid = view.getUint32(16, true);
      return ctx.formatUserSymbol?.(pid, addr) ?? hexPointer(addr);
    }
    default:
      return { kind: 'buffer', bytes: data.slice() }; // a copy: the record's bytes are reused
  }
}

/**
 * A struct/union/array value read with the kernel's BTF (and the script's types, which the context brings):
 * members by name, `char` arrays as text, pointers as hex, enums by enumerator, as bpftrace prints them.
 */
export function renderRecord(t: Extract<Type, { kind: 'record' }>, bytes: Uint8Array, ctx: RenderContext = {}): Value {
  const btf: RecordTypes | undefined = ctx.recordTypes ? ctx.recordTypes() : vmlinuxBtf();
  if (!btf) return escapeBuffer(bytes, 'rx');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const show = (id: number, off: number, bitOff: number, bitSize: number): Value => {
    const rid = btf.resolve(id);
    const k = btf.type(rid);
    const size = btf.sizeOf(rid) ?? 0;
    if (off + size > bytes.length) return '?';
    switch (k.kind) {
      case 'int':
      case 'enum': {
        let v = 0n;
        for (let i = Math.min(size, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]!);
        if (bitSize) v = (v >> BigInt(bitOff)) & ((1n << BigInt(bitSize)) - 1n);
        else if (k.signed) v = BigInt.asIntN(size * 8, v);
        if (k.kind === 'enum' && ctx.symbolic !== false) return k.values.find((x) => x.value === v)?.name ?? v;
        return k.kind === 'int' && k.bool ? v !== 0n : v; // a C bool member prints true/false (JSON: true/false)
      }
      case 'ptr': {
        const p = view.getBigUint64(off, true);
        if (ctx.symbolic === false) return p;
        return p === 0n ? '0x0' : `0x${p.toString(16)}`;
      }
      case 'array': {
        const elem = btf.type(btf.resolve(k.elem));
        // text: a kernel array of bytes; in a script's own type only `char` (bpftrace: uint8_t buf[4] is an array)
        if (elem.kind === 'int' && elem.size === 1 && (!btf.isScriptType?.(rid) || elem.name === 'char')) {
          const data = bytes.subarray(off, off + k.count);
          const nul = data.indexOf(0);
          return bytesText(data.subarray(0, nul < 0 ? data.length : nul));
        }
        const es = btf.sizeOf(k.elem) ?? 0;
        return { kind: 'array', items: Array.from({ length: k.count }, (_, i) => show(k.elem, off + i * es, 0, 0)) };
      }
      case 'struct':
      case 'union': {
        const fields: { name: string; value: Value }[] = [];
        const walk = (sid: number, base: number) => {
          for (const m of btf.members(sid) ?? []) {
            if (!m.name) walk(m.type, base + m.offset);
            else
              fields.push({
                name: m.name,
                value: show(m.type, base + m.offset, m.bitSize ? m.bitOffset - m.offset * 8 : 0, m.bitSize),
              });
          }
        };
        walk(rid, off);
        return { kind: 'struct', fields };
      }
      case 'float':
        return { kind: 'none' };
      default:
        return '?';
    }
  };
  try {
    return show(t.btf, 0, 0, 0);
  } catch {
    return escapeBuffer(bytes, 'rx'); // a module's type, which vmlinux's BTF does not describe
  }
}

/** %r: printable ASCII as is, anything else as \xNN; %rx: every byte as \xNN; %rh: hex bytes separated by spaces. */
export function escapeBuffer(data: Uint8Array, conv: 'r' | 'rx' | 'rh'): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (conv === 'rh') out += (i ? ' ' : '') + hex2(b);
    else if (conv === 'r' && b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${hex2(b)}`;
  }
  return out;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function inetText(data: Uint8Array): string {
  if (data.length === 4) return [...data].join('.');
  if (data.length !== 16) return escapeBuffer(data, 'rx');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((data[i]! << 8) | data[i + 1]!);
  // ::ffff:a.b.c.d (IPv4-mapped) prints its IPv4 part dotted, as inet_ntop does
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff)
    return `::ffff:${[...data.subarray(12)].join('.')}`;
  // the longest run (≥ 2) of zero words becomes ::
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const part = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return part(words);
  return `${part(words.slice(0, best))}::${part(words.slice(best + bestLen))}`;
}

function macText(data: Uint8Array): string {
  return [...data.subarray(0, 6)].map((b) => hex2(b).toUpperCase()).join(':');
}

let users: Map<number, string> | undefined;

/** The user name of a uid from /etc/passwd (read once), or the number when there is none. */
function userName(uid: number): string {
  if (!users) {
    users = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id && !users.has(Number(id))) users.set(Number(id), name);
      }
    } catch {
      // no passwd file: numbers it is
    }
  }
  return users.get(uid) ?? String(uid);
}

let bootToWall: bigint | undefined;

/**
 * strftime(fmt, nsecs): nsecs counts from boot on CLOCK_BOOTTIME, as the `nsecs` builtin does (bpftrace too); the
 * offset to the wall clock is taken once. bpftrace v0.26's extensions (BPFtrace::format_timestamp) are the
 * fraction of the second: %f microseconds, %k nanoseconds, %l milliseconds (time() has C's %k and %l, hours).
 */
function wallClock(format: string, nsecs: bigint, clock?: 'tai'): string {
  bootToWall ??= BigInt(Date.now()) * 1_000_000n - bootTimeNs();
  const wall = clock === 'tai' ? nsecs : nsecs + bootToWall;
  const ns = wall % 1_000_000_000n;
  const fraction: Record<string, string> = {
    f: String(ns / 1000n).padStart(6, '0'),
    k: String(ns).padStart(9, '0'),
    l: String(ns / 1_000_000n).padStart(3, '0'),
  };
  const expanded = format.replace(/%(%|f|k|l)/g, (m, c: string) => fraction[c] ?? m);
  return strftime(expanded, new Date(Number(wall / 1_000_000n)));
}

interface CgroupHierarchy {
  readonly name: string;
  readonly mount: string;
  byInode?: Map<bigint, string>;
}

let hierarchies: CgroupHierarchy[] | undefined;

/** Mounted cgroup hierarchies: v2 as "unified" first, then v1 ones by controller name, as bpftrace lists them. */
function cgroupHierarchies(): CgroupHierarchy[] {
  if (hierarchies) return hierarchies;
  const v1: CgroupHierarchy[] = [];
  let v2: CgroupHierarchy | undefined;
  try {
    for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const [, mount, fstype, options] = line.split(' ');
      if (!mount || !options) continue;
      if (fstype === 'cgroup2') v2 ??= { name: 'unified', mount };
      else if (fstype === 'cgroup') {
        const opts = options
          .split(',')
          .filter((o) => !['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec'].includes(o));
        const named = opts.find((o) => o.startsWith('name='));
        v1.push({ name: named ? named.slice(5) : opts.join(','), mount });
      }
    }
  } catch {
    // no /proc: no paths
  }
  v1.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  hierarchies = v2 ? [v2, ...v1] : v1;
  return hierarchies;
}

/** Directory inode → path under the hierarchy's mount, walked once (and again when an id is not found). */
function indexHierarchy(h: CgroupHierarchy): Map<bigint, string> {
  const byInode = new Map<bigint, string>();
  const walk = (dir: string, rel: string) => {
    try {
      byInode.set(statSync(dir, { bigint: true }).ino, rel || '/');
      for (const e of readdirSync(dir, { withFileTypes: true }))
        if (e.isDirectory()) walk(`${dir}/${e.name}`, `${rel}/${e.name}`);
    } catch {
      // a cgroup removed while walking
    }
  };
  walk(h.mount, '');
  return byInode;
}

/** Ids looked for and not found after a fresh walk, with when: not walked for again for a second. */
const missedIds = new Map<bigint, number>();

/** cgroup_path(id): `hierarchy:path` for every hierarchy with a cgroup of that id, comma-separated. */
function cgroupPath(id: bigint, only?: string): string {
  const found: string[] = [];
  const recentlyMissed = Date.now() - (missedIds.get(id) ?? -Infinity) < 1000;
  let walked = false;
  const wanted = only === undefined ? undefined : globRegExp(only);
  for (const h of cgroupHierarchies()) {
    if (wanted && !wanted.test(h.name)) continue;
    let path = (h.byInode ??= indexHierarchy(h)).get(id);
    if (path === undefined && !recentlyMissed) {
      // a cgroup made since the last walk
      h.byInode = indexHierarchy(h);
      path = h.byInode.get(id);
      walked = true;
    }
    if (path !== undefined) found.push(`${h.name}:${path}`);
  }
  if (!found.length && walked) missedIds.set(id, Date.now());
  return found.join(',');
}
