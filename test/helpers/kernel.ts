// Gates for suites that need the real kernel. uvu cannot skip inside a test, so a suite is only
// registered when its gate passes; otherwise one `SKIP <suite>: <reason>` line goes to stderr.
import { existsSync, readFileSync } from 'node:fs';
import type { Test } from 'uvu';
import { openFdCount, OwnedFd } from '../../runtime/sys/fd.ts';

function skip(suite: string, reason: string): false {
  skipCheck(suite, reason);
  return false;
}

/**
 * Inside a registered test, for one check this machine cannot make (a tool, file or kernel feature it lacks):
 * prints the same `SKIP <what>: <reason>` line as a gate, and the test returns. Never return silently.
 */
export function skipCheck(what: string, reason: string): void {
  process.stderr.write(`SKIP ${what}: ${reason}\n`);
}

function hasCap(bit: number): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(bit)) & 1n) === 1n;
}

const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

/** Root-equivalent BPF privileges (CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN) and a built addon. */
export function requireRoot(suite: string): boolean {
  if (process.platform !== 'linux') return skip(suite, 'not Linux');
  if (!(hasCap(CAP_SYS_ADMIN) || (hasCap(CAP_BPF) && hasCap(CAP_PERFMON))))
    return skip(suite, 'needs root (CAP_BPF + CAP_PERFMON)');
  if (!existsSync(new URL('../../build/Release/scry_native.node', import.meta.url)))
    return skip(suite, 'native addon not built (npm run install)');
  return true;
}

/** requireRoot plus a tracepoint that must exist (e.g. 'syscalls/sys_enter_mkdir'). */
export function requireTracepoint(suite: string, groupEvent: string): boolean {
  if (!requireRoot(suite)) return false;
  const dirs = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
  if (
    dirs.some((d) => existsSync(`${d}/available_events`)) &&
    !dirs.some((d) => existsSync(`${d}/events/${groupEvent}`))
  ) {
    return skip(suite, `no tracepoint ${groupEvent}`);
  }
  return true;
}

/**
 * Checks around every test of the suite that it closed every fd it opened; setup/teardown run
 * inside the check (after the "before" count, before the "after" count). A leak is reported on
 * stderr and fails the run through process.exitCode: uvu swallows errors thrown by after.each.
 */
export function checkFdLeaks(suite: Test, hooks: { setup?(): void; teardown?(): void } = {}): void {
  let before = 0;
  suite.before.each(() => {
    before = openFdCount();
    hooks.setup?.();
  });
  suite.after.each((ctx) => {
    try {
      hooks.teardown?.();
    } catch (err) {
      process.stderr.write(`TEARDOWN FAILED ${ctx.__suite__} "${ctx.__test__}": ${String(err)}\n`);
      process.exitCode = 1;
    }
    const after = openFdCount();
    if (after === before) return;
    process.stderr.write(`FD LEAK ${ctx.__suite__} "${ctx.__test__}": ${before} fds open before, ${after} after\n`);
    process.exitCode = 1;
    before = after; // after.each runs twice when a test fails; report once
  });
}

/**
 * The fds a test suite opens: each test hands what it opens to the returned `own` (an fd number, wrapped, or an
 * OwnedFd; it returns the number), and they are closed in reverse order after every test, inside checkFdLeaks,
 * so a test that forgets one still fails the leak check.
 */
export function closedAfterEachTest(suite: Test): (fd: number | OwnedFd, label?: string) => number {
  const owned: OwnedFd[] = [];
  checkFdLeaks(suite, {
    teardown() {
      for (const o of owned.splice(0).reverse()) o.close();
    },
  });
  return (fd, label = '') => {
    const o = typeof fd === 'number' ? new OwnedFd(fd, label) : fd;
    owned.push(o);
    return o.fd;
  };
}
