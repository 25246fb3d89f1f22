// Where trace events go when not in the live view: bpftrace-compatible text, or JSON lines.
import { stdout } from './stdio.ts';
import { renderCallMessage, renderDiagnostic } from '../lang/index.ts';
import {
  benchmarkJson,
  benchmarkText,
  testJson,
  testText,
  type OutputSink,
  type TestResult,
  type TraceEvent,
} from '../runtime/index.ts';
import { jsonEvent } from './print/json.ts';
import { formatMap, formatValue } from './print/text.ts';

import type { Writer } from './writer.ts';

const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';

/**
 * Test harnesses set __BPFTRACE_NOTIFY_PROBES_ATTACHED and wait for that word on stdout once every probe
 * is attached: it goes to stdout itself, whatever -o and -B say.
 */
export function notifyingAttached(sink: OutputSink): OutputSink {
  if (process.env[NOTIFY] === undefined) return sink;
  return {
    ...sink,
    event(e) {
      sink.event(e);
      if (e.kind === 'attached') {
        sink.flush?.();
        stdout.write(`${NOTIFY}\n`);
      }
    },
  };
}

/**
 * With full buffering, printf text also comes as bytes (`printfBytes`, which the session looks for):
 * many events at a time, already UTF-8, handed straight to the writer.
 */
export function textSink(w: Writer, opts: { quiet: boolean }): OutputSink & { printfBytes?(chunk: Uint8Array): void } {
  let mapsStarted = false;
  const startMaps = () => {
    // bpftrace 0.17 prints two newlines at exit before the maps (even when there are none).
    if (!mapsStarted) w.out('\n\n');
    mapsStarted = true;
  };
  const bytes = w.bytes?.bind(w);
  return {
    ...(bytes && { printfBytes: bytes }),
    event(e: TraceEvent) {
      switch (e.kind) {
        case 'attached':
          if (!opts.quiet) w.err(`Attached ${e.probes} probe${e.probes === 1 ? '' : 's'}\n`);
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
        case 'message':
          // warnf/errorf, helper failures and runtime errors: on stderr, rendered like a diagnostic, as bpftrace
          // v0.26 prints them (0.17 printed helper failures on stdout); the writer keeps the two streams in order.
          // errorf/warnf show their place but not their line: it is the call itself (v0.26)
          if (!e.helper && e.span) return w.err(renderCallMessage(e.level, e.text, e.span));
          return w.err(
            renderDiagnostic({ severity: e.level, message: messageText(e), ...(e.span ? { span: e.span } : {}) }),
          );
        case 'exit':
          return;
      }
    },
    benchmark: (r) => {
      mapsStarted = true; // --bench and --test print their results, not the maps (bpftrace v0.26)
      w.out(benchmarkText(r));
    },
    test: (r) => {
      mapsStarted = true;
      w.out(testText(r, testOutput(r)));
    },
    end() {
      startMaps();
      w.flush();
    },
    flush: () => w.flush(),
    blocked: () => w.blocked?.() ?? false,
  };
}

/** What a test printed, stdout and stderr together, as text (bpftrace v0.26 shows it so, JSON output too). */
function testOutput(r: TestResult): string {
  let text = '';
  const add = (t: string) => void (text += t);
  const sink = textSink({ out: add, err: add, flush: () => {}, close: () => {} }, { quiet: true });
  for (const e of r.events) sink.event(e);
  return text;
}

/** A message's text; a failed helper's adds a line naming the helper and its return code (bpftrace v0.26). */
function messageText(e: Extract<TraceEvent, { kind: 'message' }>): string {
  const h = e.helperError;
  return h ? `${e.text}\nAdditional Info - helper: ${h.helper}, retcode: ${h.retcode}` : e.text;
}

/**
 * `-f json`: one object a line. Unlike bpftrace 0.17, no blank lines before the maps printed at exit:
 * every line stays a JSON document.
 */
export function jsonSink(w: Writer, opts: { quiet: boolean }): OutputSink {
  return {
    event(e: TraceEvent) {
      const text = jsonEvent(e, opts);
      if (text) w.out(text);
    },
    benchmark: (r) => w.out(benchmarkJson(r)),
    test: (r) => w.out(testJson(r, testOutput(r))),
    end() {
      w.flush();
    },
    flush: () => w.flush(),
    blocked: () => w.blocked?.() ?? false,
  };
}
