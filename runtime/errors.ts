// Environment failures that the user can act on: they carry a script location and hints, like diagnostics.
import type { Span } from '../lang/index.ts';

export class ScryRuntimeError extends Error {
  constructor(
    message: string,
    readonly span?: Span,
    readonly hints: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ScryRuntimeError';
  }
}

/** What was asked for is not there (a function or probe a file lacks): bpftrace's missing_probes decides. */
export class NoMatchError extends ScryRuntimeError {}
