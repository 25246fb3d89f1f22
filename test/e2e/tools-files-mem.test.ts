// examples/tools, files and memory: each tool runs as a user runs it, around a workload whose pid, path,
// errno or page count the test knows (an OOM kill in a memory-limited cgroup, swap-ins from a swap file
// set up and removed here), and what it prints is checked for shape and for that value.
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  statfsSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint, skipCheck } from '../helpers/kernel.ts';
import { gated, rowsWhere, run, scratchDir, sleep, toolsDir } from '../helpers/tool-trace.ts';
import { overlapped, watchTool } from '../helpers/tool-watch.ts';

const TIME = /^\d\d:\d\d:\d\d\.\d{6}$/;

/** A memory cgroup limited to `limit` bytes (v2 if its memory controller is there, else v1), or why not. */
function memoryCgroup(name: string, limit: number, noSwap: boolean): { dir: string; procs: string } | string {
  const v2 = '/sys/fs/cgroup/unified';
  const unified = existsSync(`${v2}/cgroup.controllers`) ? v2 : '/sys/fs/cgroup';
  if (
    existsSync(`${unified}/cgroup.controllers`) &&
    readFileSync(`${unified}/cgroup.subtree_control`, 'utf8').split(/\s+/).includes('memory')
  ) {
    const dir = join(unified, name);
    mkdirSync(dir);
    writeFileSync(`${dir}/memory.max`, String(limit));
    if (noSwap) writeFileSync(`${dir}/memory.swap.max`, '0');
    return { dir, procs: `${dir}/cgroup.procs` };
  }
  const v1 = '/sys/fs/cgroup/memory';
  if (existsSync(`${v1}/memory.limit_in_bytes`)) {
    const dir = join(v1, name);
    mkdirSync(dir);
    writeFileSync(`${dir}/memory.limit_in_bytes`, String(limit));
    if (noSwap && existsSync(`${dir}/memory.memsw.limit_in_bytes`))
      writeFileSync(`${dir}/memory.memsw.limit_in_bytes`, String(limit));
    return { dir, procs: `${dir}/cgroup.procs` };
  }
  return 'no memory cgroup controller (neither cgroup v2 memory nor v1 /sys/fs/cgroup/memory)';
}

/** rmdir of a cgroup whose processes have exited (the kernel may take a moment to let go of it). */
async function removeCgroup(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if (i === 50) throw e;
      await sleep(20);
    }
  }
}

