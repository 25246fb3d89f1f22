// scry's stdout on a real pipe (a FIFO here: `scry … | less`, not Node's own 'pipe' stdio, which is a
// socketpair) must never block in write(2), whatever sizes the output comes in: a pipe is 16 page slots, and
// a write that does not fill whole pages can leave a slot part-empty, so the bytes the pipe holds do not
// tell how many slots are taken (sixteen 2,100-byte writes fill a 64 KB pipe holding 33,600 bytes). A
// blocking write there froze scry (SIGINT deferred for as long as the reader did not read).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const stdio = fileURLToPath(new URL('../../repl/stdio.ts', import.meta.url));
const runtime = fileURLToPath(new URL('../../runtime/index.ts', import.meta.url));
/** chunk sizes that leave slots part-empty (each alone fills a 64 KB pipe long before its bytes say so) */
const SIZES = [2100, 3000, 5000, 100, 4096, 2100, 7, 8191];
const CHUNKS = 200;

/**
 * A child writing CHUNKS chunks (chunk i all of letter i % 26) to stdout, then saying its backlog on stderr and
 * ending (finishStdio: what is queued goes on to the reader as it reads; with `interrupted`, as after a Ctrl-C,
 * a reader that takes nothing for a second loses it). Even chunks go through scry's own output, odd ones through
 * process.stdout (what the REPL and the live view write to), which must join the same queue. tsx's loader leaves
 * fd 1 O_NONBLOCK (it touches process.stdout): cleared first, as scry's bundle finds a shell's pipe.
 */
const childCode = (interrupted: boolean) => `
import { native } from ${JSON.stringify(runtime)};
native().fcntl(1, 4, native().fcntl(1, 3, 0) & ~${constants.O_NONBLOCK}); // F_SETFL(F_GETFL & ~O_NONBLOCK)
const { finishStdio, stdout, stopWaitingForReaders } = await import(${JSON.stringify(stdio)});
if (${interrupted}) stopWaitingForReaders();
const sizes = ${JSON.stringify(SIZES)};
let total = 0;
for (let i = 0; i < ${CHUNKS}; i++) {
  const n = sizes[i % sizes.length];
  (i % 2 ? process.stdout : stdout).write(Buffer.alloc(n, 97 + (i % 26)));
  total += n;
}
process.stderr.write('wrote ' + total + ', queued ' + stdout.backlog + '\\n');
finishStdio();
`;

const expected = () =>
  Buffer.concat(Array.from({ length: CHUNKS }, (_, i) => Buffer.alloc(SIZES[i % SIZES.length]!, 97 + (i % 26))));

async function withFifo(f: (path: string, readFd: number) => unknown): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scry-stdio-'));
  const path = join(dir, 'out');
  spawnSync('mkfifo', [path]);
  // opened read-write here so that opening it does not wait for a writer, and the child's writes never EPIPE
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  try {
    await f(path, fd);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a pipe nobody reads: writes of any size stop when it is full, the rest is queued, nothing blocks', async () => {
  await withFifo((path) => {
    const out = openSync(path, constants.O_WRONLY); // blocking, as a shell's `|` gives it
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childCode(true)], {
      stdio: ['ignore', out, 'pipe'],
      encoding: 'utf8',
      timeout: 10_000,
    });
    closeSync(out);
    assert.is(r.signal, null, `the writer was killed (blocked in write?): ${r.stderr}`);
    assert.is(r.status, 0, r.stderr);
    const m = /wrote (\d+), queued (\d+)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.ok(Number(m![2]) > Number(m![1]) - 65536, r.stderr); // at most a pipe's worth went out
  });
});

test('a pipe read slowly: every byte arrives, in order', async () => {
  await withFifo(async (path, readFd) => {
    const out = openSync(path, constants.O_WRONLY);
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childCode(false)], {
      stdio: ['ignore', out, 'pipe'],
    });
    closeSync(out);
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => c.on('close', (code) => res(code)));
    let done = false;
    void exited.then(() => (done = true));
    const got: Buffer[] = [];
    const buf = Buffer.alloc(3000);
    const deadline = Date.now() + 20_000;
    for (;;) {
      let n = 0;
      try {
        n = readSync(readFd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      if (n > 0) got.push(Buffer.from(buf.subarray(0, n)));
      else if (done) break;
      assert.ok(Date.now() < deadline, `still reading after 20 s: ${stderr}`);
      // 3,000 bytes at a time (part pages), a pause after every few reads and whenever the pipe is empty
      if (n === 0 || got.length % 4 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    assert.is(await exited, 0, stderr);
    const all = Buffer.concat(got);
    const want = expected();
    assert.is(all.length, want.length);
    assert.ok(all.equals(want), 'the bytes arrived in another order');
  });
});

test.run();
