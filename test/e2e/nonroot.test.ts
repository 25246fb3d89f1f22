// Run as an unprivileged user (nobody, through setpriv), every command that needs root says so in one
// sentence and exits 1: no stack trace, no "tracefs is not mounted" (it is mounted, just root's, mode 0700).
// Pinned behaviour is scry's own: bpftrace 0.17 refuses every command as non-root with one line
// ("bpftrace currently only supports running as the root user"); scry names what needed root and why.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function canDropToNobody(): boolean {
  try {
    execFileSync('setpriv', [...NOBODY, 'true'], { stdio: 'ignore' });
    // nobody must be able to read the bundle to run it
    execFileSync('setpriv', [...NOBODY, 'test', '-r', scryBin], { stdio: 'ignore' });
    return true;
  } catch {
    process.stderr.write('SKIP e2e as nobody: setpriv cannot run as nobody, or nobody cannot read the bundle\n');
    return false;
  }
}

let home = '';

function asNobody(command: string[], cwd = home): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', [...NOBODY, ...command], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CACHE_HOME: join(home, 'cache') },
    timeout: 20_000,
    cwd,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scry = (...args: string[]) => asNobody([process.execPath, scryBin, ...args]);

/** One line: ERROR: scry needs root (or CAP_BPF and CAP_PERFMON) to WHAT: WHY */
const oneSentence = (what: string) =>
  new RegExp(`^ERROR: scry needs root \\(or CAP_BPF and CAP_PERFMON\\) to ${what}: [^\\n]+\\n$`);

if (requireRoot('e2e as nobody') && canDropToNobody()) {
  test.before(() => {
    home = mkdtempSync(join(tmpdir(), 'scry-nobody-'));
    execFileSync('chown', ['65534:65534', home]);
  });
  test.after(() => rmSync(home, { recursive: true, force: true }));

  test("-l 'tracepoint:syscalls:*' says it needs root in one sentence and exits 1", () => {
    const r = scry('-l', 'tracepoint:syscalls:*');
    assert.is(r.stdout, '');
    assert.match(r.stderr, oneSentence('list tracepoints'));
    assert.not.match(r.stderr, /internal error|not mounted|    at /);
    assert.is(r.code, 1);
  });

  test('-lv and -l without a pattern say the same', () => {
    for (const args of [['-lv', 'tracepoint:syscalls:sys_enter_openat'], ['-l']]) {
      const r = scry(...args);
      assert.match(r.stderr, oneSentence(args[0] === '-l' ? 'list kernel probes' : 'list tracepoints'), args.join(' '));
      assert.is(r.code, 1, args.join(' '));
    }
  });

  test('-l of a provider read from BTF says the kernel refuses BPF to this user', () => {
    const r = scry('-l', 'rawtracepoint:*');
    assert.match(r.stderr, oneSentence('list rawtracepoint probes'));
    assert.match(r.stderr, 'the kernel refuses BPF programs to this user (EPERM)');
    assert.is(r.code, 1);
  });

  test('a tracepoint program says it needs root at the probe, with no stack trace', () => {
    const r = scry('-e', 'tracepoint:syscalls:sys_enter_openat { exit(); }');
    assert.match(
      r.stderr,
      /^stdin:1:1-\d+: ERROR: scry needs root \(or CAP_BPF and CAP_PERFMON\) to read tracepoints: [^\n]+\n/,
    );
    assert.not.match(r.stderr, /internal error|    at /);
    assert.is(r.code, 1);
  });

  test("listing a binary's uprobes needs no privileges", () => {
    const r = scry('-l', 'uprobe:/bin/sh:main');
    assert.is(r.code, 0, r.stderr);
  });

  test('--info says it needs root, exit 1 (it used to print an internal error with a stack trace)', () => {
    const r = scry('--info');
    assert.is(r.code, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, oneSentence('measure what this kernel supports'));
  });

  for (const program of ['BEGIN { exit(); }', 'interval:s:1 { exit(); }']) {
    test(`'${program}' says it needs root before creating anything, exit 1`, () => {
      const r = scry('-e', program);
      assert.is(r.code, 1);
      assert.match(r.stderr, oneSentence('load and attach programs'));
    });
  }

  test('the REPL says it needs root instead of starting, exit 1', () => {
    const r = scry();
    assert.is(r.code, 1);
    assert.match(r.stderr, oneSentence('run the REPL'));
  });

  test('the --info report refuses with a PrivilegeError (the runtime side of --info as nobody)', () => {
    const info = fileURLToPath(new URL('../../runtime/info.ts', import.meta.url));
    const r = asNobody(
      [
        process.execPath,
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(info)}); try { m.kernelReport({}, false); console.log('measured'); } catch (e) { console.log(e.name + ': ' + e.message); }`,
      ],
      fileURLToPath(new URL('../..', import.meta.url)),
    );
    assert.match(
      r.stdout,
      /^PrivilegeError: scry needs root \(or CAP_BPF and CAP_PERFMON\) to measure what this kernel supports: [^\n]+\n$/,
      r.stderr,
    );
  });
}

test.run();