if (requireRoot('tools-files-mem e2e')) {
  const dir = scratchDir('scry-tools-files-');
  const present = join(dir, 'present');
  writeFileSync(present, 'here\n');
  const missing = join(dir, 'missing');
  // the cases run at the same time and each test checks its own: every tool here traces the whole machine
  // and each test picks its workload's lines by pid, path or device
  const later = overlapped(test);
  const hasRow = (s: string, col: number, value: string | number) => rowsWhere(s, col, value).length > 0;

  // the memory cases first: they take longest (a swap file set up, an interval's print, an OOM kill)
  if (requireTracepoint('tools swapin', 'memcg/count_memcg_events')) {
    const swapin = later(async () => {
      const swapfile = join('/var/tmp', `scry-swapin-${process.pid}`);
      const made = await run('/bin/sh', [
        '-c',
        `dd if=/dev/zero of=${swapfile} bs=1M count=48 status=none && chmod 600 ${swapfile} && mkswap ${swapfile} >/dev/null && swapon -p -1 ${swapfile}`,
      ]);
      if (made.code !== 0) {
        unlinkSync(swapfile);
        return 'cannot set up a swap file in /var/tmp (mkswap/swapon failed)';
      }
      const cg = memoryCgroup(`scry-swapin-${process.pid}`, 16 << 20, false);
      try {
        if (typeof cg === 'string') return cg;
        let pid = 0;
        const r = await watchTool('swapin.bt', [], async (t) => {
          // the buffer is filled twice: the second read faults the swapped-out half back in
          const w = gated('/bin/sh', [
            '-c',
            `read x; echo $$ > ${cg.procs}; exec dd if=/dev/urandom of=/dev/null bs=24M count=2 status=none`,
          ]);
          pid = w.pid;
          assert.is((await w.go()).code, 0);
          // the counts are printed (and cleared) every second: Ctrl-C once dd's are out, not while an
          // interval's print of them may still be queued
          await t.until(new RegExp(`^@pages\\[dd, ${pid}\\]: \\d+$`, 'm'));
        });
        return { r, pid };
      } finally {
        if (typeof cg !== 'string') await removeCgroup(cg.dir);
        await run('/sbin/swapoff', [swapfile]);
        unlinkSync(swapfile);
      }
    });
    test('swapin: a dd rewriting a 24 MB buffer in a 16 MB cgroup with a swap file: its swap-ins', async () => {
      const ran = await swapin();
      if (typeof ran === 'string') return skipCheck('tools swapin', ran);
      const { r, pid } = ran;
      assert.is(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      assert.is(lines[0], 'Counting swap-ins. Hit Ctrl-C to end.');
      for (const l of lines.slice(1)) assert.match(l, /^(\d\d:\d\d:\d\d|@pages\[.+, \d+\]: \d+)$/);
      const pages = lines
        .map((l) => new RegExp(`^@pages\\[dd, ${pid}\\]: (\\d+)$`).exec(l))
        .reduce((n, m) => n + (m ? Number(m[1]) : 0), 0);
      assert.ok(pages > 0, `no swap-ins counted for dd ${pid}:\n${r.stdout}`);
    });
  }

  if (requireTracepoint('tools oomkill', 'oom/mark_victim')) {
    const oomkill = later(async () => {
      const cg = memoryCgroup(`scry-oomkill-${process.pid}`, 32 << 20, true);
      if (typeof cg === 'string') return cg;
      try {
        let victim = 0;
        const r = await watchTool('oomkill.bt', [], async (t) => {
          const w = gated('/bin/sh', [
            '-c',
            `read x; echo $$ > ${cg.procs}; exec dd if=/dev/zero of=/dev/null bs=256M count=1`,
          ]);
          victim = w.pid;
          assert.is((await w.go()).signal, 'SIGKILL');
          await t.until((s) => s.includes(`OOM kill of PID ${victim} `));
        });
        return { r, victim };
      } finally {
        await removeCgroup(cg.dir);
      }
    });
    test('oomkill: dd with a 256 MB buffer in a 32 MB cgroup: the victim is that dd', async () => {
      const ran = await oomkill();
      if (typeof ran === 'string') return skipCheck('tools oomkill', ran);
      const { r, victim } = ran;
      assert.is(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      assert.is(lines[0], 'Tracing OOM kills... Hit Ctrl-C to end.');
      const re = new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d triggered by PID ${victim} \\("dd"\\), OOM kill of PID ${victim} \\("dd"\\), (\\d+) kB total-vm, (\\d+) kB anon-rss$`,
      );
      const m = lines.map((l) => re.exec(l)).find((x) => x);
      assert.ok(m, r.stdout);
      assert.ok(Number(m![1]) >= 256 << 10, `total-vm ${m![1]} kB holds the 256 MB buffer`);
      assert.ok(Number(m![2]) > 0 && Number(m![2]) <= 33 << 10, `anon-rss ${m![2]} kB within the 32 MB limit`);
    });
  }

  const opensnoop = later(async () => {
    let cat = 0;
    const r = await watchTool('opensnoop.bt', [], async (t) => {
      cat = (await run('/bin/cat', [present, missing])).pid;
      await t.until((s) => rowsWhere(s, 0, cat).some((c) => c[4] === missing));
    });
    return { r, cat };
  });
  test('opensnoop: cat of a file that exists (an fd, errno 0) and of one that does not (-1, errno 2)', async () => {
    const { r, cat } = await opensnoop();
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^PID +COMM +FD +ERR +PATH$/);
    const mine = rowsWhere(r.stdout, 0, cat);
    const ok = mine.find((c) => c[4] === present);
    assert.ok(ok, r.stdout);
    assert.is(ok![1], 'cat');
    assert.ok(Number(ok![2]) >= 3, `fd ${ok![2]}`);
    assert.is(ok![3], '0');
    assert.equal(
      mine.find((c) => c[4] === missing),
      [String(cat), 'cat', '-1', '2', missing],
    );
  });

  const opensnoopFailed = later(async () => {
    const w = gated('/bin/sh', ['-c', `read x; exec /bin/cat ${present} ${missing}`]);
    const expected = `${String(w.pid).padEnd(7)} ${'cat'.padEnd(16)} ${'-1'.padStart(4)} ${'2'.padStart(3)} ${missing}`;
    const r = await watchTool('opensnoop.bt', ['--', `--pid=${w.pid}`, '--failed'], async (t) => {
      await w.go();
      await t.until((s) => s.split('\n').includes(expected));
    });
    return { r, pid: w.pid, expected };
  });
  test('opensnoop --pid --failed: only that process, only the failed open', async () => {
    const { r, pid, expected } = await opensnoopFailed();
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.match(lines[0]!, /^PID +COMM +FD +ERR +PATH$/);
    for (const l of lines.slice(1)) {
      const c = l.split(/\s+/);
      assert.is(c[0], String(pid), l);
      assert.is(c[2], '-1', l);
      assert.ok(Number(c[3]) > 0, l);
    }
    assert.ok(lines.includes(expected), `no ${JSON.stringify(expected)} in:\n${r.stdout}`);
    // the open of the file that exists came first: had it been printed, it would be above that line
    assert.not.ok(r.stdout.includes(present), r.stdout);
  });

  const opensnoopUsage = later(() => runScry(['-q', `${toolsDir}opensnoop.bt`, '--', '-h']));
  test('opensnoop -- -h (or any positional word): the usage, exit 1', async () => {
    const r = await opensnoopUsage();
    assert.is(r.code, 1, r.stderr);
    assert.ok(
      r.stdout.startsWith(
        'USAGE: opensnoop.bt [-- --pid=PID] [--failed]\n  --pid=PID   only this process (0, the default: every process)\n  --failed    only opens that failed\n',
      ),
      r.stdout,
    );
    assert.not.match(r.stdout, 'PID     COMM');
  });

  const opensnoopHelp = later(() => runScry([`${toolsDir}opensnoop.bt`, '--', '--help']));
  test('opensnoop -- --help lists both options', async () => {
    const r = await opensnoopHelp();
    assert.is(r.code, 1);
    assert.is(
      r.stderr,
      'HINT: expected program options:\n--pid: only this process (0: every process)\n--failed: only opens that failed\n',
    );
  });

  const statsnoop = later(async () => {
    let stat = 0;
    const r = await watchTool('statsnoop.bt', [], async (t) => {
      stat = (await run('/usr/bin/stat', [present, missing])).pid;
      await t.until((s) => rowsWhere(s, 0, stat).some((c) => c[4] === missing));
    });
    return { r, stat };
  });
  test('statsnoop: stat of a file that exists (errno 0) and of one that does not (errno 2)', async () => {
    const { r, stat } = await statsnoop();
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^PID +COMM +CALL +ERR +PATH$/);
    const mine = rowsWhere(r.stdout, 0, stat);
    const calls = /^(statx|newfstatat|newstat|newlstat)$/;
    const ok = mine.find((c) => c[4] === present);
    assert.ok(ok, r.stdout);
    assert.is(ok![1], 'stat');
    assert.match(ok![2]!, calls);
    assert.is(ok![3], '0');
    const failed = mine.find((c) => c[4] === missing);
    assert.ok(failed, r.stdout);
    assert.match(failed![2]!, calls);
    assert.is(failed![3], '2');
  });

  const syncsnoop = later(async () => {
    let sync = 0;
    let dd = 0;
    const r = await watchTool('syncsnoop.bt', [], async (t) => {
      sync = (await run('/bin/sync', [])).pid;
      const of = join(dir, 'synced');
      dd = (await run('/bin/dd', ['if=/dev/zero', `of=${of}`, 'bs=4k', 'count=1', 'conv=fsync', 'status=none'])).pid;
      unlinkSync(of);
      // then one fdatasync of our own: once it is printed, every call of sync and dd is too
      const fence = join(dir, 'fence');
      const fd = openSync(fence, 'w');
      fdatasyncSync(fd);
      closeSync(fd);
      unlinkSync(fence);
      await t.until((s) => rowsWhere(s, 1, process.pid).some((c) => c[3] === 'fdatasync'));
    });
    return { r, sync, dd };
  });
  test('syncsnoop: sync(1) calls sync, dd conv=fsync calls fsync', async () => {
    const { r, sync, dd } = await syncsnoop();
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^TIME +PID +COMM +CALL$/);
    const s = rowsWhere(r.stdout, 1, sync);
    assert.equal(
      s.map((c) => c.slice(2)),
      [['sync', 'sync']],
    );
    assert.match(s[0]![0]!, TIME);
    assert.equal(
      rowsWhere(r.stdout, 1, dd).map((c) => c.slice(2)),
      [['dd', 'fsync']],
    );
  });

  /** writeback.bt's lines after the header: device, pages and reason of each pass. */
  const passesOf = (stdout: string) =>
    stdout
      .split('\n')
      .filter((l) => l !== '')
      .slice(1)
      .map((l) => {
        const m = /^(\d\d:\d\d:\d\d) +(\S+) +(-?\d+) +(\w+) +(\d+)$/.exec(l);
        assert.ok(m, `line ${JSON.stringify(l)}`);
        return { dev: m![2]!, pages: Number(m![3]), reason: m![4]! };
      });
  const tmpfs = 0x01021994;
  const writeback =
    statfsSync(dir).type === tmpfs
      ? undefined
      : later(() =>
          watchTool('writeback.bt', [], async (t) => {
            const of = join(dir, 'dirty');
            await run('/bin/dd', ['if=/dev/zero', `of=${of}`, 'bs=1M', 'count=4', 'status=none']);
            await run('/bin/sync', []);
            unlinkSync(of);
            // sync() returns once the flusher's passes are done: their lines are on their way
            await t.until((s) => {
              const passes = passesOf(s);
              return passes.some((p) => p.reason === 'sync') && passes.reduce((n, p) => n + p.pages, 0) >= 1024;
            });
          }),
        );
  test('writeback: 4 MB written then sync(): passes for reason sync, at least 1024 pages written back', async () => {
    if (!writeback) return skipCheck('tools writeback', `${dir} is on tmpfs (no writeback)`);
    const r = await writeback();
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.match(lines[0]!, /^TIME +DEVICE +PAGES +REASON +LAT\(us\)$/);
    const passes = passesOf(r.stdout);
    // sync() starts passes for reason sync; a periodic or background pass may have taken some of the file first
    assert.ok(
      passes.some((p) => p.reason === 'sync'),
      `no pass for reason sync:\n${r.stdout}`,
    );
    const pages = passes.reduce((n, p) => n + p.pages, 0);
    assert.ok(pages >= 1024, `${pages} pages written back in all:\n${r.stdout}`);
    // block devices' backing-dev names are major:minor (other filesystems may name theirs, btrfs-1)
    assert.ok(
      passes.some((p) => p.reason === 'sync' && /^\d+:\d+$/.test(p.dev)),
      r.stdout,
    );
  });

  const filelife = later(async () => {
    const path = join(dir, 'short-lived');
    const r = await watchTool('filelife.bt', [], async (t) => {
      writeFileSync(path, 'x');
      await sleep(300);
      unlinkSync(path);
      await t.until((s) => hasRow(s, 4, path));
    });
    return { r, path };
  });
  test('filelife: a file created, deleted 300 ms later: its age, path and the deleting process', async () => {
    const { r, path } = await filelife();
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^TIME +PID +COMM +AGE\(ms\) +FILE$/);
    const rows = rowsWhere(r.stdout, 4, path);
    assert.is(rows.length, 1, r.stdout);
    const [time, pid, comm, age] = rows[0]!;
    assert.match(time!, TIME);
    assert.is(pid, String(process.pid));
    assert.is(comm, 'node');
    assert.ok(Number(age) >= 290 && Number(age) < 3000, `age ${age} ms`);
  });
}

test.run();
