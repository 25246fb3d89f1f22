// Where trace events go when not in the live view: bpftrace-compatible text, or JSON lines.
import type { OutputSink, TraceEvent } from '../runtime/index.ts';
import { formatMap } from './print/text.ts';

export interface Writer {
  out(text: string): void;
  err(text: string): void;
}

export function textSink(w: Writer, opts: { quiet: boolean }): OutputSink {
  let mapsStarted = false;
  const startMaps = () => {
    // bpftrace 0.17 prints two newlines at exit before the maps (even when there are none).
    if (!mapsStarted) w.out('\n\n');
    mapsStarted = true;
  };
  return {
    event(e: TraceEvent) {
      switch (e.kind) {
        case 'attached':
          if (!opts.quiet) w.err(`Attached ${e.probes} probe${e.probes === 1 ? '' : 's'}\n`);
          if (process.env.__BPFTRACE_NOTIFY_PROBES_ATTACHED !== undefined) w.out('__BPFTRACE_NOTIFY_PROBES_ATTACHED\n');
          return;
        case 'printf':
          return w.out(e.text);
        case 'map':
          startMaps();
          return w.out(formatMap(e.snapshot));
        case 'lost':
          return w.err(`Lost ${e.count} events\n`);
        case 'exit':
          return;
      }
    },
    end() {
      startMaps();
    },
  };
}
