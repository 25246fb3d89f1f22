// `scry --info` and the REPL's `.info`: what this kernel supports, each answer from a small real attempt
// (create a map, load a one-call program, open a perf event), cached per kernel boot in ~/.cache/scry.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { BPF_FUNC, R0, alu64Imm, encode, exit, jmpImm, label, mov64Imm } from '../compiler/index.ts';
import { fentryRefusal, hasUprobeMulti } from './features.ts';
import { vmlinuxBtf } from './kernel/btf/index.ts';
import { requirePrivileges } from './privileges.ts';
import { hasControlChars } from './printable.ts';
import { closeDir, openDir, readOwnFile, replaceOwnFile, type OpenDir } from './safe-files.ts';
import { MapType, ProgLoadError, ProgType, mapCreate, progLoad } from './sys/index.ts';
import { attempt, closing, tinyProgram, type InfoItem, type InfoProbes } from './providers/feature-check.ts';
import { probeTypeReport } from './providers/index.ts';

/** node:os when first needed (loading it is ~0.6 ms of every start; only --info and the cache path use it) */
const os = (): typeof import('node:os') => process.getBuiltinModule('node:os') as typeof import('node:os');

export type { InfoItem, InfoProbes } from './providers/feature-check.ts';

export interface KernelReport {
  readonly kernel: string;
  readonly sections: readonly { readonly title: string; readonly items: readonly InfoItem[] }[];
}

/**
 * A helper exists for a program type when the verifier does not call it unknown or forbidden: loading a
 * call with nonsense arguments fails either way, but for a different reason.
 */
function helperItem(name: keyof typeof BPF_FUNC, type: number): InfoItem {
  try {
    closing(
      progLoad({
        type,
        insns: tinyProgram(BPF_FUNC[name]),
        license: 'GPL',
        logBuf: new Uint8Array(64 * 1024),
        logLevel: 1,
      }),
    );
    return { name, ok: true };
  } catch (e) {
    if (!(e instanceof ProgLoadError)) return { name, ok: false, note: (e as Error).message };
    const missing = /unknown func|invalid func|cannot (?:use|call) helper|not supported/i.test(e.log);
    return missing ? { name, ok: false, note: 'not available' } : { name, ok: true };
  }
}

function mapItem(name: string, type: number, keySize: number, valueSize: number, maxEntries = 1): InfoItem {
  return attempt(name, () => closing(mapCreate({ type, keySize, valueSize, maxEntries })));
}

function measure(probes: InfoProbes): KernelReport {
  // each provider row's line (runtime/providers/)
  // bpftrace lists these link kinds too; scry attaches one link per kernel function and uses none of them
  const notUsed = (name: string): InfoItem => ({ name, ok: false, note: 'not used by scry: one link per probe' });
  // uprobe wildcards whose code is the same on every function go on one link (Linux 6.6+)
  const uprobeMulti: InfoItem = hasUprobeMulti()
    ? { name: 'uprobe_multi', ok: true }
    : { name: 'uprobe_multi', ok: false, note: 'not in this kernel (6.6+): one perf event per function' };
  const probeTypes = [...probeTypeReport(probes), notUsed('kprobe_multi'), uprobeMulti, notUsed('kprobe_session')];
  const maps: InfoItem[] = [
    mapItem('hash', MapType.HASH, 8, 8),
    mapItem('percpu_hash', MapType.PERCPU_HASH, 8, 8),
    mapItem('array', MapType.ARRAY, 4, 8),
    mapItem('percpu_array', MapType.PERCPU_ARRAY, 4, 8),
    mapItem('lru_hash', MapType.LRU_HASH, 8, 8, 16),
    mapItem('stack_trace', MapType.STACK_TRACE, 4, 8 * 127),
    mapItem('perf_event_array', MapType.PERF_EVENT_ARRAY, 4, 4),
    mapItem('ringbuf', MapType.RINGBUF, 0, 0, 4096 * 16),
  ];
  const helpers: InfoItem[] = (
    [
      'probe_read',
      'probe_read_str',
      'probe_read_user',
      'probe_read_user_str',
      'probe_read_kernel',
      'probe_read_kernel_str',
      'get_current_cgroup_id',
      'get_stackid',
      'ringbuf_output',
      'send_signal',
      'override_return',
      'get_func_ip',
      'ktime_get_boot_ns',
      'for_each_map_elem',
      'd_path',
    ] as const
  ).map((h) => helperItem(h, ProgType.KPROBE));
  const features: InfoItem[] = [
    { name: 'BTF (/sys/kernel/btf/vmlinux)', ok: existsSync('/sys/kernel/btf/vmlinux') },
    attempt('bounded loops', () => {
      // a backward jump: rejected before Linux 5.3
      const { bytes: bytecode } = encode([
        mov64Imm(R0, 3),
        label('loop'),
        alu64Imm('sub', R0, 1),
        jmpImm('jne', R0, 0, 'loop'),
        exit(),
      ]);
      closing(progLoad({ type: ProgType.KPROBE, insns: bytecode, license: 'GPL' }));
    }),
  ];
  return {
    kernel: os().release(),
    sections: [
      { title: 'Probe types', items: probeTypes },
      { title: 'Map types', items: maps },
      { title: 'Kernel helpers', items: helpers },
      { title: 'Kernel features', items: features },
    ],
  };
}

