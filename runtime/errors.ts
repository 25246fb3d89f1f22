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
