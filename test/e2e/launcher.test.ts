// bin/scry.cjs, the launcher: it maps the bundle and its V8 code cache (through the native addon) instead of reading
// them, so that a start-up does not copy ~2.4 MB into fresh pages. A launcher that quietly went back to reading
// would still run every other test; this one looks at the running process's mappings.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry, scryBin, startScry } from '../helpers/cli.ts';
import { launcherCopy } from '../helpers/launcher-copy.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { launcherOptionsOnly } from '../../repl/exit-now.ts';

const dist = join(dirname(scryBin), '..', 'dist');
const bundle = join(dist, 'scry.cjs');

/** A copy of the launcher and the bundle (helpers/launcher-copy.ts) that `run` runs to a successful end. */
function runnableCopy(prefix: string) {
  const copy = launcherCopy(prefix);
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [copy.bin, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 0, r.stderr);
    return r.stdout + r.stderr;
  };
  return { ...copy, run, done: copy.remove };
}

if (requireRoot('e2e launcher')) {
  test('a running scry has its bundle and code cache mapped from the files, and runs from them', async () => {
    // a first run writes the cache when there is none yet
    const first = await runScry(['-q', '-e', 'interval:ms:1 { exit(); }']);
    assert.is(first.code, 0, first.stderr);
    // `node bin/scry.cjs`, as here: no V8 flags, the cache without the young-generation flag's mark ('cachey')
    const cache = `${bundle}.cache`;
    assert.ok(existsSync(cache), `no code cache in ${dist} after a run`);

    const run = startScry(['-q', '-e', 'BEGIN { printf("up\\n"); } interval:s:20 { exit(); }']);
    try {
      await run.waitForStdout('up\n');
      const mapped = readFileSync(`/proc/${run.child.pid}/maps`, 'utf8')
        .split('\n')
        .map((l) => l.split(/\s+/).slice(5).join(' '));
      assert.ok(mapped.includes(bundle), `${bundle} is not mapped:\n${mapped.filter(Boolean).join('\n')}`);
      assert.ok(mapped.includes(cache!), `${cache} is not mapped`);
    } finally {
      run.child.kill('SIGINT');
    }
    const r = await run.finished;
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('up\n'), r.stdout);
  });

  test('run as a command, Node starts with the fixed 4 MB young generation and keeps a code cache of its own', async () => {
    const command = spawn(scryBin, ['-q', '-e', 'BEGIN { printf("up\\n"); } interval:s:20 { exit(); }'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const up = new Promise<void>((resolve, reject) => {
      command.stdout.on('data', (d: Buffer) => (out += d.toString()).includes('up\n') && resolve());
      command.on('close', (code) => reject(new Error(`scry exited (${code}) before printing`)));
    });
    const ended = new Promise<number | null>((resolve) => command.on('close', resolve));
    try {
      await up;
      // exec: the sh line's process became Node itself
      const argv = readFileSync(`/proc/${command.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes('--min-semi-space-size=4') && argv.includes('--max-semi-space-size=4'), argv.join(' '));
      const mapped = readFileSync(`/proc/${command.pid}/maps`, 'utf8');
      // a first run under these flags writes the cache at exit; later ones map it
      if (!mapped.includes(`${bundle}.cachey`))
        assert.ok(!existsSync(`${bundle}.cachey`), 'cachey is there but not mapped');
    } finally {
      command.kill('SIGINT');
    }
    assert.is(await ended, 0);
    assert.ok(existsSync(`${bundle}.cachey`), 'no cachey after a run');
  });

  test("the options the sh line starts Node with still let a finished run skip Node's teardown", () => {
    const shLine = readFileSync(scryBin, 'utf8').split('\n')[1]!;
    const options = shLine
      .slice(shLine.indexOf('exec node ') + 'exec node '.length, shLine.indexOf(' "$0"'))
      .split(' ');
    assert.ok(options.length >= 2 && options.every((o) => o.startsWith('--')), shLine);
    assert.ok(launcherOptionsOnly(options), options.join(' '));
    assert.ok(launcherOptionsOnly([]));
    assert.not.ok(launcherOptionsOnly([...options, '--cpu-prof']));
  });

  test("a finished run _exits past Node's teardown, but not when Node has coverage to write at that point", async () => {
    const program = ['-q', '-e', 'BEGIN { printf("out\\n"); exit(3); }'];
    const plain = await runScry(program);
    assert.is(plain.code, 3, plain.stderr);
    assert.is(plain.stdout, 'out\n\n\n'); // bpftrace 0.17 prints the same two empty lines at exit
    const dir = mkdtempSync(join(tmpdir(), 'scry-cov-'));
    try {
      const covered = await runScry(program, { NODE_V8_COVERAGE: dir });
      assert.is(covered.code, 3, covered.stderr);
      assert.is(covered.stdout, 'out\n\n\n');
      assert.ok(
        readdirSync(dir).some((f) => f.startsWith('coverage-')),
        'no coverage file: Node did not get to write it',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a run that takes a step the code cache was not written for writes it again, covering both', () => {
    const copy = runnableCopy('scry-launcher-');
    try {
      const run = (program: string) => void copy.run(['-q', '-e', program]);
      const cache = join(copy.dist, 'scry.cjs.cache');
      const steps = () => readFileSync(`${cache}.steps`, 'utf8').split('\n').filter(Boolean);
      run('BEGIN { exit(); }');
      assert.ok(steps().includes('parse') && !steps().includes('parse (kept)'), steps().join(', '));
      // run again, the text's parse comes from the kept files: a step of its own, so the union is written once
      // (a cache only such runs wrote would lack the parser's code, which a new text's first run then compiles)
      run('BEGIN { exit(); }');
      assert.ok(steps().includes('parse') && steps().includes('parse (kept)'), steps().join(', '));
      const first = statSync(cache).ino;
      assert.ok(steps().includes('load BEGIN') && !steps().includes('load interval'), steps().join(', '));
      run('BEGIN { exit(); }');
      assert.is(statSync(cache).ino, first, 'the same steps again: the cache stays');
      run('interval:ms:1 { exit(); }'); // an interval probe: a perf software event, no tracefs needed
      const second = statSync(cache).ino;
      assert.is.not(second, first, 'an interval probe attached: the cache is written again');
      assert.ok(steps().includes('load interval') && steps().includes('load BEGIN'), steps().join(', '));
      run('BEGIN { exit(); }');
      assert.is(statSync(cache).ino, second, 'covered already: the cache stays');
    } finally {
      copy.done();
    }
  });

  test("the build's warm-up leaves a code cache that a user's first run of a new script takes as it is", () => {
    // npm install (prepare) and npm run build end with it: without it, that first run compiled the whole bundle
    const scripts = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')).scripts;
    for (const name of ['prepare', 'build']) assert.match(scripts[name], /&& node scripts\/warm-cache\.mjs$/, name);
    const copy = runnableCopy('scry-warm-');
    try {
      const warmUp = join(dist, '..', 'scripts', 'warm-cache.mjs');
      const warm = spawnSync(process.execPath, [warmUp, copy.bin], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.is(warm.status, 0, warm.stderr);
      // the users' cache: bin/scry.cjs run as a command, with the sh line's flags
      const cache = join(copy.dist, 'scry.cjs.cachey');
      const steps = readFileSync(`${cache}.steps`, 'utf8').split('\n').filter(Boolean);
      const tracefs = existsSync('/sys/kernel/tracing/events/syscalls/sys_enter_getppid');
      for (const step of ['parse', 'parse (kept)', 'check', 'compile', 'compile (kept)', 'load BEGIN', 'close'])
        assert.ok(steps.includes(step), `${step} not in ${steps.join(', ')}`);
      if (tracefs) assert.ok(steps.includes('load tracepoint') && steps.includes('attach'), steps.join(', '));
      const written = statSync(cache).ino;
      const program = tracefs
        ? 'tracepoint:syscalls:sys_enter_mkdir /pid == 1/ { @[tid] = count(); } BEGIN { exit(); }'
        : 'BEGIN { @[tid] = count(); exit(); }';
      const first = spawnSync(copy.bin, ['-q', '-e', program], { encoding: 'utf8', timeout: 60_000 });
      assert.is(first.status, 0, first.stderr);
      assert.is(statSync(cache).ino, written, 'every step of the first run was covered: the cache stays as it was');
    } finally {
      copy.done();
    }
  });

  test("a script's parse and the optimizer's templates are kept beside the bundle for its next run", () => {
    const copy = runnableCopy('scry-shapes-');
    try {
      const program =
        'tracepoint:syscalls:sys_enter_mkdir /pid > 1/ { @[comm, pid] = count(); @t = hist(nsecs & 0xff); }';
      const bytecode = () => copy.run(['--dry-run', '-d', 'bytecode', '-e', program]);
      const dirs = ['parses', 'shapes'].map((kind) => join(copy.dist, `scry.cjs.cache-${kind}`));
      const kept = () => dirs.flatMap((d) => readdirSync(d).map((f) => `${d}/${f}:${statSync(join(d, f)).ino}`));
      const first = bytecode();
      assert.match(first, /bpf_map_lookup_elem/);
      const files = kept();
      assert.ok(files.length >= 2, `a parse and a template kept: ${files.join(', ')}`);
      assert.is(bytecode(), first, 'from the kept parse and template: the same code and source lines');
      assert.equal(kept(), files, 'taken, not written again');
      // another bundle (here the same bytes, a new mtime) does not take the old one's templates: it writes its own
      utimesSync(copy.bundle, new Date(), new Date(Date.now() + 5000));
      assert.is(bytecode(), first);
      assert.ok(
        kept().every((f) => !files.includes(f)),
        'written again for the new bundle',
      );
    } finally {
      copy.done();
    }
  });

  test('an addon that cannot be loaded is one line that says what to do, not a stack over the minified bundle', async () => {
    // stdout a pipe, as here: the bundle's stdio set-up loads the addon as its modules load
    const r = await runScry(['-q', '-e', 'BEGIN { exit(); }'], { SCRY_NATIVE: '/nonexistent/scry_native.node' });
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /^scry: cannot load native addon \/nonexistent\/scry_native\.node \(SCRY_NATIVE names it/);
    assert.match(r.stderr, /npm run install/);
    assert.ok(!/\n\s+at /.test(r.stderr) && r.stderr.length < 400, r.stderr.slice(0, 400));
  });

  test.run();
}
