// For the tests of examples/tools: a tool run whose output the test watches while it runs (stop it once the
// lines the workload must cause are printed, instead of after a fixed wait), and cases of one file run at the
// same time (most of a tool test is waiting: scry's start, a workload's sleeps, a sampling window).
import type { Test } from 'uvu';
import { join } from 'node:path';
import { NOTIFY, startScry, type Finished } from './cli.ts';
import { refuseDiagnostics, toolsDir } from './tool-run.ts';

export interface Watched {
  /** What the tool printed on stdout so far (the attach marker taken out). */
  stdout(): string;
  /**
   * Resolves when stdout's whole lines match `done` (a RegExp, or a function of them); rejects after `timeoutMs`
   * (or when scry ends first) with what was printed. scry prints a ring buffer's records in the order the
   * probes wrote them, so once a line is there every line the probes wrote before it is there too.
   */
  until(done: RegExp | ((stdout: string) => boolean), timeoutMs?: number): Promise<void>;
}

/**
 * Starts examples/tools/`tool` with `args`, waits until its probes are attached, runs `workload` (which
 * waits, through `until`, for the output it needs), then sends SIGINT (Ctrl-C) and returns what the tool
 * printed. With `strict`, anything on stderr but the "Attached N probes" banner fails (as runTool), except
 * the warnings of the helper named by `allowHelperWarnings`.
 */
export async function watchTool(
  tool: string,
  args: string[],
  workload: (t: Watched) => Promise<void>,
  opts: { strict?: boolean; allowHelperWarnings?: string } = {},
): Promise<Finished> {
  const run = startScry([join(toolsDir, tool), ...args], { [NOTIFY]: '1' }, 60_000);
  let out = '';
  let ended = false;
  const changed = new Set<() => void>();
  run.child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const f of [...changed]) f();
  });
  void run.finished.then(() => {
    ended = true;
    for (const f of [...changed]) f();
  });
  const stdout = () => out.replace(`${NOTIFY}\n`, '');
  const until = (done: RegExp | ((s: string) => boolean), timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const test = typeof done === 'function' ? done : (s: string) => done.test(s);
      const check = () => {
        let holds: boolean;
        try {
          // whole lines only: a line cut between two reads could look like another
          const text = stdout();
          holds = test(text.slice(0, text.lastIndexOf('\n') + 1));
        } catch (e) {
          finish();
          return reject(e);
        }
        if (holds) {
          finish();
          resolve();
        } else if (ended) {
          finish();
          reject(new Error(`${tool} ended before printing ${done}:\n${stdout()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${tool}: no ${done} within ${timeoutMs} ms:\n${stdout()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        changed.delete(check);
      };
      changed.add(check);
      check();
    });
  try {
    await run.waitForStdout(`${NOTIFY}\n`);
    await workload({ stdout, until });
  } finally {
    run.child.kill('SIGINT');
  }
  const r = await run.finished;
  const result = { ...r, stdout: r.stdout.replace(`${NOTIFY}\n`, '') };
  if (opts.strict) refuseDiagnostics(tool, result, opts.allowHelperWarnings);
  return result;
}

/**
 * Runs a file's cases at the same time, at most `limit` at once, in the order they were added: all start
 * when the file's first test starts (uvu's `before` hook; uvu imports every test file before it runs any,
 * so starting them at import would run every file's cases together), and each test awaits its own case's
 * result and checks it. A case's failure is its test's failure.
 */
export function overlapped(test: Test, limit = 3): <T>(run: () => Promise<T>) => () => Promise<T> {
  const queue: (() => void)[] = [];
  let running = 0;
  let started = false;
  const next = () => {
    while (started && running < limit && queue.length > 0) {
      running++;
      queue.shift()!();
    }
  };
  const start = () => {
    started = true;
    next();
  };
  test.before(start);
  return <T>(run: () => Promise<T>) => {
    let settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };
    const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => {}); // held for its test, which awaits it later
    queue.push(() =>
      Promise.resolve()
        .then(run)
        .then(settle.resolve, settle.reject)
        .finally(() => {
          running--;
          next();
        }),
    );
    return () => {
      start();
      return result;
    };
  };
}
