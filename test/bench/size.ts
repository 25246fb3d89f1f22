// Program size against bpftrace: the kernel's own figures (bpftool's bytes_xlated and bytes_jited) for the probe
// program of each corpus script, measured the same way for scry and bpftrace: start the tracer, wait until its
// probe programs are loaded, find them among the process' BPF fds (/proc/PID/fdinfo prog_id: this bpftool has
// no `pids` field, and other tests load programs at the same time), read their sizes, stop the tracer.
// scry runs with --no-warnings: bpftrace 0.17 checks no helper's result unless -k, so that is the same program.
// Run alone for a table: node --import tsx test/bench/size.ts [--only REGEX] [--unopt]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SAME_STRINGS } from './proc.ts';

export interface SizeProgram {
  name: string;
  /** the script; both tracers run it as is */
  text: string;
  /** probe programs it loads (BEGIN/END not counted) */
  probes?: number;
}

export interface SizeFigures {
  xlated: number;
  jited: number;
}

export interface SizeRow {
  name: string;
  scry?: SizeFigures;
  bpftrace?: SizeFigures;
  /** why a side has no figure (it refused the program, or is not installed) */
  scryError?: string;
  bpftraceError?: string;
}

export interface SizeBenchOptions {
  /** only the corpus programs whose name matches */
  only?: RegExp;
  /** scry without its bytecode optimizer (SCRY_OPTIMIZE=0) */
  unopt?: boolean;
  /** the scry command (default: the CLI from source, through tsx) */
  scry?: readonly string[];
  bpftrace?: string;
  /** progress lines go here (default: none) */
  log?: (line: string) => void;
}

const TP = 'tracepoint:syscalls:sys_enter_getppid';
const RAW = 'tracepoint:raw_syscalls:sys_enter';
const OPENAT = 'tracepoint:syscalls:sys_enter_openat';

/** Each aggregation, printf with 0–3+ arguments, strings, tuples, stacks, predicates, ternaries, loops. */
export const SIZE_CORPUS: readonly SizeProgram[] = [
  { name: 'count', text: `${TP} { @ = count(); }` },
  { name: 'count by pid', text: `${TP} { @[pid] = count(); }` },
  { name: 'count by comm', text: `${TP} { @[comm] = count(); }` },
  { name: 'count by id', text: `${RAW} { @[args->id] = count(); }` },
  { name: 'sum', text: `${RAW} { @ = sum(args->id); }` },
  { name: 'sum by pid', text: `${RAW} { @[pid] = sum(args->id); }` },
  { name: 'avg', text: `${RAW} { @ = avg(args->id); }` },
  { name: 'min', text: `${RAW} { @ = min(args->id); }` },
  { name: 'max', text: `${RAW} { @ = max(args->id); }` },
  { name: 'stats', text: `${RAW} { @ = stats(args->id); }` },
  { name: 'stats two keys', text: `${RAW} { @[pid, cpu] = stats(args->id); }` },
  { name: 'hist', text: `${RAW} { @ = hist(args->id); }` },
  { name: 'hist by comm', text: `${RAW} { @[comm] = hist(args->id); }` },
  { name: 'lhist', text: `${RAW} { @ = lhist(args->id, 0, 500, 10); }` },
  { name: 'printf 0 args', text: `${TP} { printf("hello\\n"); }` },
  { name: 'printf 1 arg', text: `${TP} { printf("%d\\n", pid); }` },
  { name: 'printf 2 args', text: `${TP} { printf("%d %d\\n", pid, tid); }` },
  { name: 'printf 3 args', text: `${RAW} { printf("%d %d %d\\n", pid, tid, args->id); }` },
  { name: 'printf 5 args', text: `${RAW} { printf("%d %d %d %d %d\\n", pid, tid, cpu, uid, args->id); }` },
  { name: 'printf comm', text: `${TP} { printf("%s %d\\n", comm, pid); }` },
  { name: 'str key', text: `${OPENAT} { @[str(args->filename)] = count(); }` },
  { name: 'string compare', text: `${TP} /comm == "bash"/ { @ = count(); }` },
  { name: 'string var', text: `${TP} { $c = comm; if ($c == "sh") { @[$c] = count(); } }` },
  { name: 'tuple key', text: `${TP} { @[pid, comm] = count(); }` },
  { name: 'tuple value', text: `${TP} { @[pid] = (tid, comm); }` },
  { name: 'kstack key', text: `${TP} { @[kstack] = count(); }` },
  { name: 'ustack key', text: `${TP} { @[ustack] = count(); }` },
  { name: 'kstack 5 + comm', text: `${TP} { @[kstack(5), comm] = count(); }` },
  { name: 'predicate', text: `${RAW} /pid > 100 && args->id == 39/ { @ = count(); }` },
  { name: 'predicate or', text: `${RAW} /args->id == 39 || args->id == 110/ { @[args->id] = count(); }` },
  { name: 'ternary max', text: `${RAW} { $x = args->id > 100 ? args->id : 0; @ = max($x); }` },
  { name: 'if else', text: `${RAW} { if (args->id > 100) { @big = count(); } else { @small = count(); } }` },
  { name: 'arith', text: `${RAW} { @ = sum((args->id * 3 + 7) / 2 % 11); }` },
  { name: 'bitwise', text: `${RAW} { @[(args->id & 0xff) | (pid << 2)] = count(); }` },
  { name: 'while', text: `${RAW} { $i = 0; $s = 0; while ($i < 8) { $s += $i * args->id; $i++; } @ = sum($s); }` },
  { name: 'unroll', text: `${RAW} { $s = 0; unroll(4) { $s += args->id; } @ = sum($s); }` },
  { name: 'variables', text: `${RAW} { $a = pid; $b = tid; $c = $a + $b; @[$a] = sum($c); }` },
  { name: 'assign map', text: `${TP} { @last[tid] = nsecs; @n = pid; }` },
  { name: 'map read', text: `${TP} { @seen[tid] = @seen[tid] + 1; }` },
  {
    name: 'latency',
    text: `${TP} { @s[tid] = nsecs; } tracepoint:syscalls:sys_exit_getppid /@s[tid]/ { @ = hist(nsecs - @s[tid]); delete(@s[tid]); }`,
    probes: 2,
  },
  { name: 'count by cpu uid', text: `${TP} { @[cpu, uid] = count(); }` },
  { name: 'probe key', text: `${TP} { @[probe] = count(); }` },
];

