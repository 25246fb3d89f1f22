// The library's trace() (repl/api.ts) on the real kernel: typed events in order, maps read as plain data while
// running and after, stop() (END, final maps), an AbortSignal, typed errors, lost events, two runs at once.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  compile,
  trace,
  ScryError,
  ScryKernelError,
  type MapData,
  type ScryEvent,
  type TraceRun,
} from '../../repl/api.ts';
import { openFdCount } from '../../runtime/sys/index.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

async function all(run: TraceRun): Promise<ScryEvent[]> {
  const out: ScryEvent[] = [];
  for await (const e of run.events()) out.push(e);
  return out;
}

const texts = (evs: readonly ScryEvent[]) => evs.flatMap((e) => (e.kind === 'printf' ? [e.text] : []));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens (and closes) `path` n times from this process: n openat calls. */
function openTimes(path: string, n: number): void {
  for (let i = 0; i < n; i++) closeSync(openSync(path, 'r'));
}

let dir = '';
const distApi = fileURLToPath(new URL('../../dist/api.mjs', import.meta.url));

if (requireTracepoint('library trace()', 'syscalls/sys_enter_openat')) {
  test.before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scry-api-'));
  });
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('events in order: attached, BEGIN printf, print(value), print(@map), warnf/errorf, time, then exit with its code', async () => {
    const before = openFdCount();
    const run = await trace(
      `BEGIN {
         printf("hello %s %d\\n", "api", 42);
         print((1, "two"));
         @m[3, "x"] = 7;
         print(@m);
         warnf("careful %d", 1);
         errorf("broken %s", "here");
         time("%Y");
         exit(3);
       }
       END { printf("end\\n"); }`,
    );
    const evs = await all(run);
    assert.is(await run.done, 3);
    assert.equal(evs[0], { kind: 'attached', probes: 2 });
    // printf's text and its arguments' values
    assert.equal(evs[1], { kind: 'printf', text: 'hello api 42\n', args: ['api', 42n] });
    assert.equal(evs[2], { kind: 'value', value: [1n, 'two'] });
    const map = evs[3] as Extract<ScryEvent, { kind: 'map' }>;
    assert.is(map.kind, 'map');
    assert.equal(map.map, { name: '@m', kind: 'value', entries: [{ keys: [3n, 'x'], value: 7n }] });
    const warn = evs[4] as Extract<ScryEvent, { kind: 'message' }>;
    assert.is(warn.level, 'warning');
    assert.is(warn.text, 'careful 1');
    assert.is(warn.location?.line, 6);
    const err = evs[5] as Extract<ScryEvent, { kind: 'message' }>;
    assert.equal([err.level, err.text, err.location?.line], ['error', 'broken here', 7]);
    assert.equal(evs[6], { kind: 'printf', text: String(new Date().getFullYear()), source: 'time' });
    assert.equal(evs[7], { kind: 'printf', text: 'end\n', args: [] });
    // then the maps at exit (bpftrace prints them): @m
    assert.equal(evs[8], {
      kind: 'map',
      map: { name: '@m', kind: 'value', entries: [{ keys: [3n, 'x'], value: 7n }] },
    });
    assert.equal(evs.at(-1), { kind: 'exit', code: 3 });
    assert.is(evs.filter((e) => e.kind === 'exit').length, 1);
    assert.is(run.running, false);
    assert.is(openFdCount(), before, 'every fd closed');
  });

  test('maps.read while running: counts, hist buckets, lhist, avg/stats, tuples as arrays; stop() runs END and returns the final maps', async () => {
    const file = join(dir, 'opened');
    writeFileSync(file, '');
    const run = await trace(
      `BEGIN { @h = hist(5); @h = hist(6); @h = hist(0); @l = lhist(15, 0, 100, 10); @a = avg(10); @a = avg(21);
               @s = stats(4); @s = stats(8); @t["k"] = (1, "one"); }
       tracepoint:syscalls:sys_enter_openat /pid == $1 && str(args.filename) == $2/ { @opens[str(args.filename)] = count(); }
       END { @ended = 1; printf("END ran\\n"); }`,
      { params: [process.pid, file] },
    );
    assert.equal(run.maps.names(), ['@a', '@ended', '@h', '@l', '@opens', '@s', '@t']);
    openTimes(file, 25);
    const opens = await run.maps.read('@opens');
    assert.equal(opens, { name: '@opens', kind: 'count', entries: [{ keys: [file], value: 25n }] });
    assert.equal((await run.maps.read('@h')).entries, [
      {
        keys: [],
        value: 3n,
        buckets: [
          { min: 0n, max: 0n, count: 1n },
          { min: 4n, max: 7n, count: 2n },
        ],
      },
    ]);
    assert.equal((await run.maps.read('@l')).entries[0]!.buckets, [{ min: 10n, max: 19n, count: 1n }]);
    assert.equal((await run.maps.read('@a')).entries, [{ keys: [], value: 15n, count: 2n, total: 31n }]);
    assert.equal((await run.maps.read('@s')).entries, [{ keys: [], value: 6n, count: 2n, total: 12n }]);
    assert.equal((await run.maps.read('@t')).entries, [{ keys: ['k'], value: [1n, 'one'] }]);
    // a name the script does not have: a ScryError naming the ones it has
    try {
      await run.maps.read('@nosuch');
      assert.unreachable('read resolved');
    } catch (e) {
      assert.instance(e, ScryError);
      assert.match((e as ScryError).hints[0]!, /@opens/);
    }
    const reading = all(run);
    openTimes(file, 5);
    const final = await run.stop();
    // the opens before stop() are counted; END ran (its map and its printf)
    assert.is(final['@opens']!.entries[0]!.value, 30n);
    assert.equal(final['@ended'], { name: '@ended', kind: 'value', entries: [{ keys: [], value: 1n }] });
    const evs = await reading;
    assert.ok(texts(evs).includes('END ran\n'));
    assert.equal(evs.at(-1), { kind: 'exit', code: 0 });
    // after the run: the maps as they ended, without the kernel
    openTimes(file, 5);
    assert.equal(await run.maps.read('@opens'), final['@opens'] as MapData);
    assert.equal(await run.stop(), final, 'stop() again: the same maps');
  });

  test('an AbortSignal stops the run: END runs, the events end with exit, done resolves', async () => {
    const controller = new AbortController();
    const run = await trace('interval:ms:20 { @ticks = count(); } END { printf("bye\\n"); }', {
      signal: controller.signal,
    });
    const reading = all(run);
    await sleep(150);
    assert.ok(run.running);
    controller.abort();
    assert.is(await run.done, 0);
    const evs = await reading;
    assert.ok(
      texts(evs).includes('bye\n'),
      JSON.stringify(evs, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
    assert.equal(evs.at(-1), { kind: 'exit', code: 0 });
    const ticks = (await run.maps.read('@ticks')).entries[0]!.value as bigint;
    assert.ok(ticks >= 2n, `ticks ${ticks}`);
  });

  test('two runs at once in one process: each its own events and maps; stopping one leaves the other running', async () => {
    const file = join(dir, 'two');
    writeFileSync(file, '');
    const filter = `/pid == $1 && str(args.filename) == $2/`;
    const a = await trace(`tracepoint:syscalls:sys_enter_openat ${filter} { @a = count(); printf("a %d\\n", @a); }`, {
      params: [process.pid, file],
    });
    const b = await trace(
      `tracepoint:syscalls:sys_enter_openat ${filter} { @b = count(); printf("b\\n"); } interval:ms:10 { @t = count(); }`,
      { params: [process.pid, file] },
    );
    const readA = all(a);
    const readB = all(b);
    openTimes(file, 10);
    assert.is((await a.maps.read('@a')).entries[0]!.value, 10n);
    assert.is((await b.maps.read('@b')).entries[0]!.value, 10n);
    await a.stop();
    assert.is(a.running, false);
    assert.ok(b.running);
    openTimes(file, 4);
    await sleep(50);
    assert.is((await b.maps.read('@b')).entries[0]!.value, 14n);
    const bFinal = await b.stop();
    assert.is(bFinal['@b']!.entries[0]!.value, 14n);
    const [ea, eb] = [await readA, await readB];
    assert.equal(
      texts(ea),
      Array.from({ length: 10 }, (_, i) => `a ${i + 1}\n`),
    );
    assert.equal(texts(eb), Array(14).fill('b\n'));
  });

  test('events the reader does not take in time are counted as lost, the memory bounded by bufferEvents', async () => {
    const dd = spawn('/bin/dd', ['if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=1000000000'], { stdio: 'ignore' });
    try {
      const run = await trace('tracepoint:raw_syscalls:sys_enter /pid == $1/ { printf("%d %d\\n", pid, nsecs); }', {
        params: [dd.pid!],
        bufferEvents: 100,
      });
      await sleep(1500);
      const it = run.events();
      let lost = 0;
      let printed = 0;
      for (let r = await it.next(); !r.done; r = await it.next()) {
        if (r.value.kind === 'lost') lost += r.value.count;
        if (r.value.kind === 'printf') printed++;
        if (lost > 0 && printed > 100) break;
      }
      assert.ok(lost > 0, `lost ${lost}`);
      await run.stop();
    } finally {
      dd.kill('SIGKILL');
    }
  });

  test('a run nobody reads events from keeps the newest bufferEvents, still ends by exit(), and says how many went', async () => {
    const run = await trace('BEGIN { @i = 0; unroll(50) { printf("%d\\n", @i); @i++; } exit(); }', {
      bufferEvents: 10,
    });
    assert.is(await run.done, 0);
    const evs = await all(run);
    // attached, 50 printfs and the exit-time map went in; the newest 10 stayed, then exit
    assert.equal(evs[0], { kind: 'lost', count: 42 });
    assert.equal(
      texts(evs.slice(1, -2)),
      Array.from({ length: 9 }, (_, i) => `${41 + i}\n`),
    );
    assert.is(evs.at(-2)!.kind, 'map');
    assert.equal(evs.at(-1), { kind: 'exit', code: 0 });
  });

  test('trace() runs a program compile() made (inspected first), and refuses one it did not make', async () => {
    const { program, diagnostics } = compile('BEGIN { printf("%s\\n", "compiled"); exit(); }');
    assert.equal(diagnostics, []);
    assert.is(program!.probes[0]!.attach, 'BEGIN');
    const run = await trace(program!);
    assert.is(run.program, program);
    assert.equal(texts(await all(run)), ['compiled\n']);
    try {
      await trace({ ...program! });
      assert.unreachable('trace resolved');
    } catch (e) {
      assert.instance(e, TypeError);
    }
  });

  test('probes this kernel may lack either attach or reject with a ScryError with hints (a syscall failure: ScryKernelError)', async () => {
    // on this test machine (no CONFIG_KPROBES, no PMU, trampolines refused) all three reject; elsewhere they attach
    for (const script of [
      'kprobe:vfs_read { @ = count(); }',
      'fentry:vfs_read { @ = count(); }',
      'hardware:cache-misses:1000 { @ = count(); }',
    ]) {
      try {
        await (await trace(script)).stop();
      } catch (e) {
        assert.instance(e, ScryError, `${script}: ${String(e)}`);
        const err = e as ScryError;
        assert.ok(err.hints.length > 0, `${script}: hints`);
        assert.ok(err.cause !== undefined, `${script}: the runtime's error as its cause`);
        if (err instanceof ScryKernelError) assert.match(err.syscall, /^[a-z_]+(\(|$)/);
      }
    }
  });

  test('the kernel refusing a map is a ScryKernelError with the syscall, errno and the script location', async () => {
    const before = openFdCount();
    try {
      await trace('let @big = hash(2000000000);\nBEGIN { @big[1] = 1; }');
      assert.unreachable('trace resolved');
    } catch (e) {
      assert.instance(e, ScryKernelError);
      const k = e as ScryKernelError;
      assert.is(k.name, 'ScryKernelError');
      assert.is(k.syscall, 'bpf(BPF_MAP_CREATE)');
      assert.is(k.code, 'E2BIG');
      assert.is(k.errno, 7);
      assert.is(k.location?.line, 2);
      assert.match(k.message, /@big/);
    }
    assert.is(openFdCount(), before, 'nothing left open');
  });

  test('examples/top-openers-api.mjs prints the top openers each second, a busy opener among them', async () => {
    const example = fileURLToPath(new URL('../../examples/top-openers-api.mjs', import.meta.url));
    // an opener with a name of its own (process.title sets the comm), opening /dev/null as fast as it can
    const busy = spawn(
      process.execPath,
      [
        '-e',
        "process.title = 'scry-opener'; const fs = require('fs'); for (;;) fs.closeSync(fs.openSync('/dev/null', 'r'));",
      ],
      { stdio: 'ignore' },
    );
    try {
      const r = spawnSync(process.execPath, [example, '--seconds', '2'], { encoding: 'utf8', timeout: 15_000 });
      assert.is(r.status, 0, r.stderr);
      const blocks = r.stdout.trimEnd().split('\n\n');
      assert.equal(
        blocks.map((b) => b.split(' (')[0]),
        ['top openers', 'top openers', 'total'],
      );
      for (const b of blocks) {
        const rows = b.split('\n').slice(1);
        assert.ok(rows.length >= 1 && rows.length <= 5, b);
        for (const row of rows) assert.match(row, /^ *\d+ \S/);
        const counts = rows.map((row) => Number(row.trim().split(' ')[0]));
        assert.equal(
          counts,
          [...counts].sort((x, y) => y - x),
          'largest first',
        );
        assert.match(b, / scry-opener$/m);
      }
    } finally {
      busy.kill('SIGKILL');
    }
  });

  // as nobody, through the built package entry (dist/api.mjs): the refusal is a ScryPermissionError
  const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
  const canDrop =
    existsSync(distApi) && spawnSync('setpriv', [...nobody, 'test', '-r', distApi], { stdio: 'ignore' }).status === 0;
  if (canDrop)
    test('without privileges trace() rejects with ScryPermissionError, saying what it needs', () => {
      const script = `import { trace, ScryPermissionError } from ${JSON.stringify(distApi)};
        try { await trace('BEGIN { exit(); }'); console.log('started'); }
        catch (e) { console.log(e instanceof ScryPermissionError, e.name, e.message); }`;
      const out = execFileSync('setpriv', [...nobody, process.execPath, '--input-type=module', '-e', script], {
        encoding: 'utf8',
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      assert.match(
        out,
        /^true ScryPermissionError scry needs root \(or CAP_BPF and CAP_PERFMON\) to load and attach programs: /,
      );
    });
  else
    process.stderr.write('SKIP trace() as nobody: setpriv cannot run as nobody, or nobody cannot read dist/api.mjs\n');
}

test.run();
