// Loading scry's ELF objects (--emit-elf) with bpftool, as a libbpf user would: pins in a fresh bpffs
// directory (removed again by the caller's cleanup), a raw_tp program run once with BPF_PROG_TEST_RUN, map
// values read back as bytes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const BPFFS = '/sys/fs/bpf';

/** undefined when bpftool can be used here, else the reason (for a SKIP line). */
export function bpftoolMissing(): string | undefined {
  const r = spawnSync('bpftool', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'bpftool is not installed';
}

function ensureBpffs(): void {
  if (spawnSync('mountpoint', ['-q', BPFFS]).status !== 0) execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS]);
}

export interface Pinned {
  readonly dir: string;
  readonly maps: string;
  /** bpftool's stdout and stderr */
  readonly output: string;
  readonly ok: boolean;
  remove(): void;
}

/** bpftool prog loadall OBJECT DIR pinmaps DIR/maps: every program loaded and pinned, or why not. */
export function loadAll(object: string): Pinned {
  ensureBpffs();
  const dir = mkdtempSync(join(BPFFS, 'scry-elf-'));
  const maps = join(dir, 'maps');
  mkdirSync(maps);
  const r = spawnSync('bpftool', ['prog', 'loadall', object, dir, 'pinmaps', maps], { encoding: 'utf8' });
  return {
    dir,
    maps,
    output: `${r.stdout}${r.stderr}`,
    ok: r.status === 0,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a pinned raw_tp program once (repeat 0: the kernel refuses a repeat count for raw_tp). */
export function runPinned(path: string): string {
  return execFileSync('bpftool', ['prog', 'run', 'pinned', path, 'repeat', '0'], { encoding: 'utf8' });
}

/** The value bytes of each entry of a pinned map. */
export function mapValues(path: string): Uint8Array[] {
  const out = execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', path], { encoding: 'utf8' });
  const entries = JSON.parse(out) as { value: string[] }[];
  return entries.map((e) => Uint8Array.from(e.value, (b) => parseInt(b, 16)));
}

/** The `rX += N` immediates of a pinned program as the kernel holds it (after libbpf's relocations). */
export function xlatedAdds(path: string): number[] {
  const out = execFileSync('bpftool', ['prog', 'dump', 'xlated', 'pinned', path], { encoding: 'utf8' });
  return [...out.matchAll(/\(07\) r\d+ \+= (-?\d+)/g)].map((m) => Number(m[1]));
}
