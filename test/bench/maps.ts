// Reading big maps. mapPrintBench (part of `npm run bench`): scry and bpftrace each fill a count() map with
// 100,000 keys (one close() of a distinct bad fd per key) and are stopped with SIGINT; the time from the signal
// to the process' end is reading and printing the map. mapReads (run alone): snapshotMap over real kernel maps
// of 1k and 120k keys, batch reads against the per-key walk (get_next_key + lookup per key). Needs root.
// Run alone for a table: node --import tsx test/bench/maps.ts [--keys N[,N…]] [--runs R]
import { pathToFileURL } from 'node:url';
import type { MapSpec } from '../../compiler/index.ts';
import { hostKernelInfo } from '../../runtime/index.ts';
import { snapshotMap, type MapReadMode } from '../../runtime/maps.ts';
import { mapCreate, mapUpdate, MapType, OwnedFd, percpuValueSize } from '../../runtime/sys/index.ts';
import { compileText } from '../helpers/pipeline.ts';
import type { Native } from './native.ts';
import {
  attachedWithin,
  failed,
  fix,
  loop,
  median,
  ratio,
  retryOnce,
  startTracer,
  tracerEnv,
  tracers,
  type Tracer,
} from './proc.ts';

const PRINT_KEYS = 100_000;
const FILL = 'tracepoint:syscalls:sys_enter_close /comm == "scrybench"/ { @m[args->fd] = count(); }';

/** ms from SIGINT to the end of a tracer holding a map of PRINT_KEYS keys; checks every key was printed. */
async function printSample(t: Tracer, native: Native): Promise<number> {
  const s = startTracer(t, ['-q', '-e', FILL], { env: tracerEnv(PRINT_KEYS + 10_000), keepStdout: true });
  try {
    await attachedWithin(s);
    loop(native, 'close', PRINT_KEYS);
  } catch (e) {
    s.child.kill('SIGKILL');
    throw e;
  }
  const from = process.hrtime.bigint();
  const e = await s.stop();
  if (e.code !== 0) throw new Error(`${t.name} ended ${e.code ?? e.signal} after SIGINT`);
  if (e.sigints !== 1) throw new Error(`${t.name} needed ${e.sigints} SIGINTs to stop: not a timing`);
  const keys = e.stdout.match(/^@m\[\d+\]: 1$/gm)?.length ?? 0;
  if (keys !== PRINT_KEYS) throw new Error(`${t.name} printed ${keys} keys of @m, not ${PRINT_KEYS}`);
  return Number(e.endedAt - from) / 1e6;
}

export interface MapPrintRow {
  samples: Map<string, number[]>;
}

export async function mapPrintBench(native: Native, runs: number): Promise<MapPrintRow | undefined> {
  const samples = new Map<string, number[]>();
  try {
    for (let i = 0; i < runs; i++)
      for (const t of tracers()) {
        const xs = samples.get(t.name) ?? [];
        xs.push(await retryOnce(`100k-key map, ${t.name}`, () => printSample(t, native)));
        samples.set(t.name, xs);
      }
  } catch (e) {
    failed('printing a 100k-key map', e);
    return undefined;
  }
  return { samples };
}

export function formatMapPrint(r: MapPrintRow): string {
  const m = (name: string) => {
    const xs = r.samples.get(name);
    return xs ? median(xs) : undefined;
  };
  return [
    '| map | scry ms | bpftrace ms | scry/bpftrace |',
    '| --- | --- | --- | --- |',
    `| ${PRINT_KEYS.toLocaleString('en')}-key count() map, SIGINT to exit | ${fix(m('scry'))} | ${fix(m('bpftrace'))} | ${ratio(m('scry')!, m('bpftrace'))} |`,
  ].join('\n');
}

export interface MapReadResult {
  map: string;
  keys: number;
  mode: MapReadMode;
  /** median milliseconds of one snapshotMap: wall clock, and CPU time (steadier on a busy machine) */
  median: number;
  cpu: number;
  entries: number;
}

/** Script maps of the three shapes that matter: a per-CPU count, a per-CPU histogram (one entry per bucket), a plain value. */
function specs(maxEntries: number): MapSpec[] {
  const c = compileText(
    `config = { max_map_keys = ${maxEntries} } BEGIN { @count[1] = count(); @hist[1] = hist(5); @value[1] = 5; }`,
    hostKernelInfo(),
  );
  return c.maps.filter((m) => m.user !== undefined);
}

/** Fills `spec`'s map with `n` script keys (histograms: n/4 keys × 4 buckets) and values that differ per CPU. */
function filled(spec: MapSpec, n: number): OwnedFd {
  const percpu = spec.kind === 'percpu_hash';
  const fd = new OwnedFd(
    mapCreate({
      type: percpu ? MapType.PERCPU_HASH : MapType.HASH,
      keySize: spec.keySize,
      valueSize: spec.valueSize,
      maxEntries: spec.maxEntries,
      name: spec.name,
    }),
    spec.name,
  );
  const key = new Uint8Array(spec.keySize);
  const kview = new DataView(key.buffer);
  const value = new Uint8Array(percpu ? percpuValueSize(spec.valueSize) : Math.ceil(spec.valueSize / 8) * 8);
  const vview = new DataView(value.buffer);
  for (let i = 0; i < n; i++) {
    if (spec.user?.bucket !== undefined) {
      kview.setBigUint64(0, BigInt(i >> 2), true);
      kview.setBigUint64(spec.user.bucket, BigInt(i & 3), true);
    } else kview.setBigUint64(0, BigInt(i), true);
    for (let off = 0; off < value.length; off += 8) vview.setBigUint64(off, BigInt(i + off), true);
    mapUpdate(fd.fd, key, value);
  }
  return fd;
}

export function mapReads(keyCounts: readonly number[], runs: number): MapReadResult[] {
  const results: MapReadResult[] = [];
  for (const n of keyCounts) {
    for (const spec of specs(Math.max(n, 1024))) {
      const fd = filled(spec, n);
      try {
        for (const mode of ['per-key', 'batch'] as const) {
          const times: number[] = [];
          const cpu: number[] = [];
          let entries = 0;
          for (let r = 0; r < runs; r++) {
            const t0 = process.hrtime.bigint();
            const c0 = process.cpuUsage();
            entries = snapshotMap(fd.fd, spec, {}, mode).entries.length;
            const c = process.cpuUsage(c0);
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
            cpu.push((c.user + c.system) / 1000);
          }
          const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
          results.push({
            map: `${spec.user!.name} (${spec.kind})`,
            keys: n,
            mode,
            median: median(times),
            cpu: median(cpu),
            entries,
          });
        }
      } finally {
        fd.close();
      }
    }
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const keys = (arg('--keys') ?? '1000,120000').split(',').map(Number);
  const runs = Number(arg('--runs') ?? 5);
  const results = mapReads(keys, runs);
  console.log('| map | kernel entries | per-key ms (CPU ms) | batch ms (CPU ms) | speed-up |');
  console.log('| --- | --- | --- | --- | --- |');
  for (let i = 0; i < results.length; i += 2) {
    const [a, b] = [results[i]!, results[i + 1]!];
    const ms = (r: MapReadResult) => `${r.median.toFixed(2)} (${r.cpu.toFixed(1)})`;
    console.log(`| ${a.map} | ${a.keys} | ${ms(a)} | ${ms(b)} | ${(a.median / b.median).toFixed(1)}× |`);
  }
}
