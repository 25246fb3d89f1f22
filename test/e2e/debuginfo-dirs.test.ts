// --debuginfo DIR (bpftrace v0.26): where the debug file of a stripped binary is looked for first, for uprobe
// `args` typed from DWARF and -lv listings. v0.26's tests/runtime/dwarf "parse stripped debuginfo - list args",
// "- arg by name" and "- search multiple paths", on a program of scry's own built here with gcc -g, its DWARF
// moved out (objcopy --only-keep-debug, strip --strip-debug) into a directory nothing else searches.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { hasGcc } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

const SOURCE = `#include <unistd.h>
__attribute__((noinline)) int dbgfn(int n, char c) { return n + c; }
int main(void) {
  for (int i = 0; i < 200; i++) { dbgfn(42, 'q'); usleep(100000); }
  return 0;
}
`;

function tool(name: string): boolean {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/**
 * Two stripped copies of the program in DIR: `linked` with a .gnu_debuglink to linked.dbg in DIR/dbg,
 * `plain` with none (found as plain.debug in DIR/dbg, by elfutils' FILE.debug name, its build ID checked).
 */
function build(): { dir: string; linked: string; plain: string } | string {
  if (!hasGcc()) return 'gcc is not installed';
  for (const t of ['objcopy', 'strip']) if (!tool(t)) return `${t} is not installed`;
  const dir = mkdtempSync(join(tmpdir(), 'scry-debuginfo-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'prog.c'), SOURCE);
  mkdirSync(join(dir, 'dbg'));
  mkdirSync(join(dir, 'empty'));
  const full = join(dir, 'prog-full');
  sh('gcc', ['-g', '-O0', '-Wl,--build-id', '-o', full, join(dir, 'prog.c')]);
  const linked = join(dir, 'linked');
  sh('objcopy', ['--only-keep-debug', full, join(dir, 'dbg', 'linked.dbg')]);
  sh('strip', ['--strip-debug', '-o', linked, full]);
  // the debuglink names the debug file where it is now; the binary does not record the directory
  sh('objcopy', [`--add-gnu-debuglink=${join(dir, 'dbg', 'linked.dbg')}`, linked]);
  const plain = join(dir, 'plain');
  sh('objcopy', ['--only-keep-debug', full, join(dir, 'dbg', 'plain.debug')]);
  sh('strip', ['--strip-debug', '-o', plain, full]);
  rmSync(full);
  return { dir, linked, plain };
}

const root = requireRoot('e2e --debuginfo');
const built = root ? build() : undefined;
if (typeof built === 'string') process.stderr.write(`SKIP e2e --debuginfo: ${built}\n`);

if (built && typeof built !== 'string') {
  const { dir, linked, plain } = built;
  const dbg = join(dir, 'dbg');

  test('-lv: without --debuginfo the stripped binary has no DWARF; with it, the arguments', async () => {
    const none = await runScry(['-lv', `uprobe:${linked}:dbgfn`]);
    assert.is(none.stdout.trim(), `uprobe:${linked}:dbgfn`);
    assert.match(none.stderr, /No DWARF found/);
    for (const bin of [linked, plain]) {
      const r = await runScry(['-lv', `uprobe:${bin}:dbgfn`, `--debuginfo=${dbg}`]);
      assert.is(r.stdout, `uprobe:${bin}:dbgfn\n    int n\n    char c\n`, bin);
      assert.is(r.stderr, '', bin);
    }
  });

  test('several directories (repeated or colon-separated), missing ones skipped, relative to the binary', async () => {
    for (const opts of [
      [`--debuginfo=${join(dir, 'empty')}`, `--debuginfo=${join(dir, 'nonexistent')}`, `--debuginfo=${dbg}`],
      [`--debuginfo=${join(dir, 'nonexistent')}:${dbg}`],
      ['--debuginfo', 'dbg'], // the binary's directory's dbg/, not the current directory's
    ]) {
      const r = await runScry(['-lv', `uprobe:${plain}:dbgfn`, ...opts]);
      assert.is(r.stdout, `uprobe:${plain}:dbgfn\n    int n\n    char c\n`, opts.join(' '));
    }
  });

  test('args by name typed from the debug file found there', async () => {
    const prog = `uprobe:${linked}:dbgfn { printf("%d %c\\n", args.n, args.c); exit(); }`;
    const without = await runScry(['-q', '--dry-run', '-e', prog]);
    assert.is(without.code, 1);
    assert.match(without.stderr, /no DWARF found/);
    const r = await runScry(['-q', '-c', linked, '-e', prog, '--debuginfo', dbg]);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    assert.is(r.stdout.trim(), '42 q');
  });

  test.run();
}
