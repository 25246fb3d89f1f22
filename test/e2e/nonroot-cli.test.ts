// The CLI's own commands run as nobody (through setpriv): --info, a program that needs no tracefs, and the
// REPL each say in one sentence that scry needs root, and exit 1, with no stack trace. (Listings and
// tracepoint programs as nobody are in nonroot.test.ts.) bpftrace 0.17 refuses every command as non-root
// in one line too; scry names what needed root and why.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function canDropToNobody(): boolean {
  try {
    execFileSync('setpriv', [...NOBODY, 'test', '-r', scryBin], { stdio: 'ignore' });
    return true;
  } catch {
    process.stderr.write('SKIP e2e CLI as nobody: setpriv cannot run as nobody, or nobody cannot read the bundle\n');
    return false;
  }
}

let home = '';

function scry(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', [...NOBODY, process.execPath, scryBin, ...args], {
    encoding: 'utf8',
    input: '',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CACHE_HOME: join(home, 'cache') },
    timeout: 20_000,
    cwd: home,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const oneSentence = (what: string) => new RegExp(`^ERROR: scry needs root \\(or CAP_BPF and CAP_PERFMON\\) to ${what}: [^\\n]+\\n$`);

if (requireRoot('e2e CLI as nobody') && canDropToNobody()) {
  test.before(() => {
    home = mkdtempSync(join(tmpdir(), 'scry-nobody-cli-'));
    execFileSync('chown', ['65534:65534', home]);
  });
  test.after(() => rmSync(home, { recursive: true, force: true }));

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
}

test.run();
