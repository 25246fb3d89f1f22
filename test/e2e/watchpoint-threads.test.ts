// Hardware breakpoints in a process with threads, and execution breakpoints, through the real CLI on a small
// C program built here. Pinned: bpftrace v0.26.1 (src/attached_probe.cpp AttachedWatchpointProbe: one
// event per thread the process has, inherited by the threads it creates; an `x` breakpoint is sizeof(long)
// long; tests/runtime/watchpoint "execution breakpoint", "created thread", "existing thread").
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { breakpointsFire } from '../helpers/breakpoints.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

// `w`: a thread, created after a second's wait, writes `target` every 10 ms; `x`: main calls `tick` every 10 ms
const source = `
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
volatile long target;
__attribute__((noinline)) void tick(void) { __asm__ volatile(""); }
static void *writer(void *arg) { for (;;) { target++; usleep(10000); } return arg; }
int main(int argc, char **argv) {
  if (argc > 1 && argv[1][0] == 'x') for (;;) { tick(); usleep(10000); }
  sleep(argc > 2 ? atoi(argv[2]) : 0);
  pthread_t t;
  pthread_create(&t, 0, writer, 0);
  pthread_join(t, 0);
  return 0;
}
`;

function build(): { bin: string; target: string; tick: string; dir: string } | string {
  const dir = mkdtempSync(join(tmpdir(), 'scry-wp-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'wp.c'), source);
  const bin = join(dir, 'wp');
  const cc = spawnSync('gcc', ['-O1', '-no-pie', '-pthread', '-o', bin, join(dir, 'wp.c')], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return `gcc: ${cc.error?.message ?? cc.stderr}`;
  const nm = spawnSync('nm', [bin], { encoding: 'utf8' }).stdout ?? '';
  const sym = (name: string) => new RegExp(`^([0-9a-f]+) [A-Za-z] ${name}$`, 'm').exec(nm)?.[1];
  const target = sym('target');
  const tick = sym('tick');
  if (!target || !tick) return 'nm found no target/tick symbols';
  return { bin, target, tick, dir };
}

const hasBreakpoints = spawnSync('test', ['-d', '/sys/bus/event_source/devices/breakpoint']).status === 0;
const fx = requireRoot('e2e watchpoint threads') ? build() : undefined;
if (typeof fx === 'string') skipCheck('e2e watchpoint threads', fx);
else if (fx && !hasBreakpoints)
  skipCheck('e2e watchpoint threads', 'no breakpoint PMU (/sys/bus/event_source/devices/breakpoint)');
else if (fx && breakpointsFire() !== true) skipCheck('e2e watchpoint threads', breakpointsFire() as string);
else if (fx) {
  test('a thread the -c process creates after attaching hits the watchpoint (inherited event)', async () => {
    const r = await runScry(
      ['-c', `${fx.bin} w 1`, '-e', `watchpoint:0x${fx.target}:8:w { printf("hit\\n"); exit(); }`],
      {},
      15_000,
    );
    assert.match(r.stdout, /^hit$/m, r.stderr);
    assert.is(r.code, 0);
  });

  test('-p: a thread the process already has hits the watchpoint (one event per thread)', async () => {
    const child = spawn(fx.bin, ['w', '0'], { stdio: 'ignore' });
    try {
      await new Promise((res) => setTimeout(res, 300)); // the writer thread exists before scry starts
      const r = await runScry(
        ['-p', String(child.pid), '-e', `watchpoint:0x${fx.target}:8:w { printf("hit\\n"); exit(); }`],
        {},
        15_000,
      );
      assert.match(r.stdout, /^hit$/m, r.stderr);
      assert.is(r.code, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('an execution breakpoint (x) fires whatever length was written (the kernel takes sizeof(long))', async () => {
    const r = await runScry(
      ['-c', `${fx.bin} x`, '-e', `watchpoint:0x${fx.tick}:1:x { printf("hit\\n"); exit(); }`],
      {},
      15_000,
    );
    assert.match(r.stdout, /^hit$/m, r.stderr);
    assert.is(r.code, 0);
  });
}

test.run();
