// What a running session reports, in order, to whoever shows it (text, JSON, the live view, the REPL).
import type { MapSnapshot } from './maps.ts';

export type TraceEvent =
  | { readonly kind: 'attached'; readonly probes: number }
  | { readonly kind: 'printf'; readonly text: string }
  | { readonly kind: 'map'; readonly snapshot: MapSnapshot }
  | { readonly kind: 'lost'; readonly count: number }
  | { readonly kind: 'exit'; readonly code: number };

export interface OutputSink {
  event(e: TraceEvent): void;
  /** Called once after the final maps, before the session closes its objects. */
  end(): void;
}
