// for ($kv : @map) { … } through the real CLI: bpf_for_each_map_elem with a BTF-described callback.
// Entries come in hash order, so tests sort the lines a loop prints or use one-entry maps.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint } from '../helpers/kernel.ts';

/** The lines a run printed before the map dump (which follows two blank lines), sorted. */
function printed(stdout: string): string[] {
  return stdout
    .split('\n\n\n')[0]!
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

if (requireRoot('e2e for-map')) {
  test('summing the values of a map', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { @m[1] = 10; @m[2] = 20; @m[3] = 12; for ($kv : @m) { @s += $kv.1; } exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    assert.ok(r.stdout.includes('\n@s: 42\n'), r.stdout);
  });

  test('printing every entry, with an outer variable read inside', async () => {
    const prog = `BEGIN { @m[1] = 10; @m[2] = 20; @m[-3] = 30; $base = 100; $tag = "t";
      for ($kv : @m) { printf("%s %d %d %d\\n", $tag, $kv.0, $kv.1, $base + $kv.1); }
      printf("base %d\\n", $base); exit(); }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stderr, '');
    assert.equal(printed(r.stdout), ['base 100', 't -3 30 130', 't 1 10 110', 't 2 20 120']);
  });

  test('break stops after the first entry, continue skips one', async () => {
    const prog = `BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3;
      for ($kv : @m) { @first++; printf("one\\n"); break; printf("never\\n"); }
      for ($kv : @m) { if ($kv.0 == 2) { continue; } @rest += $kv.1; }
      exit(); }`;
    const r = await runScry(['-q', '-e', prog]);
    // the printf after break never runs, which bpftrace v0.26 warns of when compiling
    assert.match(r.stderr, /^stdin:2:58-75: WARNING: Unreachable statement\.\n/);
    assert.equal(printed(r.stdout), ['one']);
    assert.ok(r.stdout.includes('\n@first: 1\n'), r.stdout);
    assert.ok(r.stdout.includes('\n@rest: 4\n'), r.stdout);
  });

  test('multi-key maps: the key is a tuple of the keys', async () => {
    const prog = `BEGIN { @k["a", 2] = 7; @k["bb", 1] = 3;
      for ($kv : @k) { printf("%s/%d=%d\\n", $kv.0.0, $kv.0.1, $kv.1); @t[$kv.0.1, $kv.0.0] = $kv.1 * 2; }
      exit(); }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stderr, '');
    assert.equal(printed(r.stdout), ['a/2=7', 'bb/1=3']);
    assert.ok(r.stdout.includes('@t[1, bb]: 6\n@t[2, a]: 14\n'), r.stdout);
  });

  test('a count() map: each key with its count', async () => {
    const prog = `BEGIN { @c["x"] = count(); @c["x"] = count(); @c["y"] = count();
      for ($kv : @c) { printf("%s %d\\n", $kv.0, $kv.1); @total += $kv.1; } exit(); }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stderr, '');
    assert.equal(printed(r.stdout), ['x 2', 'y 1']);
    assert.ok(r.stdout.includes('\n@total: 3\n'), r.stdout);
  });

  test('nested loops, and exit() inside a loop ends the probe', async () => {
    const prog = `BEGIN { @a[1] = 1; @a[2] = 2; @b[10] = 10; @b[20] = 20; $w = 1000;
      for ($x : @a) { for ($y : @b) { @pairs[$x.0, $y.0] = $x.1 + $y.1 + $w; } }
      for ($x : @a) { printf("exiting\\n"); exit(); }
      printf("not reached\\n"); }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stderr, '');
    assert.equal(printed(r.stdout), ['exiting']);
    for (const line of ['@pairs[1, 10]: 1011', '@pairs[1, 20]: 1021', '@pairs[2, 10]: 1012', '@pairs[2, 20]: 1022'])
      assert.ok(r.stdout.includes(`${line}\n`), r.stdout);
  });

  test('strings too big for the stack, in keys, values and outer variables', async () => {
    const long = 'x'.repeat(60);
    const prog = `BEGIN { @s["${long}", "k2"] = "${long}v"; $o = "${long}o";
      for ($kv : @s) { printf("%s|%s|%s|%s\\n", $kv.0.0, $kv.0.1, $kv.1, $o); } exit(); }`;
    const r = await runScry(['-q', '-e', prog]);
    assert.is(r.stderr, '');
    assert.equal(printed(r.stdout), [`${long}|k2|${long}v|${long}o`]);
  });

  test('the body adds into an outer variable; the sum is there after the loop (bpftrace v0.26)', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $n = 0; @m[1] = 5; @m[2] = 7; for ($kv : @m) { $n += $kv.1; } printf("%d\\n", $n); clear(@m); exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.equal(printed(r.stdout), ['12']);
  });
}

if (requireTracepoint('e2e for-map tracepoint', 'syscalls/sys_enter_mkdir')) {
  test('the loop body reads the probe context (args) like the rest of the probe', async () => {
    const prog = `tracepoint:syscalls:sys_enter_mkdir /comm == "node"/ { @calls[pid] = count();
      for ($kv : @calls) { if ($kv.0 == pid) { @mode[pid, args->mode] = $kv.1; } } }`;
    const s = startScry(['-e', prog], { [NOTIFY]: '1' });
    await s.waitForStdout(NOTIFY);
    const dir = mkdtempSync(join(tmpdir(), 'scry-formap-'));
    const c = spawnSync(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); for (let i = 0; i < 3; i++) fs.mkdirSync('${dir}/d' + i, 0o701); process.stdout.write(String(process.pid))`,
      ],
      {
        encoding: 'utf8',
      },
    );
    rmSync(dir, { recursive: true, force: true });
    s.child.kill('SIGINT');
    const r = await s.finished;
    assert.is(r.code, 0, r.stderr);
    // count() is per CPU; the loop adds up every CPU's share: exactly the 3 mkdirs
    const m = new RegExp(`@mode\\[${c.stdout.trim()}, 449\\]: 3\\n`).exec(r.stdout);
    assert.ok(m, r.stdout);
  });
}

test.run();
