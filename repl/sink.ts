// Where trace events go when not in the live view: bpftrace-compatible text, or JSON lines.
import type { OutputSink, TraceEvent } from '../runtime/index.ts';
import { jsonEvent } from './print/json.ts';
import { formatMap, formatValue } from './print/text.ts';

export interface Writer {
  out(text: string): void;
  err(text: string): void;
}

const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';

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
          if (process.env[NOTIFY] !== undefined) w.out(`${NOTIFY}\n`);
          return;
        case 'printf':
          return w.out(e.text);
        case 'value':
          return w.out(`${formatValue(e.value)}\n`);
        case 'map':
          // print(@m) from a probe (it carries top/div) prints in place; the maps printed at exit follow the blank lines
          if (e.top === undefined) startMaps();
          return w.out(formatMap(e.snapshot, { top: e.top, div: e.div }));
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

/**
 * `-f json`: one object a line. Unlike bpftrace 0.17, no blank lines before the maps printed at exit:
 * every line stays a JSON document.
 */
export function jsonSink(w: Writer, opts: { quiet: boolean }): OutputSink {
  return {
    event(e: TraceEvent) {
      if (e.kind === 'attached' && process.env[NOTIFY] !== undefined) w.out(`${NOTIFY}\n`);
      const text = jsonEvent(e, opts);
      if (text) w.out(text);
    },
    end() {},
  };
}
