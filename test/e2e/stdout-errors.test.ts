// scry writes its own stdout and stderr (repl/stdio.ts), not through Node's streams: a write that fails is
// reported in one line with a non-zero exit (bpftrace 0.17 loses the output and exits 0; Node's stream threw
// a stack trace), and a reader that leaves (`| head`) still ends the run quietly with 0.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';

/** Runs scry with fd 1 on `stdoutFd`; its exit code and stderr. */
function runWithStdout(args: string[], stdoutFd: number | 'pipe'): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(scryBin, args, { stdio: ['ignore', stdoutFd, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (stdoutFd === 'pipe') child.stdout!.destroy(); // the reader leaves before anything is written
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const PRINTS = 'BEGIN { printf("hello\\n"); exit(); }';

test('a full disk under stdout: one line naming the reason, exit 1, no stack trace', async () => {
  if (!existsSync('/dev/full')) {
    process.stderr.write('SKIP stdout-errors: no /dev/full on this machine\n');
    return;
  }
  const fd = openSync('/dev/full', 'w');
  try {
    const r = await runWithStdout(['-e', PRINTS], fd);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /^scry: cannot write to stdout: ENOSPC/m);
    assert.not.match(r.stderr, /^\s+at /m, 'a stack trace');
  } finally {
    closeSync(fd);
  }
});

test('stdout on a file: every line arrives, exit 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scry-stdout-'));
  try {
    const file = join(dir, 'out');
    const fd = openSync(file, 'w');
    const r = await runWithStdout(
      ['-e', 'BEGIN { $i = 0; while ($i < 500) { printf("line %d\\n", $i); $i++; } exit(); }'],
      fd,
    );
    closeSync(fd);
    assert.is(r.code, 0, r.stderr);
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('line '));
    assert.equal(
      lines,
      Array.from({ length: 500 }, (_, i) => `line ${i}`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader that has left (EPIPE): the run ends quietly with 0', async () => {
  const r = await runWithStdout(['-e', 'interval:ms:10 { printf("tick\\n"); }'], 'pipe');
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /ERROR|scry:/, r.stderr);
});

test.run();
