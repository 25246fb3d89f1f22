// What an unprivileged user controls must not hang or steer root's scry (issue 11). Each attack is planted
// by nobody (setpriv), then root's scry runs and is shown unaffected:
// - a traced process replaces its own binary with a FIFO (scry used to block in open() for ever, deaf to
//   SIGINT/SIGTERM) or with another ELF file (its symbols would have named the frames);
// - symbol and file names with terminal escapes in them;
// - a `c++filt` early in $PATH (scry used to run it, as root);
// - the --info cache and ~/.scry_history under a user's HOME / XDG_CACHE_HOME (`sudo -E`): planted links,
//   planted files, crafted contents.
// Pinned behaviour is scry's own: bpftrace 0.17 blocks on the FIFO too, and prints names as they are.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openHistory } from '../../repl/history.ts';
import { CXXFILT_PATH, ElfFile, SymbolTable, untrustedProgram } from '../../runtime/kernel/elf/index.ts';
import { formatUsym } from '../../runtime/kernel/user-symbols.ts';
import { runScry, scryBin } from '../helpers/cli.ts';
import { hasGcc } from '../helpers/fixtures.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const source = fileURLToPath(new URL('../fixtures/untrusted-target.c', import.meta.url));

/** Runs a command as nobody; throws when it fails. */
function asNobody(cmd: string, ...args: string[]): string {
  return execFileSync('setpriv', [...NOBODY, cmd, ...args], { encoding: 'utf8' });
}

function usable(): boolean {
  try {
    execFileSync('setpriv', [...NOBODY, 'true'], { stdio: 'ignore' });
  } catch {
    process.stderr.write('SKIP untrusted inputs: setpriv cannot run as nobody\n');
    return false;
  }
  if (!hasGcc()) {
    process.stderr.write('SKIP untrusted inputs: gcc is not installed\n');
    return false;
  }
  return true;
}

let bins = ''; // root's: the fixtures as built
let home = ''; // nobody's: where the attacks are planted

function build(out: string, name: string, cxx = false): void {
  const r = spawnSync(
    cxx ? 'g++' : 'gcc',
    [...(cxx ? ['-x', 'c++'] : []), '-O1', '-fno-omit-frame-pointer', `-DNAME=${name}`, '-o', join(bins, out), source],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`building ${out}: ${r.error?.message ?? r.stderr}`);
}

/** A copy of a fixture in nobody's directory, owned by nobody. */
function plantBinary(fixture: string, as: string): string {
  const path = join(home, as);
  copyFileSync(join(bins, fixture), path);
  execFileSync('chown', ['65534:65534', path]);
  return path;
}

const running: ChildProcess[] = [];

/** Starts a fixture as nobody; resolves with its pid once it is ready (after replacing its binary, if asked). */
function startAsNobody(bin: string, ...args: string[]): Promise<number> {
  const child = spawn('setpriv', [...NOBODY, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('close', (code) => reject(new Error(`${bin} ended (${code}): ${err}`)));
  });
}

/** scry as root, recording one user stack of the process (at its getppid() calls) and printing it. */
async function stackOf(pid: number, print: string, env: Record<string, string> = {}) {
  const started = Date.now();
  const r = await runScry(
    ['-e', `tracepoint:syscalls:sys_enter_getppid /pid == ${pid}/ { ${print} exit(); }`],
    env,
    15_000,
  );
  return { ...r, ms: Date.now() - started };
}

/** What `scry --info` calls its cache file on this boot, learnt from a run with a cache of root's. */
function cacheFileName(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scry-cache-'));
  try {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/scry.cjs', import.meta.url)), '--info'], {
      env: { ...process.env, XDG_CACHE_HOME: dir },
      encoding: 'utf8',
    });
    assert.is(r.status, 0, r.stderr);
    const [name] = readdirSync(join(dir, 'scry'));
    assert.ok(name, 'the cache is written where it may be');
    return name!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A root-owned file with content, to show it is not written through a planted link. */
function rootFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scry-precious-'));
  const file = join(dir, 'precious');
  writeFileSync(file, content);
  return file;
}

if (requireRoot('untrusted inputs') && usable()) {
  test.before(() => {
    bins = mkdtempSync(join(tmpdir(), 'scry-untrusted-bins-'));
    home = mkdtempSync(join(tmpdir(), 'scry-untrusted-home-'));
    chmodSync(home, 0o755);
    execFileSync('chown', ['65534:65534', home]);
    build('victim', 'scry_real_fn');
    build('planted', 'scry_plnt_fn'); // same length: the same layout, other names
    build('ctl', 'scry_ctl_fnXXXX');
    // a name with ESC [2J (clear screen) in it: C will not write one, the string table will take it
    const ctl = join(bins, 'ctl');
    writeFileSync(
      ctl,
      Buffer.from(readFileSync(ctl).toString('latin1').replaceAll('scry_ctl_fnXXXX', 'scry_ctl_fn\x1b[2J'), 'latin1'),
    );
  });
  test.after(() => {
    for (const c of running) c.kill('SIGKILL');
    rmSync(bins, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  test('a process that replaces its binary with a FIFO: ustack still names its function, and scry ends at once', async () => {
    const bin = plantBinary('victim', 'fifo-victim');
    const pid = await startAsNobody(bin, 'fifo');
    assert.ok(lstatSync(bin).isFIFO(), 'the binary is now a FIFO');
    const r = await stackOf(pid, '@[ustack] = count();');
    assert.is(r.signal, null, `scry was killed after ${r.ms} ms (blocked opening the FIFO?); stderr:\n${r.stderr}`);
    assert.is(r.code, 0, r.stderr);
    // the mapped file itself is still there to read (/proc/PID/map_files), deleted or not
    assert.match(r.stdout, /^\s+scry_real_fn\+\d+$/m);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  });

  test("a process that renames another ELF file over its binary: frames are named from the mapped file, not the planted one's symbols", async () => {
    const bin = plantBinary('victim', 'steer-victim');
    const planted = plantBinary('planted', 'steer-planted');
    const pid = await startAsNobody(bin, `file:${planted}`);
    assert.ok(readFileSync(bin).includes('scry_plnt_fn'), 'the planted file is in place');
    const r = await stackOf(pid, '@[ustack] = count();');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\s+scry_real_fn\+\d+$/m);
    assert.not.match(r.stdout, 'scry_plnt_fn');
  });

  test('control characters in symbol and file names print as \\xNN (ustack, ustack(perf), usym)', async () => {
    const bin = plantBinary('ctl', 'ctl\x1b[2Jbin');
    const pid = await startAsNobody(bin);
    const r = await stackOf(pid, 'printf("%s|%s", ustack(1), ustack(perf, 1));');
    assert.is(r.code, 0, r.stderr);
    assert.not.ok(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(r.stdout), JSON.stringify(r.stdout));
    assert.match(r.stdout, /^\s+scry_ctl_fn\\x1b\[2J\+\d+\n\|/m); // bpftrace mode
    assert.match(r.stdout, /\t[0-9a-f]+ scry_ctl_fn\\x1b\[2J\+\d+ \([^)]*\/ctl\\x1b\[2Jbin\)\n/); // perf mode: the file too
    // usym() prints through the same formatting (tracepoints have no registers to take an address from)
    assert.is(formatUsym({ symbol: 'f\x1b[2J\x9b' }, 1n), 'f\\x1b[2J\\x9b');
  });

  test('-l of a binary whose symbol names hold control characters lists them as \\xNN', () => {
    const r = spawnSync(process.execPath, [scryBin, '-l', `uprobe:${join(bins, 'ctl')}:scry_ctl*`], {
      encoding: 'utf8',
    });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, `uprobe:${join(bins, 'ctl')}:scry_ctl_fn\\x1b[2J\n`);
  });

  test('a sparse binary claiming a 1.5 GB symbol table costs no time and no memory: that table is skipped', () => {
    const path = plantBinary('victim', 'sparse-victim');
    const elf = readFileSync(path);
    const shoff = Number(elf.readBigUInt64LE(0x28));
    const shentsize = elf.readUInt16LE(0x3a);
    const shnum = elf.readUInt16LE(0x3c);
    let patched = false;
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      if (elf.readUInt32LE(o + 4) !== 2) continue; // SHT_SYMTAB
      elf.writeBigUInt64LE(3n << 29n, o + 32); // sh_size: 1.5 GiB
      patched = true;
    }
    assert.ok(patched, 'the fixture has a .symtab');
    writeFileSync(path, elf);
    truncateSync(path, 2 * 1024 ** 3); // holes: no disk used, but the size says the table fits
    const started = Date.now();
    const table = SymbolTable.read(ElfFile.open(path));
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
    assert.ok(table.lookup('main') === undefined, 'local symbols (only in .symtab) are gone, and nothing else broke');
  });

  test('c++filt is not looked up in $PATH: a planted one is not run, names are demangled by /usr/bin/c++filt', async () => {
    const gxx = spawnSync('g++', ['--version']);
    if (gxx.error || gxx.status !== 0 || !existsSync('/usr/bin/c++filt')) {
      return skipCheck('c++filt from $PATH', 'g++ or /usr/bin/c++filt is not installed');
    }
    build('cxx', 'scry_cxx_fn', true);
    const bin = plantBinary('cxx', 'cxx-victim');
    const path = join(home, 'path');
    const marker = join(home, 'planted-c++filt-ran');
    asNobody('mkdir', path);
    asNobody(
      'sh',
      '-c',
      `printf '#!/bin/sh\\ntouch ${marker}\\nwhile read l; do echo planted; done\\n' > ${path}/c++filt && chmod 755 ${path}/c++filt`,
    );
    const pid = await startAsNobody(bin);
    const r = await stackOf(pid, '@[ustack] = count();', { PATH: `${path}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    assert.is(r.code, 0, r.stderr);
    assert.not.ok(existsSync(marker), 'the planted c++filt ran');
    assert.not.match(r.stdout, 'planted');
    assert.match(r.stdout, /^\s+scry_cxx_fn\(\)\+\d+$/m);
    // the fixed path is run only when root's all the way down
    assert.is(untrustedProgram(CXXFILT_PATH), undefined);
    assert.match(untrustedProgram(join(path, 'c++filt')) ?? '', /belongs to uid 65534, not root/);
  });

  test('--info does not write through a cache file or directory planted as a link to root files', () => {
    const name = cacheFileName();
    const precious = rootFile('root data\n');
    // a link where the cache file goes, in a cache directory of nobody's
    const xdg1 = join(home, 'cache1');
    asNobody('mkdir', '-p', join(xdg1, 'scry'));
    asNobody('ln', '-s', precious, join(xdg1, 'scry', name));
    // a link where the cache directory goes, to a directory of root's
    const xdg2 = join(home, 'cache2');
    const rootDir = mkdtempSync(join(tmpdir(), 'scry-rootdir-'));
    asNobody('mkdir', xdg2);
    asNobody('ln', '-s', rootDir, join(xdg2, 'scry'));
    for (const xdg of [xdg1, xdg2]) {
      const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/scry.cjs', import.meta.url)), '--info'], {
        env: { ...process.env, XDG_CACHE_HOME: xdg },
        encoding: 'utf8',
      });
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stdout, /^System\n  OS: /);
    }
    assert.is(readFileSync(precious, 'utf8'), 'root data\n');
    assert.equal(readdirSync(rootDir), []);
    assert.equal(readdirSync(join(xdg1, 'scry')), [name], 'nothing else written in a directory of nobody');
  });

  test("--info ignores a cache that is not root's, or not a report: crafted contents are not printed", () => {
    const name = cacheFileName();
    const crafted = JSON.stringify({
      kernel: 'PLANTED\x1b]0;owned\x07',
      sections: [{ title: 'PLANTED', items: [{ name: 'ringbuf', ok: false, note: 'PLANTED' }] }],
    });
    const run = (xdg: string) =>
      spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/scry.cjs', import.meta.url)), '--info'], {
        env: { ...process.env, XDG_CACHE_HOME: xdg },
        encoding: 'utf8',
      });
    // nobody's directory and file
    const xdg = join(home, 'cache3');
    asNobody('mkdir', '-p', join(xdg, 'scry'));
    asNobody('sh', '-c', `cat > ${join(xdg, 'scry', name)}`);
    writeFileSync(join(xdg, 'scry', name), crafted); // root writes into nobody's file: it stays nobody's
    assert.is(lstatSync(join(xdg, 'scry', name)).uid, 65534);
    // root's directory and file, but with a control character in it (e.g. written by a tool gone wrong)
    const own = mkdtempSync(join(tmpdir(), 'scry-owncache-'));
    execFileSync('mkdir', ['-m', '700', join(own, 'scry')]);
    writeFileSync(join(own, 'scry', name), crafted, { mode: 0o600 });
    for (const dir of [xdg, own]) {
      const r = run(dir);
      assert.is(r.status, 0, r.stderr);
      assert.not.match(r.stdout, 'PLANTED');
      assert.not.match(r.stdout, '\x1b');
      assert.match(r.stdout, /\n  ringbuf: yes\n/);
    }
    rmSync(own, { recursive: true, force: true });
  });

  test('~/.scry_history planted as a link to a root file: not read, not written, and why is said (the REPL prints it)', () => {
    const precious = rootFile('root:x:0:0\n');
    const h = join(home, 'home1');
    asNobody('mkdir', h);
    asNobody('ln', '-s', precious, join(h, '.scry_history'));
    const opened = openHistory(join(h, '.scry_history'), 100);
    assert.ok('error' in opened);
    assert.match(opened.error, /\.scry_history is a symbolic link/);
    assert.is(readFileSync(precious, 'utf8'), 'root:x:0:0\n');
  });

  test('a link planted after the REPL started is not written through either (opened O_NOFOLLOW at the first line)', () => {
    const precious = rootFile('root:x:0:0\n');
    const h = join(home, 'home2');
    asNobody('mkdir', h);
    const opened = openHistory(join(h, '.scry_history'), 100);
    assert.not.ok('error' in opened);
    if ('error' in opened) return;
    asNobody('ln', '-s', precious, join(h, '.scry_history'));
    assert.match(opened.add('print("typed by root")') ?? '', /is a symbolic link/);
    opened.close();
    assert.is(readFileSync(precious, 'utf8'), 'root:x:0:0\n');
  });

  test("a history file of nobody's is not recalled into root's prompt, nor written; lines with control characters are skipped", () => {
    const h = join(home, 'home3');
    asNobody('mkdir', h);
    asNobody('sh', '-c', `printf 'system("id")\\n\\033[2Jcleared\\n' > ${join(h, '.scry_history')}`);
    const theirs = openHistory(join(h, '.scry_history'), 100);
    assert.ok('error' in theirs);
    if (!('error' in theirs)) return;
    assert.match(theirs.error, /belongs to uid 65534, not to this user \(uid 0\)/);
    // root's own history keeps its lines but not one with a terminal escape in it
    const mine = mkdtempSync(join(tmpdir(), 'scry-hist-'));
    writeFileSync(join(mine, '.scry_history'), 'print(1)\n\x1b[2Jcleared\nprint(2)\n', { mode: 0o600 });
    const h2 = openHistory(join(mine, '.scry_history'), 100);
    assert.not.ok('error' in h2);
    if ('error' in h2) return;
    assert.equal(h2.lines, ['print(2)', 'print(1)']);
    assert.is(h2.add('print(3)'), undefined);
    h2.close();
    assert.is(readFileSync(join(mine, '.scry_history'), 'utf8'), 'print(1)\n\x1b[2Jcleared\nprint(2)\nprint(3)\n');
    rmSync(mine, { recursive: true, force: true });
  });

  test.run();
}
