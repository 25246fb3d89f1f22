// How a finished CLI run ends: past Node's own teardown when nothing is left for Node to do at that point.
import { loadedNative } from '../runtime/index.ts';

/** The options bin/scry.cjs starts Node with (its sh line): none of them has Node write anything at exit. */
const LAUNCHER_OPTIONS = /^--(min-semi-space-size|max-semi-space-size|inspect-port)=/;

/** Node was started with the launcher's options only (or none: `node bin/scry.cjs`). */
export function launcherOptionsOnly(execArgv: readonly string[]): boolean {
  return execArgv.every((a) => LAUNCHER_OPTIONS.test(a));
}

/**
 * _exit(2) once every 'exit' listener has run: what Node does after them (V8's platform threads joined, a
 * background compile waited for, the environment freed) is ~1-2 ms of a start that has finished. Not when Node
 * is to write something at that point: a profile or V8 log (any option beyond the launcher's own), coverage
 * (NODE_V8_COVERAGE), or whatever NODE_OPTIONS asks for.
 */
export function exitWithoutTeardown(code: number): void {
  if (!launcherOptionsOnly(process.execArgv) || process.env.NODE_V8_COVERAGE || process.env.NODE_OPTIONS) return;
  loadedNative()?.exitNow?.(code);
}
