// Reads maps off the main thread for the live view and for `--metrics`: a map with 100k keys takes about a
// second to read key by key, which would otherwise stall the view's keys and the ring buffer's reader alike.
// The worker snapshots each map from its fd (same process, same fds) and sends back only what was asked for:
// the panel (top rows), the map's Prometheus/OpenMetrics text (repl/metrics/exposition.ts), or the snapshot.
import { parentPort } from 'node:worker_threads';
import type { MapSpec } from '../../compiler/index.ts';
import { snapshotMap } from '../../runtime/maps.ts';
import { makeRenderContext, type RenderOptions } from '../../runtime/render-context.ts';
import type { MapSnapshot } from '../../runtime/index.ts';
import { mapExposition } from '../metrics/exposition.ts';
import { buildPanel, type PanelModel } from './model.ts';

export interface ReadRequest {
  readonly id: number;
  /**
   * What to send back for each map: its panel (the default), its metric family (`metrics`, with the label names
   * of its keys in `labels`), or the whole snapshot.
   */
  readonly want?: 'panels' | { readonly metrics: { readonly openMetrics: boolean } } | 'snapshots';
  /** each map with the rows its panel may show */
  readonly maps: readonly {
    readonly fd: number;
    readonly spec: MapSpec;
    /** how the session prints values (the script's C types, enum names, debug info) */
    readonly render: RenderOptions;
    readonly limit: number;
    /** with `want: { metrics }`: the label names of the map's keys */
    readonly labels?: readonly string[];
  }[];
}

export type ReadReply =
  | { readonly id: number; readonly panels: readonly PanelModel[]; readonly ms: number }
  | { readonly id: number; readonly families: readonly string[]; readonly ms: number }
  | { readonly id: number; readonly snapshots: readonly MapSnapshot[]; readonly ms: number }
  | { readonly id: number; readonly error: string };

parentPort?.on('message', (req: ReadRequest) => {
  const t0 = performance.now();
  try {
    // rendered as Session renders them (stacks, kernel and user symbols); each map read, then reduced to what
    // was asked, before the next is read
    const read = (m: ReadRequest['maps'][number]) => snapshotMap(m.fd, m.spec, makeRenderContext(m.render));
    const want = req.want ?? 'panels';
    const ms = () => performance.now() - t0;
    if (want === 'panels') {
      const panels = req.maps.map((m) => buildPanel(read(m), m.limit));
      parentPort!.postMessage({ id: req.id, panels, ms: ms() } satisfies ReadReply);
    } else if (want === 'snapshots') {
      parentPort!.postMessage({ id: req.id, snapshots: req.maps.map(read), ms: ms() } satisfies ReadReply);
    } else {
      const { openMetrics } = want.metrics;
      const families = req.maps.map((m) => mapExposition(read(m), m.labels ?? [], openMetrics));
      parentPort!.postMessage({ id: req.id, families, ms: ms() } satisfies ReadReply);
    }
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: (e as Error).message } satisfies ReadReply);
  }
});
