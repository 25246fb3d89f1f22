// uprobe:BIN@FILE:LINE[:COL] (bpftrace v0.26, its tests/runtime/dwarf "uprobe source location" and "parse stripped
// debuginfo - attach by source line") through the real CLI on a program built here with gcc -g: the probe fires
// at the lowest address objdump's decoded line table gives the line (reg("ip"), a non-PIE program), `probe`
// names that address in decimal, `func` is the function holding it; lines in three branches all fire; a line
// without code fails at the point with nothing attached; a stripped copy attaches through --debuginfo.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { hasGcc } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

// line numbers matter: the tests name lines 5, 8, 10, 12 and 13
const SOURCE = `#include <unistd.h>
volatile int sink;
__attribute__((noinline)) int branching(int n)
{
  sink += n;
  if (n % 3 == 0) {
    /* a comment has no code */
    return 1;
  } else if (n % 3 == 1) {
    return 2;
  } else {
    return 3;
  }
}
int main(void) {
  for (int i = 0; i < 300; i++) { branching(i); usleep(10000); }
  return 0;
}
`;

const root = requireRoot('e2e uprobe source line');
const why = !root
  ? undefined
  : !hasGcc()
    ? 'gcc is not installed'
    : spawnSync('objdump', ['--version']).error
      ? 'objdump (binutils) is not installed'
      : undefined;
if (why) process.stderr.write(`SKIP e2e uprobe source line: ${why}\n`);

if (root && !why) {
  let dir = '';
  let bin = '';
  let stripped = '';
  let debugDir = '';
  /** the lowest address of each line of prog.c in objdump's decoded line table */
  const lowest = new Map<number, number>();

  test.before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scry-uprobe-line-'));
    writeFileSync(join(dir, 'prog.c'), SOURCE);
    bin = join(dir, 'prog');
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
      return r.stdout;
    };
    run('gcc', ['-g', '-O0', '-no-pie', '-o', bin, 'prog.c']);
    for (const line of run('objdump', ['--dwarf=decodedline', bin]).split('\n')) {
      const m = /^prog\.c\s+(\d+)\s+(0x[0-9a-f]+)/.exec(line);
      if (m) lowest.set(Number(m[1]), Math.min(lowest.get(Number(m[1])) ?? Infinity, Number(m[2])));
    }
    // a stripped copy whose DWARF is in debug/prog.debug, found by its .gnu_debuglink name
    debugDir = join(dir, 'debug');
    mkdirSync(debugDir);
    stripped = join(dir, 'prog-stripped');
    run('objcopy', ['--only-keep-debug', bin, join(debugDir, 'prog.debug')]);
    run('objcopy', ['--strip-debug', '--add-gnu-debuglink', join(debugDir, 'prog.debug'), bin, stripped]);
  });
  test.after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = async (prog: string, args: string[] = []) => {
    const r = await runScry(['-q', ...args, '-e', prog]);
    assert.is(r.stderr, '', prog);
    assert.is(r.code, 0, prog);
    return r.stdout.trim();
  };

  test("the line's lowest address in the line table: reg(ip), probe in decimal, func the function", async () => {
    const addr = lowest.get(5)!;
    assert.ok(addr, 'objdump lists line 5');
    const out = await run(`uprobe:${bin}@prog.c:5 { printf("0x%lx|%s|%s\\n", reg("ip"), probe, func); exit(); }`, [
      '-c',
      bin,
    ]);
    assert.is(out, `0x${addr.toString(16)}|uprobe:${bin}:${addr}|branching`);
  });

  test("the function's opening line is its entry, where uprobe:BIN:FUNC attaches (v0.26's validation test)", async () => {
    const out = await run(
      `uprobe:${bin}@prog.c:4 { @a = reg("ip"); } uprobe:${bin}:branching { if (reg("ip") == @a) { print("same"); exit(); } }`,
      ['-c', bin],
    );
    assert.match(out, /^same\n/); // then @a, printed at exit
  });

  test('three branches, three lines, each fires; a path suffix and quotes name the file too', async () => {
    const out = await run(
      `uprobe:${bin}@prog.c:8 { @a = 1; } uprobe:${bin}@${dir.split('/').pop()}/prog.c:10 { @b = 1; } ` +
        `uprobe:${bin}@"prog.c":"12" { if (@a == 1 && @b == 1) { print("success"); exit(); } }`,
      ['-c', bin],
    );
    assert.match(out, /^success/);
  });

  test('a stripped binary: the line table of its debug file, found through --debuginfo', async () => {
    const out = await run(`uprobe:${stripped}@prog.c:5 { print("ok"); exit(); }`, [
      '--debuginfo',
      debugDir,
      '-c',
      stripped,
    ]);
    assert.is(out, 'ok');
    const r = await runScry(['-q', '-c', stripped, '-e', `uprobe:${stripped}@prog.c:5 { exit(); }`]);
    assert.match(
      r.stderr,
      `ERROR: No DWARF debug info found for '${stripped}', cannot attach by source code location.`,
    );
    assert.is(r.code, 1);
  });

  test('a line without code: an error at the point naming the nearest lines with code, nothing attached', async () => {
    const prog = `uprobe:${bin}@prog.c:7 { exit(); }`;
    const r = await runScry(['-e', prog]);
    assert.is(
      r.stderr,
      [
        `stdin:1:1-${prog.indexOf(' {') + 1}: ERROR: Unable to map 'prog.c:7' to address`,
        prog,
        '~'.repeat(prog.indexOf(' {')),
        `HINT: no code of ${dir}/prog.c is at line 7 (a comment, a declaration, or code the compiler left out): the nearest lines with code are 6 and 8`,
        '',
      ].join('\n'),
    );
    assert.is(r.stdout, '');
    assert.is(r.code, 1);
  });
}

test.run();