/** Bumped when the measured items change, so an older cached report is not shown. */
const REPORT_VERSION = 4;

/**
 * The report, from the cache when this boot of this kernel was measured before. Throws PrivilegeError
 * (a ScryRuntimeError) when this user may not trace: every item would say "no" for the wrong reason.
 */
export function kernelReport(probes: InfoProbes = {}, useCache = true): KernelReport {
  requirePrivileges('measure what this kernel supports', true);
  const bootId = (() => {
    try {
      return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      return 'unknown';
    }
  })();
  const name = `info-v${REPORT_VERSION}-${os().release()}-${bootId}.json`.replace(/\//g, '_');
  const dir = openCacheDir();
  try {
    const cached = dir && useCache ? readCachedReport(dir, name) : undefined;
    if (cached) return cached;
    const report = measure(probes);
    try {
      if (dir) replaceOwnFile(dir, name, JSON.stringify(report));
    } catch {
      // a read-only home: measure again next time
    }
    return report;
  } finally {
    if (dir) closeDir(dir);
  }
}

// The cache directory is $XDG_CACHE_HOME/scry or ~/.cache/scry, and `sudo -E` keeps a user's HOME: it is
// used only when it is this user's and writable by nobody else, its files only when they are too (see
// safe-files.ts), and a report read back must have the shape and printable text of one scry wrote.

/** The cache directory, opened (made when missing), or undefined when there is none we may trust. */
function openCacheDir(): OpenDir | undefined {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(os().homedir(), '.cache'); // the XDG spec ignores a relative path
  try {
    return openDir(join(base, 'scry'), { private: true });
  } catch {
    return undefined; // not ours, or not writable: measure every time
  }
}

/** Caches are a few kB. */
const MAX_CACHE_BYTES = 1024 * 1024;

function readCachedReport(dir: OpenDir, name: string): KernelReport | undefined {
  try {
    const read = readOwnFile(dir, name, MAX_CACHE_BYTES);
    if (!read || read.cut) return undefined;
    const r: unknown = JSON.parse(read.data.toString('utf8'));
    return isKernelReport(r) ? r : undefined;
  } catch {
    return undefined; // not measured yet, not ours, or not a report
  }
}

function isKernelReport(r: unknown): r is KernelReport {
  const text = (v: unknown): v is string => typeof v === 'string' && !hasControlChars(v);
  const isItem = (i: unknown): boolean => {
    const o = i as InfoItem;
    return (
      typeof o === 'object' &&
      o !== null &&
      text(o.name) &&
      typeof o.ok === 'boolean' &&
      (o.note === undefined || text(o.note))
    );
  };
  const o = r as KernelReport;
  return (
    typeof o === 'object' &&
    o !== null &&
    text(o.kernel) &&
    Array.isArray(o.sections) &&
    o.sections.every(
      (s) => typeof s === 'object' && s !== null && text(s.title) && Array.isArray(s.items) && s.items.every(isItem),
    )
  );
}

/** bpftrace --info's layout: System, Build (when given), then sections of `  name: yes|no (why)`. */
export function formatReport(r: KernelReport, build?: string): string {
  let out = `System\n  OS: ${os().type()} ${r.kernel} ${os().version()}\n  Arch: ${os().machine()}\n`;
  if (build) out += `\nBuild\n  version: ${build}\n`;
  for (const s of r.sections) {
    out += `\n${s.title}\n`;
    for (const i of s.items) out += `  ${i.name}: ${i.ok ? 'yes' : 'no'}${i.note ? ` (${i.note})` : ''}\n`;
  }
  return out;
}

/** The probes a full report uses beyond the syscall layer: fentry asks about a vmlinux function from BTF. */
function fullProbes(): InfoProbes {
  const target = vmlinuxBtf()?.funcProto('vfs_read');
  if (!target) return {};
  return {
    fentry: () => {
      const why = fentryRefusal('fentry', target.id);
      if (why) throw Object.assign(new Error(`BPF_PROG_LOAD: ${why}`), { code: why });
    },
  };
}

/** `scry --info` and `.info`: the whole report as text. Throws PrivilegeError without root. */
export function kernelInfoText(build?: string): string {
  return formatReport(kernelReport(fullProbes()), build);
}
