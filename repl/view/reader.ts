// Where the live view gets its panels: a worker thread that reads the maps (see snapshot-worker.ts), or,
// when no worker can start, the session itself on this thread.
import { Worker } from 'node:worker_threads';
import type { MapSnapshot, RenderOptions } from '../../runtime/index.ts';
import type { MapSpec } from '../../compiler/index.ts';
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
        readonly stackMaps: readonly (readonly [number, number])[];
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
  /** Waits for a read in progress (it uses the session's fds), then stops the worker. */
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

  return {
    async read(names, limit) {
      const limitOf = typeof limit === 'number' ? () => limit : limit;
      const w = start();
      const maps = names.flatMap((n) => {
        const m = source.mapSource?.(n);
        return m ? [{ ...m, limit: limitOf(n) }] : [];
      });
      if (!w || !source.running) return inThread(names, limitOf);
      const id = ++seq;
      const reply = new Promise<ReadReply>((resolve) => waiting.set(id, resolve));
      inFlight = reply;
      w.postMessage({ id, maps } satisfies ReadRequest);
      const r = await reply;
      if ('error' in r) {
        if (!source.running) return { panels: [], ms: 0, offThread: true };
        return inThread(names, limitOf);
      }
      return { panels: [...r.panels], ms: r.ms, offThread: true };
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
