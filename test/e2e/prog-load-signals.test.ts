// A BPF_PROG_LOAD the verifier gives up on because a signal is pending (EAGAIN) is made again: scry under
// `node --cpu-prof`, whose sampler sends SIGPROF every --cpu-prof-interval, loads its programs. At 100 us, 6 runs
// in 10 failed with one attempt; with 20, none of 12 at load ~7.6. (At 50 us on a loaded machine each attempt can
// outlast the interval: 6 of 12 runs still failed with 20 attempts. No bound helps a process signalled faster
// than the verifier runs.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const PROGRAM = 'tracepoint:syscalls:sys_enter_mkdir { @[pid] = count(); } BEGIN { exit(); }';

if (requireTracepoint('prog-load-signals', 'syscalls/sys_enter_mkdir')) {
  test('programs load while a profiler signals the process every 100 us (the verifier returns EAGAIN)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-prof-'));
    try {
      for (let run = 1; run <= 6; run++) {
        const r = spawnSync(
          process.execPath,
          ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, scryBin, '-q', '-e', PROGRAM],
          { encoding: 'utf8', timeout: 60_000 },
        );
        assert.is(r.status, 0, `run ${run}: ${r.stderr}`);
        assert.is(r.stderr, '');
      }
      assert.is(readdirSync(dir).length, 6, 'each run was profiled');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
