// The live view's controller, and the entry of its own bundle (dist/scry-view.mjs): the CLI imports it
// only when stdout is a terminal and the program has maps, so Ink and React load only then.
//
// Three clocks: printf output (whole lines) is written above the frame every 100 ms, through Ink so the
// frame is redrawn below it; the status line is redrawn every `refreshMs`; the maps are read every
// `refreshMs`, or less often when reading them takes long (off the main thread, but a worker reading a huge
// map continuously would still cost a core). Nothing is drawn per event.
import { render, useStderr, useStdout } from 'ink';
import { useEffect } from 'react';
import { App, type ViewAction } from './app.tsx';
import type { PanelModel } from './model.ts';
import { mapReader, type LiveSource } from './reader.ts';
import type { Chunk, ViewStore } from './store.ts';

export type { LiveSource } from './reader.ts';

export interface LiveViewOptions {
  readonly refreshMs: number;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
}

export interface LiveView {
  /** Closes the view (the caller then stops the session): what `q` does. */
  quit(): void;
  /** Resolves once the view is gone from the terminal: after quit(), or when the session ended by itself. */
  readonly closed: Promise<void>;
}

type Writers = { out(s: string): void; err(s: string): void };

/** Hands Ink's "write above the frame" functions to the controller. */
function Bridge({ bind }: { readonly bind: (w: Writers) => void }) {
  const { write: out } = useStdout();
  const { write: err } = useStderr();
  useEffect(() => bind({ out, err }), [bind, out, err]);
  return null;
}

export function showLiveView(session: LiveSource, store: ViewStore, opts: LiveViewOptions): LiveView {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const reader = mapReader(session);
  const started = Date.now();
  let panels: PanelModel[] = [];
  let selected = 0;
  let paused = false;
  let rate = 0;
  let lastEvents = session.stats.events;
  let lastTick = Date.now();
  let closing = false;
  let writers: Writers | undefined;
  let readTimer: NodeJS.Timeout | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const bind = (w: Writers) => {
    writers = w;
  };
  const onAction = (a: ViewAction) => {
    if (a === 'quit') return quit();
    if (a === 'pause') {
      paused = !paused;
      if (!paused && readTimer) {
        clearTimeout(readTimer);
        void read(); // fresh panels at once
      }
    } else if (panels.length) selected = (selected + (a === 'next' ? 1 : panels.length - 1)) % panels.length;
    draw();
  };

  const frame = () => (
    <>
      <Bridge bind={bind} />
      <App
        panels={panels}
        selected={Math.min(selected, Math.max(0, panels.length - 1))}
        width={Math.max(20, (stdout.columns ?? 80) - 1)}
        height={Math.max(6, stdout.rows ?? 24)}
        status={{ probes: store.probes, eventsPerSecond: rate, lost: session.stats.lost, elapsedMs: Date.now() - started, paused }}
        onAction={onAction}
      />
    </>
  );
  const instance = render(frame(), { stdout, stdin, stderr: process.stderr, exitOnCtrlC: false, patchConsole: false, maxFps: 20 });
  const draw = () => {
    if (!closing) instance.rerender(frame());
  };

  /** Whole lines of output, above the frame. */
  const flushLog = () => {
    if (closing || !writers) return;
    const chunks: Chunk[] = store.take();
    for (const c of chunks) (c.stream === 'out' ? writers.out : writers.err)(c.text);
  };
  const logTimer = setInterval(flushLog, 100);

  // the status line (events/s, elapsed) moves every refresh, even while a big map is still being read
  const tick = () => {
    const now = Date.now();
    const events = session.stats.events;
    rate = ((events - lastEvents) * 1000) / Math.max(1, now - lastTick);
    lastEvents = events;
    lastTick = now;
    draw();
  };
  const tickTimer = setInterval(tick, opts.refreshMs);

  const read = async () => {
    readTimer = undefined;
    if (closing) return;
    const t0 = Date.now();
    let cost = 0;
    if (!paused) {
      // rows a panel could ever show: the terminal's height
      const limit = Math.max(4, (stdout.rows ?? 24) - 2);
      try {
        const r = await reader.read(session.mapNames(), limit);
        if (closing) return;
        panels = r.panels;
        cost = r.offThread ? r.ms * 2 : r.ms * 5; // keep reading under ~half a core, or ~20% of this thread
      } catch {
        // the session closed under the reader: the end is near, keep the last panels
      }
      draw();
    }
    readTimer = setTimeout(() => void read(), Math.max(opts.refreshMs, cost) - (Date.now() - t0));
  };
  void read();

  function quit(): void {
    if (closing) return;
    closing = true; // what is still waiting is printed after the view is gone, as plain text
    clearInterval(logTimer);
    clearInterval(tickTimer);
    if (readTimer) clearTimeout(readTimer);
    void reader.close().then(async () => {
      // an empty last frame, so the view leaves nothing behind; Ink ends even that with a newline, so go
      // back up over it: the plain text follows exactly where the view began
      instance.rerender(<></>);
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
      stdout.write('\x1b[1A');
      resolveClosed();
    });
  }
  store.onEnd(quit); // the program ended by itself (exit()): its final output is printed without the view

  return { quit, closed };
}
