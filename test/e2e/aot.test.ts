// --aot FILE on the real kernel: the written executable runs the program without scry compiling it again,
// with getopt() values given to it after -- (bpftrace v0.26's other.named command line params aot), its -q,
// -f json and -o options; positional parameters are refused when writing and when running. The data side is
// test/repl/aot.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e --aot')) {
  const dir = mkdtempSync(join(tmpdir(), 'scry-aot-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const runAot = (file: string, args: string[]) => spawnSync(file, args, { encoding: 'utf8', timeout: 30_000 });

  test('the executable runs the program with the named parameters it is given (bpftrace’s test)', async () => {
    const file = join(dir, 'p.btaot');
    const w = await runScry([
      '-e',
      'begin { print((getopt("aa", 10), getopt("cc", true), getopt("dd"), getopt("ee", "hello"))); }',
      '--aot',
      file,
    ]);
    assert.is(w.code, 0, w.stderr);
    assert.is(statSync(file).mode & 0o777, 0o755);
    let r = runAot(file, ['--', '--dd', '--aa=20', '--cc=False']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\(20, false, true, hello\)$/m);
    r = runAot(file, ['-q', '-f', 'json', '--', '--ee=a longer string than hello']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, '{"type": "value", "data": [10,true,false,"a longer string than hello"]}');
    const out = join(dir, 'out.txt');
    r = runAot(file, ['-q', '-o', out]);
    assert.is(r.status, 0, r.stderr);
    assert.match(readFileSync(out, 'utf8'), '(10, true, false, hello)');
    r = runAot(file, ['--', '--zz=1']);
    assert.is(r.status, 1);
    assert.match(r.stderr, 'ERROR: unexpected program command line options: --zz');
    r = runAot(file, ['--', 'pos']);
    assert.is(r.status, 1);
    assert.match(r.stderr, 'ERROR: an --aot program takes no positional parameters');
  });

  test('a program reading positional parameters is refused at --aot time, and nothing is written', async () => {
    const file = join(dir, 'q.btaot');
    const w = await runScry(['-e', 'begin { printf("%s\\n", str($1)); exit(); }', '--aot', file, 'x']);
    assert.is(w.code, 1);
    assert.match(w.stderr, 'ERROR: an --aot program cannot read positional parameters ($1, $#)');
    assert.throws(() => statSync(file));
  });

  test('writing over a symlink replaces the link, never the file it points to', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep me\n');
    const link = join(dir, 'link.btaot');
    symlinkSync(victim, link);
    const w = await runScry(['-e', 'begin { exit(); }', '--aot', link]);
    assert.is(w.code, 0, w.stderr);
    assert.is(readFileSync(victim, 'utf8'), 'keep me\n');
    assert.ok(!statSync(link, { throwIfNoEntry: true }).isSymbolicLink());
  });
}

test.run();
