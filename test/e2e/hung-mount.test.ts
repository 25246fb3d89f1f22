// A traced process runs from a FUSE mount that then stops answering (issue 11 item 1: nothing another user
// controls may hang root's scry). stat(), open() and read() of its binary then wait in the kernel for as
// long as the mount says; scry gives each file operation of a symbol source a bound (2 s), prints the
// addresses of that file in hex from then on, as bpftrace prints what it cannot name, and stays responsive:
// SIGINT ends it at once. The mount is real (test/fixtures/hang-fuse.ts speaks the kernel's protocol on
// /dev/fuse), so is the hang.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boundedFiles, fileTimeoutMs } from '../../runtime/bounded-io.ts';
import { ElfFile, SymbolTable } from '../../runtime/kernel/elf/index.ts';
import { startScry } from '../helpers/cli.ts';
import { hasGcc } from '../helpers/fixtures.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const source = fileURLToPath(new URL('../fixtures/untrusted-target.c', import.meta.url));
const server = fileURLToPath(new URL('../fixtures/hang-fuse.ts', import.meta.url));

function usable(): boolean {
  if (!existsSync('/dev/fuse')) {
    process.stderr.write('SKIP hung mount: no /dev/fuse\n');
    return false;
  }
  if (!hasGcc()) {
    process.stderr.write('SKIP hung mount: gcc is not installed\n');
    return false;
  }
  return true;
}

let dir = '';
let mnt = '';
let marker = '';
const running: ChildProcess[] = [];

/** Starts a child and resolves with the first match of `re` in its stdout. */
function startUntil(cmd: string, args: string[], re: RegExp): Promise<RegExpExecArray> {
  const child = spawn(cmd, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) resolve(m);
    });
    child.on('close', (code) => reject(new Error(`${cmd} ended (${code}): ${err}`)));
  });
}

let pid = 0;

if (requireTracepoint('hung mount', 'syscalls/sys_enter_getppid') && usable()) {
  test.before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scry-hung-'));
    mnt = join(dir, 'mnt');
    marker = join(dir, 'hang');
    mkdirSync(mnt);
    execFileSync('gcc', ['-O1', '-fno-omit-frame-pointer', '-o', join(dir, 'victim'), source]);
    await startUntil(process.execPath, ['--import', 'tsx', server, mnt, join(dir, 'victim'), marker], /mounted\n/);
    // the process runs from the mount (its pages are read while it answers), then the mount stops answering
    pid = Number((await startUntil(join(mnt, 'victim'), [], /ready (\d+)\n/))[1]);
    // what the mount serves is read through the same path: the symbols of the binary are there to name
    const served = SymbolTable.read(ElfFile.open(join(mnt, 'victim'), boundedFiles));
    assert.ok(served.lookup('scry_real_fn'), 'the mount serves the binary, symbols and all');
    writeFileSync(marker, '');
  });
  test.after(() => {
    for (const c of running.reverse()) c.kill('SIGKILL'); // the server's end ends the waits (ENOTCONN)
    spawnSync('umount', ['-l', mnt]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('ustack of a process whose binary is on a hung mount: hex after one bound, then at once; SIGINT ends scry at once', async () => {
    const run = startScry(
      [
        '-e',
        `tracepoint:syscalls:sys_enter_getppid /pid == ${pid} && @n < 5/ { @n++; printf("stack %d%s\\n", @n, ustack(3)); }`,
      ],
      {},
      20_000,
    );
    const times: number[] = [];
    const started = Date.now();
    for (let i = 1; i <= 5; i++) {
      await run.waitForStdout(`stack ${i}\n`);
      times.push(Date.now() - started);
    }
    // the five stacks were taken within milliseconds: only the first waited for the mount
    assert.ok(times[4]! - times[0]! < 500, `stacks printed at ${times.join(', ')} ms`);
    const sigint = Date.now();
    run.child.kill('SIGINT');
    const r = await run.finished;
    const exitMs = Date.now() - sigint;
    assert.is(r.signal, null, r.stderr);
    assert.is(r.code, 0, r.stderr);
    assert.ok(exitMs < 1000, `ended ${exitMs} ms after SIGINT`);
    assert.match(r.stdout, /^@n: 5$/m);
    // the binary's frames are addresses; nothing was named from it
    const stacks = r.stdout.split(/^stack \d+\n/m).slice(1);
    assert.is(stacks.length, 5);
    for (const s of stacks) assert.match(s, /^\s+0x[0-9a-f]+$/m);
    assert.not.match(r.stdout, 'scry_real_fn');
  });

  test('a map of user stacks printed at SIGINT (the first read of the binary then): scry ends within the bound', async () => {
    const run = startScry(
      ['-e', `tracepoint:syscalls:sys_enter_getppid /pid == ${pid}/ { @[ustack(3)] = count(); }`],
      {},
      20_000,
    );
    await new Promise<void>((resolve, reject) => {
      run.child.stderr!.on('data', (d: Buffer) => {
        if (d.toString().includes('Attached')) resolve();
      });
      run.finished.then(() => reject(new Error('scry ended before attaching')));
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sigint = Date.now();
    run.child.kill('SIGINT');
    const r = await run.finished;
    const exitMs = Date.now() - sigint;
    assert.is(r.signal, null, r.stderr);
    assert.is(r.code, 0, r.stderr);
    // the helper's start (seconds under load) is not counted in the bound; one bound, not one per frame
    assert.ok(exitMs < fileTimeoutMs() + 5000, `ended ${exitMs} ms after SIGINT`);
    assert.match(r.stdout, /^@\[\n(\s+0x[0-9a-f]+\n)+/m);
    assert.not.match(r.stdout, 'scry_real_fn');
  });
}

test.run();
