// Aggregations' per-CPU hashes allocate an element as each key arrives (BPF_F_NO_PREALLOC, runtime/loader.ts)
// where the kernel allocates safely in every tracing program (Linux 6.1, features.ts hasLazyHashMaps), instead
// of max_entries elements when the map is made. What must hold: the flag is on exactly those maps, and no key is
// lost to the allocation, whether 20,000 arrive in one run of a program, from a perf event (NMI-like context)
// or from a tracepoint.
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasLazyHashMaps } from '../../runtime/features.ts';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

const suite = 'e2e lazily allocated per-CPU hashes';

/** map_type and map_flags of every BPF map process `pid` holds (/proc/PID/fdinfo, which has no names). */
function kernelMaps(pid: number): { type: number; flags: number }[] {
  const out = [];
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const type = /^map_type:\s*(\d+)/m.exec(text);
    if (!type) continue;
    out.push({
      type: Number(type[1]),
      flags: Number(/^map_flags:\s*(0x[0-9a-f]+|\d+)/m.exec(text)?.[1]),
    });
  }
  return out;
}

const HASH = 1;
const PERCPU_HASH = 5;
const NO_PREALLOC = 1;

if (requireRoot(suite)) {
  if (!hasLazyHashMaps()) skipCheck(suite, 'this kernel refuses per-CPU hashes allocated as keys arrive (before 6.1)');
  else {
    test('the flag is on the per-CPU hashes of aggregations, not on plain hashes', async () => {
      const run = startScry(
        [
          '-e',
          'BEGIN { @c[1] = count(); @h[2] = hist(3); @plain[4] = 5; } tracepoint:syscalls:sys_enter_getppid { @x[tid] = sum(1); }',
        ],
        { [NOTIFY]: '1' },
      );
      try {
        await run.waitForStdout(NOTIFY);
        const maps = kernelMaps(run.child.pid!);
        const percpu = maps.filter((m) => m.type === PERCPU_HASH);
        assert.equal(
          percpu.map((m) => m.flags & NO_PREALLOC),
          [1, 1, 1],
          JSON.stringify(maps),
        );
        const plain = maps.filter((m) => m.type === HASH); // @plain's
        assert.equal(
          plain.map((m) => m.flags & NO_PREALLOC),
          [0],
          JSON.stringify(maps),
        );
      } finally {
        run.child.kill('SIGINT');
        await run.finished;
      }
    });

    test('20,000 keys from one run of BEGIN, and every key a perf event adds, all arrive', async () => {
      const burst = await runScry([
        '-e',
        'config = { max_map_keys = 30000 } BEGIN { for ($i : 0..20000) { @[$i] = count(); @s[$i] = sum($i); } ' +
          'printf("keys %d %d\\n", len(@), len(@s)); clear(@); clear(@s); exit(); }',
      ]);
      assert.is(burst.code, 0, burst.stderr);
      assert.ok(burst.stdout.includes('keys 20000 20000\n'), burst.stdout + burst.stderr);
      // a key per sample (the time), counted beside in a per-CPU array that needs no allocation
      const sampled = await runScry([
        '-e',
        'config = { max_map_keys = 100000 } profile:hz:997 { @[nsecs] = count(); @n = count(); } ' +
          'interval:ms:1500 { printf("keys %d samples %d\\n", len(@), (int64)@n); clear(@); clear(@n); exit(); }',
      ]);
      assert.is(sampled.code, 0, sampled.stderr);
      const m = /^keys (\d+) samples (\d+)$/m.exec(sampled.stdout);
      assert.ok(m && Number(m[2]) > 500, sampled.stdout + sampled.stderr);
      assert.is(m![1], m![2], sampled.stdout);
      assert.not.match(sampled.stderr, /WARNING|failed/, sampled.stderr);
    });
  }
}

test.run();
