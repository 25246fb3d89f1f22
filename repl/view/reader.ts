// Where the live view gets its panels, and `--metrics` its metric families and snapshots: a worker thread that
// reads the maps (see snapshot-worker.ts), or, when no worker can start, the session itself on this thread.
import type { Worker } from 'node:worker_threads';
import type { MapSnapshot, RenderOptions } from '../../runtime/index.ts';
import type { MapSpec } from '../../compiler/index.ts';
import { mapExposition } from '../metrics/exposition.ts';
import { buildPanel, type PanelModel } from './model.ts';
import type { ReadReply, ReadRequest } from './snapshot-worker.ts';

/** What the view needs of a running session (runtime/session.ts). */
export interface LiveSource {
  readonly running: boolean;
  readonly stats: { readonly events: number; readonly lost: number };
  mapNames(): string[];
  snapshot(name: string): MapSnapshot | undefined;
  mapSource?(name: string):
    | {
        readonly fd: number;
        readonly spec: MapSpec;
        readonly render: RenderOptions;
      }
    | undefined;
}

export interface MapReader {
  /** Panels for the maps, each with at most `limit` rows (per map, when a function); how long the reading took. */
  read(
    names: readonly string[],
    limit: number | ((name: string) => number),
  ): Promise<{ panels: PanelModel[]; ms: number; offThread: boolean }>;
  /**
   * Each map's metric family (repl/metrics/exposition.ts), its keys labelled by `labels(name)`; undefined once
   * the session has stopped (its maps are going).
   */
  metrics(
    names: readonly string[],
    labels: (name: string) => readonly string[],
    openMetrics: boolean,
  ): Promise<{ families: string[]; ms: number; offThread: boolean } | undefined>;
  /** The maps' whole snapshots; undefined once the session has stopped. */
  snapshots(
    names: readonly string[],
  ): Promise<
    { snapshots: MapSnapshot[]; ms: number } | undefined
  >; /** Waits for a read in progress (it uses the session's fds), then stops the worker. */
  close(): Promise<void>;
}

export function mapReader(source: LiveSource): MapReader {
  let worker: Worker | undefined;
  let failed = false;
  let seq = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  const waiting = new Map<number, (r: ReadReply) => void>();

  const start = (): Worker | undefined => {
    if (worker || failed || !source.mapSource) return worker;
    try {
      worker = spawnWorker();
    } catch {
      failed = true;
      return undefined;
    }
    worker.unref();
    worker.on('message', (r: ReadReply) => {
      waiting.get(r.id)?.(r);
      waiting.delete(r.id);
    });
    const fail = () => {
      failed = true;
      worker = undefined;
      for (const [id, w] of waiting) w({ id, error: 'the map reader stopped' });
      waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    return worker;
  };

  const inThread = (names: readonly string[], limitOf: (name: string) => number) => {
    const t0 = performance.now();
    const panels = names.flatMap((n) => {
      const s = source.snapshot(n);
      return s ? [buildPanel(s, limitOf(n))] : [];
    });
    return { panels, ms: performance.now() - t0, offThread: false };
  };

  /** Sends one request to the worker (undefined: no worker); requests are answered in turn. */
  const ask = (
    names: readonly string[],
    extra: (name: string) => { limit: number; labels?: readonly string[] },
    want: ReadRequest['want'],
  ): Promise<ReadReply> | undefined => {
    const w = start();
    if (!w) return undefined;
    const maps = names.flatMap((n) => {
      const m = source.mapSource?.(n);
      return m ? [{ ...m, ...extra(n) }] : [];
    });
    const id = ++seq;
    const reply = new Promise<ReadReply>((resolve) => waiting.set(id, resolve));
    const previous = inFlight;
    inFlight = Promise.all([previous, reply]);
    w.postMessage({ id, maps, ...(want ? { want } : {}) } satisfies ReadRequest);
    return reply;
  };

  return {
    async read(names, limit) {
      const limitOf = typeof limit === 'number' ? () => limit : limit;
      const reply = source.running ? ask(names, (n) => ({ limit: limitOf(n) }), undefined) : undefined;
      if (!reply) return inThread(names, limitOf);
      const r = await reply;
      if (!('panels' in r)) {
        if (!source.running) return { panels: [], ms: 0, offThread: true };
        return inThread(names, limitOf);
      }
      return { panels: [...r.panels], ms: r.ms, offThread: true };
    },
    async metrics(names, labels, openMetrics) {
      if (!source.running) return undefined;
      const reply = ask(names, (n) => ({ limit: 0, labels: labels(n) }), { metrics: { openMetrics } });
      const r = reply && (await reply);
      if (r && 'families' in r) return { families: [...r.families], ms: r.ms, offThread: true };
      if (!source.running) return undefined;
      // no worker: read here, as the view does then
      const t0 = performance.now();
      const families = names.flatMap((n) => {
        const s = source.snapshot(n);
        return s ? [mapExposition(s, labels(n), openMetrics)] : [];
      });
      return { families, ms: performance.now() - t0, offThread: false };
    },
    async snapshots(names) {
      if (!source.running) return undefined;
      const reply = ask(names, () => ({ limit: 0 }), 'snapshots');
      const r = reply && (await reply);
      if (r && 'snapshots' in r) return { snapshots: [...r.snapshots], ms: r.ms };
      if (!source.running) return undefined;
      const t0 = performance.now();
      const snapshots = names.flatMap((n) => source.snapshot(n) ?? []);
      return { snapshots, ms: performance.now() - t0 };
    },
    async close() {
      await inFlight;
      const w = worker;
      worker = undefined;
      failed = true;
      if (w) {
        w.removeAllListeners('exit');
        await w.terminate();
      }
    },
  };
}

/**
 * The worker's code sits next to this module: scry-snapshot.mjs beside the bundled view, or the TypeScript
 * source (run through tsx's loader, which a worker does not inherit) when running from source.
 */
function spawnWorker(): Worker {
  // A small young generation: by default V8 lets it grow to 32 MB per thread as the snapshots churn, and the
  // process's RSS crept by tens of MB over minutes (npm run soak); scavenges of a few MB cost the worker little.
  const resourceLimits = { maxYoungGenerationSizeMb: 6 };
  // node:worker_threads is loaded here, when a view starts one, not at every start (~1.3 ms)
  const { Worker } = process.getBuiltinModule('node:worker_threads');
  const here = import.meta.url;
  if (!/\.tsx?$/.test(new URL(here).pathname))
    return new Worker(new URL('./scry-snapshot.mjs', here), { resourceLimits });
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./snapshot-worker.ts', here).href;
  return new Worker(
    `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(target)}); });`,
    { eval: true, resourceLimits },
  );
}
