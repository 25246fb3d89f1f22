// The compiler → runtime contract: plain data, no file descriptors, deterministic for a given input.
import type { ResolvedAttach } from '../lang/check/index.ts';
import type { FormatPiece } from '../lang/format-string.ts';
import type { Span } from '../lang/source.ts';
import type { MapValue, Type } from '../lang/types.ts';
import type { Relocation } from './asm/index.ts';

export type ProgType = 'raw_tracepoint' | 'tracepoint' | 'perf_event' | 'kprobe';
export type MapKind = 'hash' | 'percpu_hash' | 'array' | 'percpu_array' | 'ringbuf';

/** A script map (`@name`) as the printer needs to see it. */
export interface UserMapLayout {
  readonly name: string; // '@name'
  readonly keys: readonly { readonly type: Type; readonly offset: number }[];
  readonly value: MapValue;
}

export interface MapSpec {
  readonly name: string; // kernel-side name (≤ 15 chars)
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly user?: UserMapLayout;
}

export interface ProgramSpec {
  readonly name: string; // kernel-side program name (≤ 15 chars)
  readonly progType: ProgType;
  readonly attach: ResolvedAttach;
  readonly bytecode: Uint8Array;
  readonly relocations: readonly Relocation[];
  /** one entry per 8-byte slot: where in the script that instruction came from */
  readonly sourceMap: readonly (Span | undefined)[];
}

/** Every record on the event ring buffer starts with a u64 event id; the schema says how to read the rest. */
export type EventSchema =
  | { readonly id: number; readonly kind: 'exit' }
  | {
      readonly id: number;
      readonly kind: 'printf';
      readonly pieces: readonly FormatPiece[];
      readonly args: readonly { readonly type: Type; readonly offset: number }[];
    };

export const EXIT_EVENT_ID = 0;
export const EVENTS_MAP = 'events';
/** A one-entry array the runtime fills before anything runs: [start time (CLOCK_MONOTONIC ns), online CPUs]. */
export const GLOBALS_MAP = 'globals';
/** Per-CPU space for values too big for the 512-byte stack (one entry, sized by the biggest need). */
export const SCRATCH_MAP = 'scratch';
export const GLOBALS_START_NS = 0;
export const GLOBALS_NCPUS = 8;

export interface CompiledProgram {
  readonly license: string;
  readonly maps: readonly MapSpec[];
  readonly programs: readonly ProgramSpec[];
  readonly events: readonly EventSchema[];
  /** print every non-empty script map when the program stops (config print_maps_on_exit) */
  readonly printMapsOnExit: boolean;
}
