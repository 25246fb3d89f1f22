// bpftrace v0.26's process context, through the real CLI: pid/tid count in scry's own pid namespace
// (pid(curr_ns), the default) or the initial one (pid(init)); comm(pid) through the bpf_task_from_pid kfunc;
// ustack(build_id); -k's warning for a map read whose key is missing; user stacks of a process that has
// exited, resolved through the probed fixed-address executable.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ElfFile } from '../../runtime/kernel/elf/elf-file.ts';
import { UserSymbolizer } from '../../runtime/kernel/user-symbols.ts';
import { runScry, scryBin } from '../helpers/cli.ts';
import { fixtures, hasTool, runTarget } from '../helpers/fixtures.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

const root = requireRoot('e2e process context v0.26');
const f = root ? fixtures('e2e process context v0.26') : undefined;

if (root) {
  const ids = 'printf("%d %d %d %d %d %d\\n", pid, pid(curr_ns), pid(init), tid, tid(curr_ns), tid(init)); exit();';

  test('pid and tid: the same ids in the initial pid namespace', async () => {
    const r = await runScry(['-q', '-e', `BEGIN { ${ids} }`]);
    const [p, pc, pi, t, tc, ti] = r.stdout.trim().split(' ').map(Number);
    assert.ok(p! > 1 && p === pc && p === pi && t === tc && t === ti, r.stdout + r.stderr);
  });

  if (hasTool('unshare')) {
    test('inside a new pid namespace, pid and pid(curr_ns) are its ids, pid(init) the initial one', () => {
      // scry is the namespace's first process: pid 1 there
      const r = spawnSync(
        'unshare',
        ['--fork', '--pid', '--mount-proc', process.execPath, scryBin, '-q', '-e', `BEGIN { ${ids} }`],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      const [p, pc, pi, t, tc, ti] = r.stdout.trim().split(' ').map(Number);
      assert.equal([p, pc, t, tc], [1, 1, 1, 1], r.stdout + r.stderr);
      assert.ok(pi! > 1 && ti! > 1, r.stdout);
    });
  } else skipCheck('pid namespaces', 'unshare is not installed');

  test('pid() takes curr_ns or init only', async () => {
    const r = await runScry(['-e', 'BEGIN { print(pid(other)); }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /pid\(\) takes a pid namespace: curr_ns or init/);
  });

  test('comm(pid) names another process; a pid no task has reads N/A, with a warning', async () => {
    const r = await runScry(['-q', '-e', 'iter:task { @own = comm(pid); @none = comm(2147483000); exit(); }']);
    assert.ok(r.stderr.startsWith('stdin:1:39-55: WARNING: No such process (pid=2147483000)\n'), r.stdout + r.stderr);
    assert.ok(r.stdout.endsWith('\n\n@none: N/A\n@own: scry\n'), r.stdout);
  });

  test('comm(pid) is refused where the kernel does not let programs call bpf_task_from_pid', async () => {
    // Linux 6.18 allows it in tracepoint and perf event programs (until 2026-12-07 scry refused them), not in
    // kprobe ones, which uprobes are: the kernel is asked, as v0.26's kfunc_allowed asks it
    // this process calls getppid (process.ppid) until the probe has seen it
    const poke = setInterval(() => void process.ppid, 20);
    const ok = await runScry(
      [
        '-q',
        '-e',
        `tracepoint:syscalls:sys_enter_getppid /pid == ${process.pid}/ { printf("%s|%s\\n", comm(pid), comm); exit(); }`,
      ],
      {},
      10_000,
    ).finally(() => clearInterval(poke));
    assert.is(ok.code, 0, ok.stderr);
    const [own, named] = ok.stdout.split('\n')[0]!.split('|');
    assert.ok(own && own !== 'N/A' && own === named, ok.stdout);
    const r = await runScry(['-e', 'uprobe:/bin/bash:readline { @ = comm(pid); }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /comm\(pid\) is not supported in uprobe probes/);
    assert.match(r.stderr, /which this kernel does not allow in uprobe probes' programs/);
  });

  test("-k warns of a map read whose key is missing (bpftrace v0.26's -k); without -k nothing", async () => {
    const prog = 'BEGIN { @[1] = 1; printf("%d\\n", @[2]); exit(); }';
    const k = await runScry(['-q', '-k', '-e', prog]);
    assert.ok(
      k.stderr.startsWith(
        "stdin:1:34-38: WARNING: Can't lookup map element because it does not exist.\n" +
          'Additional Info - helper: map_lookup_elem, retcode: 0\n' +
          `${prog}\n${' '.repeat(33)}~~~~\n`,
      ),
      k.stderr,
    );
    assert.ok(k.stdout.startsWith('0\n'), k.stdout);
    const plain = await runScry(['-q', '-e', prog]);
    assert.ok(plain.stdout.startsWith('0\n'), plain.stdout);
  });

  test('kstack(build_id) is refused: build ids name user-space files', async () => {
    const r = await runScry(['-e', 'BEGIN { print(kstack(build_id)); }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /'build_id' stack mode can only be used for ustack/);
  });
}

if (f) {
  test('ustack(build_id): each frame is the file build id and the offset in the file', async () => {
    const r = await runScry([
      '-q',
      '-c',
      `${f.nopie} recurse 2`,
      '-e',
      `uprobe:${f.nopie}:leaf /pid == cpid/ { print(ustack(build_id, 3)); }`,
    ]);
    const note = ElfFile.open(f.nopie).notes('.note.gnu.build-id')[0];
    assert.ok(note, 'the fixture has a build id');
    const id = note.desc.toString('hex');
    const frames = r.stdout.split('\n').filter((l) => l.includes(' 0x'));
    assert.is(frames.length, 3, r.stdout + r.stderr);
    for (const l of frames) assert.match(l, new RegExp(`^${id} 0x[0-9a-f]+$`));
  });

  test('uaddr() in a PIE finds the symbol where the executable is loaded (uprobe and uretprobe)', async () => {
    for (const kind of ['uprobe', 'uretprobe']) {
      const r = await runScry([
        '-q',
        '-c',
        `${f.pie} recurse 0 recurse 0 recurse 0`,
        '-e',
        `${kind}:${f.pie}:leaf /pid == cpid/ { @[*uaddr("leaf_calls")] = count(); }`,
      ]);
      // leaf_calls counts the calls of leaf: before each (uprobe) or after (uretprobe); a failed read would be 0
      const seen = kind === 'uprobe' ? '@[0]: 1\n@[1]: 1\n@[2]: 1\n' : '@[1]: 1\n@[2]: 1\n@[3]: 1\n';
      assert.ok(r.stdout.endsWith(`\n\n${seen}`), `${kind}: ${r.stdout}${r.stderr}`);
    }
  });

  test('stacks of a process that has exited resolve through the probed non-PIE executable', async () => {
    const t = runTarget(f.nopie, ['addrs']);
    const done = await t.finished;
    const leaf = BigInt(`0x${/addr leaf ([0-9a-f]+)/.exec(done.stdout)![1]}`);
    const pieAddrs = (await runTarget(f.pie, ['addrs']).finished).stdout;
    const pieLeaf = BigInt(`0x${/addr leaf ([0-9a-f]+)/.exec(pieAddrs)![1]}`);
    // its maps are gone (no such /proc): only the probed files are left to look in
    const s = new UserSymbolizer({ probedFiles: [f.nopie, f.pie], procRoot: '/nonexistent', demangle: false });
    assert.equal(s.symbolize(999999, leaf + 4n), { symbol: 'leaf', offset: 4n, module: f.nopie });
    // exited but not yet reaped: a zombie's maps are empty
    const proc = mkdtempSync(join(tmpdir(), 'scry-proc-'));
    mkdirSync(join(proc, '4242'));
    writeFileSync(join(proc, '4242', 'maps'), '');
    const z = new UserSymbolizer({ probedFiles: [f.nopie], procRoot: proc, demangle: false });
    assert.equal(z.symbolize(4242, leaf), { symbol: 'leaf', offset: 0n, module: f.nopie });
    rmSync(proc, { recursive: true });
    // a PIE is loaded anywhere: its addresses mean nothing without the process's maps
    assert.equal(new UserSymbolizer({ probedFiles: [f.pie], procRoot: '/nonexistent' }).symbolize(1, pieLeaf), {});
  });
}

test.run();