const root = fileURLToPath(new URL('../../', import.meta.url));

function procRoot(pid: number): string {
  return `/proc/${pid}`;
}

/** prog_id of every BPF program fd the process holds. */
function progIds(pid: number): number[] {
  const ids: number[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`${procRoot(pid)}/fd`);
  } catch {
    return ids;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`${procRoot(pid)}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const m = /prog_id:\s*(\d+)/.exec(readFileSync(`${procRoot(pid)}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.push(Number(m[1]));
    } catch {
      // the fd closed while we looked
    }
  }
  return [...new Set(ids)];
}

export interface ProgInfo {
  id: number;
  type: string;
  name?: string;
  bytes_xlated?: number;
  bytes_jited?: number;
  /** with kernel.bpf_stats_enabled: time spent in the program and how many times it ran */
  run_time_ns?: number;
  run_cnt?: number;
}

function progInfo(id: number): ProgInfo | undefined {
  const r = spawnSync('bpftool', ['-j', 'prog', 'show', 'id', String(id)], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as ProgInfo;
  } catch {
    return undefined;
  }
}

/** The probe programs: not BEGIN/END (bpftrace names them so; scry's carry it in the name too). */
export function probePrograms(pid: number): ProgInfo[] {
  return progIds(pid)
    .map(progInfo)
    .filter((p): p is ProgInfo => p !== undefined && !/BEGIN|END/.test(p.name ?? ''));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `cmd`, waits for `want` probe programs (stable over two looks), sums their sizes, stops it. */
async function measure(
  cmd: string,
  args: readonly string[],
  want: number,
  env: NodeJS.ProcessEnv,
): Promise<SizeFigures> {
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  const done = new Promise<void>((resolve) =>
    child.on('close', () => {
      exited = true;
      resolve();
    }),
  );
  try {
    let last = '';
    for (let i = 0; i < 300 && !exited; i++) {
      await sleep(100);
      const progs = probePrograms(child.pid!);
      const key = progs.map((p) => p.id).join(',');
      if (progs.length >= want && key === last) {
        return progs.reduce(
          (a, p) => ({ xlated: a.xlated + (p.bytes_xlated ?? 0), jited: a.jited + (p.bytes_jited ?? 0) }),
          {
            xlated: 0,
            jited: 0,
          },
        );
      }
      last = key;
    }
    throw new Error(exited ? `exited: ${out.trim().split('\n').slice(-3).join(' / ')}` : 'no probe program after 30 s');
  } finally {
    if (!exited) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(timer);
    }
  }
}

