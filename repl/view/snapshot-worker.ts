// Reads maps off the main thread for the live view: a map with 100k keys takes about a second to read
// key by key, which would otherwise stall the view's keys and the ring buffer's reader alike. The worker
// snapshots each map from its fd (same process, same fds) and sends back only the panel (top rows).
import { parentPort } from 'node:worker_threads';
import type { MapSpec } from '../../compiler/index.ts';
import { snapshotMap } from '../../runtime/maps.ts';
import { makeRenderContext, type RenderOptions } from '../../runtime/render-context.ts';
import { buildPanel, type PanelModel } from './model.ts';

export interface ReadRequest {
  readonly id: number;
  /** each map with the rows its panel may show */
  readonly maps: readonly {
    readonly fd: number;
    readonly spec: MapSpec;
    readonly stackMaps: readonly (readonly [number, number])[];
    /** how the session prints values (the script's C types, enum names, debug info) */
    readonly render: RenderOptions;
    readonly limit: number;
  }[];
}

export type ReadReply =
  | { readonly id: number; readonly panels: readonly PanelModel[]; readonly ms: number }
  | { readonly id: number; readonly error: string };

parentPort?.on('message', (req: ReadRequest) => {
  const t0 = performance.now();
  try {
    const panels = req.maps.map((m) => {
      // rendered as Session renders them (stacks, kernel and user symbols)
      const snap = snapshotMap(m.fd, m.spec, makeRenderContext(new Map(m.stackMaps), m.render));
      return buildPanel(snap, m.limit);
    });
    parentPort!.postMessage({ id: req.id, panels, ms: performance.now() - t0 } satisfies ReadReply);
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: (e as Error).message } satisfies ReadReply);
  }
});
