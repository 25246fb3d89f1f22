// Running processes on chosen CPUs, for tests of what per-CPU maps gather.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { onlineCpus } from '../../runtime/sys/system.ts';
import { skipCheck } from './kernel.ts';

/** Two online CPUs to run on with taskset; undefined (and the SKIP line for `suite`) when there are not. */
export function twoCpus(suite: string): [number, number] | undefined {
  const cpus = onlineCpus();
  const taskset = spawnSync('taskset', ['-c', String(cpus[0] ?? 0), 'true']).status === 0;
  if (cpus.length >= 2 && taskset) return [cpus[0]!, cpus[1]!];
  skipCheck(suite, taskset ? `needs 2 online CPUs, found ${cpus.length}` : 'needs taskset (util-linux)');
  return undefined;
}

/** Copies of `true` named `names` in a fresh folder (their comm is their name), each run on a CPU by `run`. */
export function commandsOnCpus(names: readonly string[]): { dir: string; run(name: string, cpu: number): void } {
  const dir = mkdtempSync(join(tmpdir(), 'scry-pcpu-'));
  const trueBin = ['/usr/bin/true', '/bin/true'].find((p) => existsSync(p))!;
  for (const name of names) {
    copyFileSync(trueBin, join(dir, name));
    chmodSync(join(dir, name), 0o755);
  }
  return {
    dir,
    run: (name, cpu) => {
      const r = spawnSync('taskset', ['-c', String(cpu), join(dir, name)]);
      assert.is(r.status, 0, `taskset -c ${cpu} ${name}: ${r.stderr}`);
    },
  };
}
