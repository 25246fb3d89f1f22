// File reads bounded in time (runtime/bounded-io.ts), for the files of traced processes. The hang is real:
// a FIFO opened without O_NONBLOCK waits in the kernel for a writer, as a file on a hung mount does (the
// e2e test hung-mount.test.ts uses a real FUSE mount that stops answering). Root-free; temp dirs only.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boundedFiles, FileTimeoutError, openBlockingForTest, setFileTimeoutMs } from '../../runtime/bounded-io.ts';
import { ElfError, ElfFile, SymbolTable } from '../../runtime/kernel/elf/index.ts';
import { UntrustedFileError } from '../../runtime/safe-files.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'scry-bounded-'));
const fifo = (name: string) => {
  const p = path.join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
};
const BOUND = 300;

/**
 * Whether some process still waits in open() of the FIFO to read it (a helper stuck there), `ms` after the
 * helper should have been killed (it leaves the kernel a moment after the signal): a non-blocking open for
 * writing fails with ENXIO only when no reader is there. (A waiting reader found is let go: it gets a writer.)
 */
async function readerWaits(fifoPath: string, ms: number): Promise<boolean> {
  await new Promise((r) => setTimeout(r, ms));
  try {
    closeSync(openSync(fifoPath, constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENXIO') return false;
    throw e;
  }
}

let was = 0;

test.before(() => {
  was = setFileTimeoutMs(BOUND);
});
test.after(() => {
  setFileTimeoutMs(was);
  rmSync(dir, { recursive: true, force: true });
});

test('reads through the helper are the file’s bytes; what is not a regular file is refused without waiting', () => {
  const f = boundedFiles.open(process.execPath);
  try {
    const whole = readFileSync(process.execPath);
    assert.is(f.size, whole.length);
    assert.ok(f.read(0, 64).equals(whole.subarray(0, 64)));
    assert.ok(f.read(1_000_000, 100_000).equals(whole.subarray(1_000_000, 1_100_000)));
    assert.is(f.read(whole.length - 10, 100).length, 10, 'short only at the end');
  } finally {
    f.close();
  }
  // an ELF file read through it is read as through localFiles
  const local = SymbolTable.read(ElfFile.open('/bin/sh')).functionNames().length;
  assert.is(SymbolTable.read(ElfFile.open('/bin/sh', boundedFiles)).functionNames().length, local);

  const started = Date.now();
  assert.throws(
    () => boundedFiles.open(fifo('not-a-binary')),
    (e: unknown) => e instanceof UntrustedFileError,
  );
  assert.throws(
    () => boundedFiles.open(dir),
    (e: unknown) => e instanceof UntrustedFileError,
  );
  assert.throws(() => boundedFiles.open(path.join(dir, 'missing')), /ENOENT/);
  assert.ok(Date.now() - started < BOUND, `${Date.now() - started} ms`);
  writeFileSync(path.join(dir, 'plain'), 'x');
  assert.ok(boundedFiles.isFile(path.join(dir, 'plain')));
  assert.not.ok(boundedFiles.isFile(path.join(dir, 'missing')));
  assert.is(boundedFiles.realpath(path.join(dir, '.', 'plain')), path.join(dir, 'plain'));
});

test('an operation that blocks in the kernel throws after the bound; the next works, the same path fails at once', async () => {
  boundedFiles.open('/bin/sh').close(); // the helper is running: only the operation is timed
  const hang = fifo('hang');
  let started = Date.now();
  assert.throws(
    () => openBlockingForTest(hang),
    (e: unknown) => e instanceof FileTimeoutError && e.path === hang && /did not answer within 300 ms/.test(e.message),
  );
  const took = Date.now() - started;
  assert.ok(took >= BOUND - 5 && took < BOUND + 1500, `returned after ${took} ms`);
  assert.not.ok(await readerWaits(hang, 300), 'the stuck helper was killed');

  // another helper answers the next call (the stuck one is killed)
  started = Date.now();
  const f = boundedFiles.open('/bin/sh');
  assert.ok(f.read(0, 4).equals(Buffer.from('\x7fELF', 'latin1')));
  f.close();

  // the path that hung is not tried again: not even a plain open of it waits
  started = Date.now();
  assert.throws(
    () => boundedFiles.open(hang),
    (e: unknown) => e instanceof FileTimeoutError,
  );
  assert.throws(
    () => ElfFile.open(hang, boundedFiles),
    (e: unknown) => e instanceof ElfError && e.reason === 'io' && e.cause instanceof FileTimeoutError,
  );
  assert.ok(Date.now() - started < 50, `${Date.now() - started} ms`);
});

// Node joins its worker threads on exit: a thread stuck in open() would keep the process from ending. The
// helper is a process: scry ends at once however stuck it is.
const repo = fileURLToPath(new URL('../../', import.meta.url));
const moduleUrl = new URL('../../runtime/bounded-io.ts', import.meta.url).href;
for (const ending of ['process.exit(0)', 'the event loop running dry'])
  test(`a process whose helper is stuck ends at once (${ending})`, async () => {
    const hang = fifo(`exit-${ending.length}`);
    const script = path.join(dir, `exit-${ending.length}.mts`);
    writeFileSync(
      script,
      `import { openBlockingForTest, setFileTimeoutMs } from ${JSON.stringify(moduleUrl)};
setFileTimeoutMs(200);
try { openBlockingForTest(${JSON.stringify(hang)}); } catch (e) { console.log(e.message); }
${ending === 'process.exit(0)' ? 'process.exit(0);' : ''}`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let printedAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      printedAt ||= Date.now();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    clearTimeout(timer);
    const after = Date.now() - printedAt;
    assert.is(signal, null, `killed: it did not end (stdout ${JSON.stringify(out)}, stderr ${err})`);
    assert.is(code, 0, err);
    assert.match(out, `${hang} did not answer within 200 ms`);
    assert.ok(after < 1500, `ended ${after} ms after the timeout`);
    // and its helper did not outlive it, stuck in open() (the worker that would kill it ends with the process)
    assert.not.ok(await readerWaits(hang, 300), 'a helper outlived the process, still waiting in open()');
  });

test.run();
