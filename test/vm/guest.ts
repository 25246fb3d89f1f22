// Helpers for the tests that run inside the test VM (test/vm/run-in-vm.sh boots it; its run.sh sets
// VMTEST_GUEST=1). A new suite is one more test/vm/<name>.vmtest.ts that starts with `if (inGuest('name'))`.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTIFY, startScry, type Finished } from '../helpers/cli.ts';

/** True inside the VM; elsewhere prints why the suite is not registered (uvu cannot skip inside a test). */
export function inGuest(suite: string): boolean {
  if (process.env.VMTEST_GUEST === '1') return true;
  process.stderr.write(`SKIP ${suite}: runs only inside the test VM (npm run test:vm)\n`);
  return false;
}

/** Code runs 13–30× slower under TCG than on the host: generous limits, so only a hang times out. */
export const GUEST_TIMEOUT_MS = 30_000;

/**
 * The limit for a tool script or a program with kernel struct casts: it compiles against the guest's whole
 * BTF and kprobe list, which took 62 s for a dry run of filelife-kp.bt in the guest at host load 18-24.
 */
export const TOOL_TIMEOUT_MS = 150_000;

/** A fresh directory under `base` (default /tmp, a tmpfs in the guest; /var/tmp is on the overlay). */
export function scratchDir(base = tmpdir()): string {
  return mkdtempSync(join(base, 'scry-vm-'));
}

export interface HeldChild {
  /** its pid, known before it runs a single instruction of argv */
  readonly pid: number;
  /** lets it exec argv; resolves when it has exited */
  run(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** argv started held: a shell waits on stdin, then execs argv (so argv keeps the pid we were given). */
export function heldChild(argv: string[]): HeldChild {
  const child = spawn('/bin/sh', ['-c', 'read -r _; exec "$@"', 'sh', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${argv.join(' ')}`);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  // A child that is never run (scry failed to attach) must not keep the test process alive.
  const handles = [child, child.stdin, child.stdout, child.stderr] as { ref(): void; unref(): void }[];
  for (const h of handles) h.unref();
  return {
    pid: child.pid,
    run: () => {
      for (const h of handles) h.ref();
      child.stdin.end('\n');
      return exited;
    },
  };
}

/**
 * Runs scry with `args`, waits until it says every probe is attached, runs `workload`, then stops scry with
 * SIGINT (so it prints its maps) and returns what it printed. `env` adds to the environment; scry is killed
 * if it has not ended `timeoutMs` after its start.
 */
export async function traceAround(
  args: string[],
  workload: () => Promise<unknown>,
  env: Record<string, string> = {},
  timeoutMs = GUEST_TIMEOUT_MS,
): Promise<Finished> {
  const s = startScry(args, { [NOTIFY]: '1', ...env }, timeoutMs);
  try {
    await s.waitForStdout(NOTIFY);
  } catch {
    // scry ended before attaching: hand back what it said, the test's assertions show it
    return s.finished;
  }
  await workload();
  s.child.kill('SIGINT');
  return s.finished;
}

/** stdout and stderr of a finished scry, for assertion messages. */
export function output(r: Finished): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}
