// The live view's controller, and the entry of its own bundle (dist/scry-view.mjs): the CLI imports it
// only when stdout is a terminal and the program has maps, so Ink and React load only then.
//
// Three clocks: printf output (whole lines) is written above the frame every 100 ms, through Ink so the
// frame is redrawn below it (the frame stays short enough to leave the last lines of it in view); the status line is redrawn every `refreshMs`; the maps are read every
// `refreshMs`, or less often when reading them takes long (off the main thread, but a worker reading a huge
// map continuously would still cost a core). Nothing is drawn per event.
import { render, useStderr, useStdout } from 'ink';
import { useEffect } from 'react';
import { App, type ScrollAction, type ViewAction } from './app.tsx';
import { carriedWindows, layoutFrame, logRows, panelRows, windowKey, type FrameLayout } from './layout.ts';
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
  /** what layout.ts carries between frames: the user's scroll offsets, the histograms' windows */
  const scroll = new Map<string, number>();
  let windows: ReadonlyMap<string, number> = new Map();
  let layout: FrameLayout | undefined;
  /** lines written above the frame so far: the log keeps up to that many rows */
  let printed = 0;
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
      if (!paused) readNow(); // fresh panels at once
    } else if (a === 'next' || a === 'prev') {
      if (panels.length) selected = (selected + (a === 'next' ? 1 : panels.length - 1)) % panels.length;
    } else scrollSelected(a);
    draw();
  };

  const scrollSelected = (a: ScrollAction) => {
    const name = panels[selected]?.name;
    const view = layout?.panels.find((p) => p.name === name);
    if (!name || !view) return;
    if (a === 'auto') {
      scroll.delete(name);
      windows = new Map([...windows].filter(([k]) => !k.startsWith(windowKey(name, ''))));
      return;
    }
    if (view.hidden === 0 && !scroll.has(name)) return; // it all shows: nothing to scroll
    const from = scroll.get(name) ?? view.offset;
    const page = Math.max(1, view.visible - 1);
    const to =
      a === 'up'
        ? from - 1
        : a === 'down'
          ? from + 1
          : a === 'pageUp'
            ? from - page
            : a === 'pageDown'
              ? from + page
              : 0;
    const offset = Math.max(0, Math.min(to, view.content - view.visible));
    scroll.set(name, offset);
    // near the end of the rows read so far, while the map has more: read more now (see limitFor)
    if (view.hidden > 0 && offset + 2 * view.visible >= view.content) readNow();
  };

  /** Rows to read of a map: a screenful past where it is scrolled to. */
  const limitFor = (name: string) =>
    Math.max(4, (stdout.rows ?? 24) - 2) * ((scroll.get(name) ?? 0) > 0 ? 2 : 1) + (scroll.get(name) ?? 0);

  const frame = () => {
    const width = Math.max(20, (stdout.columns ?? 80) - 1);
    const height = Math.max(6, stdout.rows ?? 24);
    selected = Math.min(selected, Math.max(0, panels.length - 1));
    layout = layoutFrame(panels, {
      width,
      rows: panelRows(height, logRows(height, printed)),
      selected,
      state: { scroll, windows },
    });
    windows = carriedWindows(windows, layout, panels);
    return (
      <>
        <Bridge bind={bind} />
        <App
          layout={layout}
          reading={panels.length === 0}
          width={width}
          status={{
            probes: store.probes,
            eventsPerSecond: rate,
            lost: session.stats.lost,
            elapsedMs: Date.now() - started,
            paused,
          }}
          onAction={onAction}
        />
      </>
    );
  };
  const instance = render(frame(), {
    stdout,
    stdin,
    stderr: process.stderr,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 20,
  });
  /** when the frame was last drawn: the status line's clock only draws when nothing else did for a refresh */
  let drawnAt = 0;
  const draw = () => {
    if (closing) return;
    drawnAt = Date.now();
    // React's development build records every render as a performance measure, which Node keeps until
    // cleared: at 100 ms refresh the heap grew ~25 MB a minute with them. Nothing else in scry uses measures.
    performance.clearMeasures();
    instance.rerender(frame());
  };

  /** Whole lines of output, above the frame. */
  const flushLog = () => {
    if (closing || !writers) return;
    const chunks: Chunk[] = store.take();
    if (chunks.length === 0) return;
    const before = logRows(Math.max(6, stdout.rows ?? 24), printed);
    for (const c of chunks) {
      (c.stream === 'out' ? writers.out : writers.err)(c.text);
      for (let i = c.text.indexOf('\n'); i >= 0; i = c.text.indexOf('\n', i + 1)) printed++;
    }
    if (logRows(Math.max(6, stdout.rows ?? 24), printed) !== before) draw(); // the frame makes room for the log
  };
  const logTimer = setInterval(flushLog, 100);

  // the status line (events/s, elapsed) moves every refresh, even while a big map is still being read or
  // the panels are paused; when the maps were just read and drawn, that frame showed it (one frame a refresh)
  const tick = () => {
    const now = Date.now();
    const events = session.stats.events;
    rate = ((events - lastEvents) * 1000) / Math.max(1, now - lastTick);
    lastEvents = events;
    lastTick = now;
    if (now - drawnAt >= opts.refreshMs * 0.9) draw();
  };
  const tickTimer = setInterval(tick, opts.refreshMs);

  const read = async () => {
    readTimer = undefined;
    if (closing) return;
    const t0 = Date.now();
    let cost = 0;
    if (!paused) {
      try {
        const r = await reader.read(session.mapNames(), limitFor);
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

  /** Reads the maps now rather than at the next refresh, unless a read is under way. */
  function readNow(): void {
    if (paused || !readTimer || closing) return;
    clearTimeout(readTimer);
    void read();
  }

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