export async function sizeBench(opts: SizeBenchOptions = {}): Promise<SizeRow[]> {
  const scry = opts.scry ?? [process.execPath, '--import', 'tsx', `${root}repl/entry.ts`];
  const bpftrace = opts.bpftrace ?? '/usr/bin/bpftrace';
  const haveBpftrace = existsSync(bpftrace);
  const env = { ...process.env, ...SAME_STRINGS, ...(opts.unopt ? { SCRY_OPTIMIZE: '0' } : {}) };
  const cache = new Map<string, SizeFigures | Error>(); // bpftrace's figures, this run only
  const rows: SizeRow[] = [];
  for (const p of SIZE_CORPUS) {
    if (opts.only && !opts.only.test(p.name)) continue;
    const row: SizeRow = { name: p.name };
    const want = p.probes ?? 1;
    try {
      row.scry = await measure(scry[0]!, [...scry.slice(1), '--no-warnings', '-e', p.text], want, env);
    } catch (e) {
      row.scryError = (e as Error).message;
    }
    if (!haveBpftrace) row.bpftraceError = 'not installed';
    else {
      let got = cache.get(p.text);
      if (!got) {
        try {
          got = await measure(bpftrace, ['-e', p.text], want, { ...process.env, ...SAME_STRINGS });
        } catch (e) {
          got = e as Error;
        }
        cache.set(p.text, got);
      }
      if (got instanceof Error) row.bpftraceError = got.message;
      else row.bpftrace = got;
    }
    opts.log?.(formatRow(row));
    rows.push(row);
  }
  return rows;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b ? (a / b).toFixed(2) : '—';
}

function formatRow(r: SizeRow): string {
  return (
    `| ${r.name} | ${r.scry?.xlated ?? r.scryError ?? '—'} | ${r.bpftrace?.xlated ?? r.bpftraceError ?? '—'} | ` +
    `${ratio(r.scry?.xlated, r.bpftrace?.xlated)} | ${ratio(r.scry?.jited, r.bpftrace?.jited)} |`
  );
}

/** The table, then the overall ratio (sum over sum, programs both tracers loaded) and the worst program. */
export function formatSizeTable(rows: readonly SizeRow[]): string {
  const lines = [
    '| program | scry xlated | bpftrace xlated | ratio | jited ratio |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) lines.push(formatRow(r));
  const both = rows.filter((r) => r.scry && r.bpftrace);
  const sum = (f: (r: SizeRow) => number) => both.reduce((a, r) => a + f(r), 0);
  if (both.length) {
    const x = sum((r) => r.scry!.xlated) / sum((r) => r.bpftrace!.xlated);
    const j = sum((r) => r.scry!.jited) / sum((r) => r.bpftrace!.jited);
    const worst = both.reduce((w, r) =>
      r.scry!.xlated / r.bpftrace!.xlated > w.scry!.xlated / w.bpftrace!.xlated ? r : w,
    );
    const over = both.filter((r) => r.scry!.xlated > r.bpftrace!.xlated).length;
    lines.push(
      '',
      `overall (${both.length} programs): xlated ${x.toFixed(2)}×, jited ${j.toFixed(2)}×; ` +
        `worst: ${worst.name} ${(worst.scry!.xlated / worst.bpftrace!.xlated).toFixed(2)}×; above 1.0×: ${over}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--only');
  const only = at >= 0 && args[at + 1] ? new RegExp(args[at + 1]!) : undefined;
  const rows = await sizeBench({
    ...(only ? { only } : {}),
    unopt: args.includes('--unopt'),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  console.log(formatSizeTable(rows));
}
