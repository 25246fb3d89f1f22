// Output that waits for a slow reader at the end of a run: all of it goes out, however late the reader reads
// (bpftrace blocks in write(2) until it does); a stopping signal then (Ctrl-C, SIGTERM) neither kills scry nor
// changes its exit status, as in bpftrace, whose handler stays to the end: it only stops the wait for a reader
// that takes nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const LINES = 3000;
const PAD = 'x'.repeat(60);
/** ~200 KB of lines, against a 64 KB pipe (and Node's 64 KB read-ahead on this side) */
const PROGRAM = `BEGIN { for ($i : 0..${LINES}) { printf("line %d ${PAD}\\n", $i); } exit(); }`;

function start(): { child: ChildProcess; stderr: () => string } {
  // not -q: "Attached 1 probe" on stderr says the run has begun (its BPF objects exist)
  const child = spawn(process.execPath, [scryBin, '-e', PROGRAM], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

/** Reads stdout from now on, to the end. */
function readRest(child: ChildProcess): Promise<{ out: string; code: number | null; signal: string | null }> {
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  return new Promise((r) => child.on('close', (code, signal) => r({ out, code, signal })));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the run is over: it has begun, and scry holds no BPF object any more (its output may still be queued). */
async function runOver(child: ChildProcess, stderr: () => string): Promise<void> {
  const holdsBpf = () => {
    try {
      return readdirSync(`/proc/${child.pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${child.pid}/fd/${fd}`).startsWith('anon_inode:bpf');
        } catch {
          return false;
        }
      });
    } catch {
      return false; // gone
    }
  };
  const deadline = Date.now() + 20_000;
  while (!stderr().includes('Attached') && child.exitCode === null && Date.now() < deadline) await sleep(10);
  while (holdsBpf() && Date.now() < deadline) await sleep(10);
  await sleep(300); // the run's last steps after the close (the late-signal handlers go on then)
}

function assertAllLines(out: string): void {
  const lines = out.split('\n').filter((l) => l.startsWith('line '));
  assert.is(lines.length, LINES, `got ${lines.length} lines`);
  assert.is(lines[LINES - 1], `line ${LINES - 1} ${PAD}`);
}

if (requireRoot('e2e late signal')) {
  test('a reader that starts reading seconds after the run ended still gets every line', async () => {
    const { child, stderr } = start();
    await runOver(child, stderr);
    await sleep(2000); // until 2026-12-05 what the reader had not taken within 1 s was dropped
    assert.is(child.exitCode, null, `scry should still be writing its output; stderr: ${stderr()}`);
    const r = await readRest(child);
    assert.is(r.signal, null, stderr());
    assert.is(r.code, 0, stderr());
    assertAllLines(r.out);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} after the run, the reader then reading: exit 0 and every line (not status 130)`, async () => {
      const { child, stderr } = start();
      await runOver(child, stderr);
      assert.is(child.exitCode, null, `scry should still be writing its output; stderr: ${stderr()}`);
      child.kill(signal);
      const r = await readRest(child);
      assert.is(r.signal, null, `killed by ${r.signal}; stderr: ${stderr()}`);
      assert.is(r.code, 0, stderr());
      assertAllLines(r.out);
    });
  }

  test('SIGINT after the run with a reader that takes nothing: scry gives up on it within ~1 s, exit 0', async () => {
    const { child, stderr } = start();
    await runOver(child, stderr);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.is(code, 0, stderr());
    assert.ok(Date.now() - sentAt < 2500, `exited ${Date.now() - sentAt} ms after SIGINT`);
    child.stdout!.destroy();
  });

  test('a second SIGINT after the run ends scry as the signal does', async () => {
    const { child, stderr } = start();
    await runOver(child, stderr);
    child.kill('SIGINT');
    await sleep(100);
    child.kill('SIGINT');
    const signal = await new Promise<string | null>((r) => child.on('exit', (_c, s) => r(s)));
    assert.is(signal, 'SIGINT');
    child.stdout!.destroy();
  });
}

test.run();
