// Exit latency under a printf flood: the tracer prints a line per getppid() call to a file while the loop
// program floods it; after a second, either a one-call getpid() (comm scrybench) makes the script call exit(),
// or the tracer gets SIGINT. Latency: from that moment to the tracer's process end. The exit() moment is
// when the trigger's getpid() returned, on CLOCK_MONOTONIC, which is process.hrtime's clock too.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Native } from './native.ts';
import { FLOOD } from './throughput.ts';
import {
  attachedWithin,
  failed,
  fix,
  loopAsync,
  median,
  ratio,
  retryOnce,
  startTracer,
  tracers,
  type Tracer,
} from './proc.ts';

const TRIGGER = 'tracepoint:syscalls:sys_enter_getpid /comm == "scrybench"/ { exit(); }';
const GIVE_UP_MS = 10_000; // bpftrace 0.17 sometimes misses a SIGINT for good: a failed sample, retried

export type ExitHow = 'exit()' | 'SIGINT';

async function sample(t: Tracer, native: Native, how: ExitHow): Promise<number> {
  const out = join(native.dir, `flood-${t.name}.txt`);
  const s = startTracer(t, ['-q', '-o', out, '-e', `${FLOOD} ${TRIGGER}`]);
  const producer = { current: undefined as ReturnType<typeof loopAsync> | undefined };
  try {
    await attachedWithin(s);
    producer.current = loopAsync(native, 'getppid', 1_000_000_000); // killed below
    await new Promise((r) => setTimeout(r, 1000));
    let from: bigint;
    if (how === 'SIGINT') {
      from = process.hrtime.bigint();
      s.child.kill('SIGINT');
    } else from = (await loopAsync(native, 'getpid', 1).done).endNs;
    const timer = setTimeout(() => s.child.kill('SIGKILL'), GIVE_UP_MS);
    const e = await s.exited;
    clearTimeout(timer);
    if (e.signal === 'SIGKILL') throw new Error(`${t.name} still running ${GIVE_UP_MS} ms after ${how}`);
    if (e.code !== 0) throw new Error(`${t.name} ended ${e.code ?? e.signal} after ${how}`);
    return Number(e.endedAt - from) / 1e6;
  } finally {
    producer.current?.child.kill('SIGKILL');
    s.child.kill('SIGKILL'); // no-op once it has ended
    await s.exited;
    rmSync(out, { force: true });
  }
}

export interface ExitRow {
  how: ExitHow;
  /** median ms per tracer name, and every sample */
  samples: Map<string, number[]>;
}

export async function exitLatencyBench(native: Native, runs: number): Promise<ExitRow[]> {
  const rows: ExitRow[] = [];
  for (const how of ['exit()', 'SIGINT'] as const) {
    const row: ExitRow = { how, samples: new Map() };
    try {
      for (let i = 0; i < runs; i++)
        for (const t of tracers()) {
          const xs = row.samples.get(t.name) ?? [];
          xs.push(await retryOnce(`${how}, ${t.name}`, () => sample(t, native, how)));
          row.samples.set(t.name, xs);
        }
    } catch (e) {
      failed(`exit latency, ${how}`, e);
      continue;
    }
    rows.push(row);
  }
  return rows;
}

export function formatExitLatency(rows: ExitRow[]): string {
  const lines = [
    '| exit under a printf flood | scry ms (median; all) | bpftrace ms (median; all) | scry/bpftrace |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const m = (name: string) => {
      const xs = r.samples.get(name);
      return xs ? median(xs) : undefined;
    };
    const all = (name: string) => {
      const xs = r.samples.get(name);
      return xs ? `${fix(m(name))} (${xs.map((x) => x.toFixed(0)).join(', ')})` : '-';
    };
    lines.push(`| ${r.how} | ${all('scry')} | ${all('bpftrace')} | ${ratio(m('scry')!, m('bpftrace'))} |`);
  }
  return lines.join('\n');
}
