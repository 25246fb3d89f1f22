// `scry btf dump`: the running kernel's BTF as C, compared with bpftool 7.1's `format c` line for line,
// compiled with gcc (whole, selected types, a module's), and `-lv 'struct …'` printing padding members as
// bpftrace does. Each check a tool or file this machine lacks prints a SKIP line instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry, scryBin } from '../helpers/cli.ts';
import { hasGcc } from '../helpers/fixtures.ts';
import { skipCheck } from '../helpers/kernel.ts';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const dir = mkdtempSync(join(tmpdir(), 'scry-btf-dump-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const hasBpftool = spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status === 0;
const PADDING = /^\t+(long|int|short|char): \d+;$/m;

/** gcc -fsyntax-only on a header (its stderr on failure). */
function compiles(text: string, name: string, prefix = ''): string | undefined {
  const file = join(dir, name);
  writeFileSync(file, prefix + text);
  const r = spawnSync('gcc', ['-fsyntax-only', '-x', 'c', file], { encoding: 'utf8' });
  return r.status === 0 ? undefined : r.stderr.split('\n').slice(0, 10).join('\n');
}

/** Wall-clock ms of a command, its output discarded. */
function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}`);
  return performance.now() - t0;
}

if (!existsSync(VMLINUX)) skipCheck('e2e btf dump', `no ${VMLINUX} (kernel without CONFIG_DEBUG_INFO_BTF)`);
else {
  let whole = '';

  test('the whole vmlinux is line for line what bpftool 7.1 format c prints; gcc compiles it', async () => {
    const r = await runScry(['btf', 'dump'], {}, 120_000);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    whole = r.stdout;
    assert.ok(whole.startsWith('#ifndef __VMLINUX_H__\n'), whole.slice(0, 100));
    assert.match(whole, /\nstruct task_struct \{\n/);
    if (!hasBpftool) skipCheck('btf dump vs bpftool', 'bpftool is not installed');
    else {
      const theirs = spawnSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], {
        encoding: 'latin1',
        maxBuffer: 256 << 20,
      }).stdout;
      const mine = whole.split('\n');
      const ref = theirs.split('\n');
      const first = ref.findIndex((l, i) => l !== mine[i]);
      assert.is(
        first === -1 && mine.length === ref.length
          ? 'same'
          : `line ${first + 1}: bpftool '${ref[first]}', scry '${mine[first]}'`,
        'same',
      );
      // side by side on this machine (shared and loaded: a report, not a limit)
      const scryMs = timed(process.execPath, [scryBin, 'btf', 'dump']);
      const bpftoolMs = timed('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c']);
      process.stderr.write(
        `btf dump: ${ref.length - 1} lines, same as bpftool; scry ${scryMs.toFixed(0)} ms, bpftool ${bpftoolMs.toFixed(0)} ms\n`,
      );
    }
    if (!hasGcc()) skipCheck('btf dump compiles', 'gcc is not installed');
    else assert.is(compiles(whole, 'vmlinux.h'), undefined);
  });

  test('selected types: task_struct and struct file with what they need, and that compiles', async () => {
    const r = await runScry(['btf', 'dump', 'task_struct', 'struct file', '--format', 'c']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /\nstruct task_struct \{\n/);
    assert.match(r.stdout, /\nstruct file \{\n/);
    assert.match(r.stdout, PADDING);
    // far less than the whole
    assert.ok(r.stdout.length < 2_000_000, `${r.stdout.length} bytes`);
    if (!hasGcc()) skipCheck('btf dump selected types compile', 'gcc is not installed');
    else {
      // and usable: a member of each reached
      const use = '\nint f(struct task_struct *t, struct file *f) { return t->pid + (int)f->f_flags; }\n';
      assert.is(compiles(r.stdout + use, 'selected.c'), undefined);
    }
  });

  test("a module's BTF (split on vmlinux's) dumps and compiles", async () => {
    const modules = readdirSync('/sys/kernel/btf').filter((m) => m !== 'vmlinux');
    if (modules.length === 0) {
      skipCheck('btf dump module', 'no module has BTF here (/sys/kernel/btf holds only vmlinux); test/vm runs it');
      return;
    }
    const file = `/sys/kernel/btf/${modules[0]}`;
    const r = await runScry(['btf', 'dump', '--file', file], {}, 120_000);
    assert.is(r.code, 0, r.stderr);
    if (hasBpftool) {
      const theirs = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', 'c'], {
        encoding: 'latin1',
        maxBuffer: 256 << 20,
      }).stdout;
      assert.ok(theirs === r.stdout, `${file}: differs from bpftool`);
    }
    if (hasGcc()) assert.is(compiles(r.stdout, 'module.h'), undefined);
    else skipCheck('btf dump module compiles', 'gcc is not installed');
  });

  test('-lv struct prints padding members, as bpftrace does', async () => {
    const r = await runScry(['-lv', 'struct task_struct']);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('struct task_struct {\n'), r.stdout.slice(0, 80));
    assert.match(r.stdout, PADDING);
    assert.ok(r.stdout.endsWith('};\n\n'), JSON.stringify(r.stdout.slice(-20)));
    const bt = spawnSync('bpftrace', ['-lv', 'struct task_struct'], { encoding: 'utf8' });
    if (bt.error || bt.status !== 0) skipCheck('-lv vs bpftrace', 'bpftrace is not installed here');
    else assert.fixture(r.stdout, bt.stdout);
  });

  test('mistakes: an unknown type (with the closest name), an unknown format or command; exit 1', async () => {
    const typo = await runScry(['btf', 'dump', 'task_strukt']);
    assert.is(typo.code, 1);
    assert.is(typo.stdout, '');
    assert.is(typo.stderr, `ERROR: no type 'task_strukt' in ${VMLINUX}\nHINT: did you mean 'struct task_struct'?\n`);
    const fmt = await runScry(['btf', 'dump', '--format', 'raw']);
    assert.is(fmt.code, 1);
    assert.match(fmt.stderr, 'ERROR: --format raw is not supported');
    const cmd = await runScry(['btf', 'list']);
    assert.is(cmd.code, 1);
    assert.match(cmd.stderr, "ERROR: unknown btf command 'list'");
    const missing = await runScry(['btf', 'dump', '--file', '/sys/kernel/btf/no_such_module']);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, 'no such file (is the module loaded?');
    const help = await runScry(['btf', '--help']);
    assert.is(help.code, 0);
    assert.match(help.stdout, 'scry btf dump [--format c] [TYPE…] [--file PATH]');
  });

  test.run();
}
