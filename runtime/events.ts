// What a running session reports, in order, to whoever shows it (text, JSON, the live view, the REPL).
import type { Span, Type } from '../lang/index.ts';
import type { MapSnapshot } from './maps.ts';
import type { Value } from './value.ts';

export type TraceEvent =
  | { readonly kind: 'attached'; readonly probes: number }
  /** text for stdout: from printf, or from time(), cat(), system() or join() (`source`, which JSON output names) */
  | {
      readonly kind: 'printf';
      readonly text: string;
      readonly source?: 'time' | 'cat' | 'syscall' | 'join';
      /** printf()'s argument values, when the session was asked for them (SessionOptions.printfArgs) */
      readonly args?: readonly Value[];
    }
  /**
   * errorf()/warnf(), and with -k a helper that failed or a failed run-time check (`helper`: printed once per
   * location a second, repeats summed up): a message about the script location `span`, printed in event order
   * the way a diagnostic is (bpftrace prints -k warnings on stdout too)
   */
  | {
      readonly kind: 'message';
      readonly level: 'error' | 'warning';
      readonly text: string;
      readonly span?: Span;
      readonly helper?: true;
      /**
       * When a helper failed: its name, what it returned and that errno's words (text output adds a line
       * naming the helper and code after `text`, `-f json` gives them as fields, as bpftrace v0.26 does)
       */
      readonly helperError?: { readonly helper: string; readonly retcode: number; readonly strerror: string };
    }
  /**
   * A map printed at exit (no top/div), or by print(@m[, top[, div]]) in a probe: the `top` largest entries
   * (0: all), values divided by `div` (0: by 1).
   */
  | { readonly kind: 'map'; readonly snapshot: MapSnapshot; readonly top?: number; readonly div?: number }
  /** print(value) */
  | { readonly kind: 'value'; readonly value: Value; readonly type: Type }
  | { readonly kind: 'lost'; readonly count: number }
  | { readonly kind: 'exit'; readonly code: number };

export interface OutputSink {
  event(e: TraceEvent): void;
  /** Called once after the final maps, before the session closes its objects. */
  end(): void;
  /** Called after each batch of events the session drained: a good moment to write buffered output. */
  flush?(): void;
  /**
   * True while output waits for a slow reader: the session stops reading events until it is false again
   * (the kernel counts what does not fit its ring buffer as lost), so memory stays bounded.
   */
  blocked?(): boolean;
  /** --mode bench: one benchmark's result (session-bench.ts has its text and JSON); without it, the text prints as printf output */
  benchmark?(r: BenchmarkResult): void;
  /** --test: one test's result (its events are what it printed); without it, the summary prints as printf output */
  test?(r: TestResult): void;
}

/** --mode bench: one benchmark's result (runtime/session-bench.ts writes its text and JSON). */
export interface BenchmarkResult {
  /** every benchmark's name, in run order (the text table is as wide as the longest) */
  readonly names: readonly string[];
  /** which of them this is */
  readonly index: number;
  /** the kernel's average over the last round, in nanoseconds */
  readonly averageNs: number;
  readonly iterations: number;
}

/** --test: one test's result (runtime/session-bench.ts writes its text and JSON). */
export interface TestResult {
  /** every test's name, in run order */
  readonly names: readonly string[];
  /** which of them this is */
  readonly index: number;
  /** whether each test so far passed, this one's last */
  readonly passed: readonly boolean[];
  readonly durationNs: number;
  /** what the test printed (the sink shows it as text when the test failed) */
  readonly events: readonly TraceEvent[];
}
