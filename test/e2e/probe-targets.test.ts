// uprobe/usdt target forms and user-probe listings as bpftrace v0.26 has them, on the C fixtures the tests
// build: `*` (or an empty binary) with -p is every file the process maps, wildcard file paths, usdt::p,
// usdt:bin::p, -l with a wildcard provider or -p, the binary shown as written, and two probes on one
// function firing in the order written. Pinned: bpftrace v0.26 (runtime tests uprobe, usdt, probe.*_order);
// bpftrace 0.17 has the `*`-with--p form and program order too, but prints the resolved path.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { fixtures, runTarget } from '../helpers/fixtures.ts';
import { requireRoot } from '../helpers/kernel.ts';

const f = requireRoot('e2e probe targets') ? fixtures('e2e probe targets') : undefined;

if (f) {
  /** scry -p on a fixture that waits for a line, runs `args`, then waits again. */
  async function inProcess(bin: string, args: string[], scryArgs: string[], until: string) {
    const target = runTarget(bin, ['wait', ...args, 'wait']);
    const scry = startScry(['-p', String(target.pid), ...scryArgs], { [NOTIFY]: '1' });
    try {
      await scry.waitForStdout(NOTIFY);
      target.send();
      await scry.waitForStdout(until);
      scry.child.kill('SIGINT');
      return { ...(await scry.finished), pid: target.pid };
    } finally {
      target.kill();
    }
  }

  test('uprobe:*:func with -p attaches in every file the process maps; probe shows the mapped path', async () => {
    const r = await inProcess(f.pie, ['add', '1'], ['-e', 'uprobe:*:add { printf("[%s]\\n", probe); exit(); }'], ']');
    assert.match(r.stdout + r.stderr, 'Attached 1 probe');
    assert.match(r.stdout, `[uprobe:${f.pie}:add]`);
  });

  test('usdt with an empty binary and provider (usdt:::plain) and usdt:* with -p', async () => {
    const a = await inProcess(f.pie, ['usdt', '1'], ['-e', 'usdt:::plain { printf("[%s]\\n", probe); exit(); }'], ']');
    assert.match(a.stdout, `[usdt:${f.pie}:scry:plain]`);
    const b = await inProcess(f.pie, ['usdt', '1'], ['-e', 'usdt:* { @[probe] = count(); }'], NOTIFY);
    assert.match(b.stdout + b.stderr, 'Attached 4 probes');
  });

  // bpftrace v0.26 uprobe_parser / usdt_parser: "For PID, the target may be skipped"
  test('with -p the binary may be left out: uprobe:func is in the executable, usdt:probe in any file mapped', async () => {
    const a = await inProcess(f.pie, ['add', '1'], ['-e', 'uprobe:add { printf("[%s]\\n", probe); exit(); }'], ']');
    assert.match(a.stdout, `[uprobe:${f.pie}:add]`);
    const b = await inProcess(f.pie, ['usdt', '1'], ['-e', 'usdt:plain { printf("[%s]\\n", probe); exit(); }'], ']');
    assert.match(b.stdout, `[usdt:${f.pie}:scry:plain]`);
  });

  test('a wildcard file path attaches in each ELF file it matches, shown as written', async () => {
    const dir = join(f.dir, 'glob');
    mkdirSync(dir, { recursive: true });
    copyFileSync(f.pie, join(dir, 'tgt-a'));
    copyFileSync(f.nopie, join(dir, 'tgt-b'));
    copyFileSync(f.lib, join(dir, 'tgt-lib.so'));
    const r = await runScry([
      '-c',
      `${join(dir, 'tgt-b')} add 1`,
      '-e',
      `uprobe:${dir}/tgt-?:add { printf("[%s]\\n", probe); }`,
    ]);
    assert.match(r.stdout + r.stderr, 'Attached 2 probes');
    assert.match(r.stdout, `[uprobe:${dir}/tgt-b:add]`);
    // usdt:bin::probe is any provider
    const u = await runScry(['-c', `${f.pie} usdt 1`, '-e', `usdt:${dir}/tgt-*::plain { printf("[%s]\\n", probe); }`]);
    assert.match(u.stdout + u.stderr, 'Attached 2 probes');
  });

  test('the probe builtin shows the binary as written, not as resolved', async () => {
    const written = `${f.dir}/./uprobe-target`;
    const r = await runScry(['-c', `${f.pie} add 1`, '-e', `uprobe:${written}:add { print(probe); }`]);
    assert.match(r.stdout, `uprobe:${written}:add\n`);
  });

  test('two probes on one function fire in the order written (uprobe, uretprobe, usdt)', async () => {
    for (const [p, fn] of [
      ['uprobe', 'add'],
      ['uretprobe', 'add'],
      ['usdt', 'scry:plain'],
    ] as const) {
      const cmd = fn === 'add' ? 'add 1' : 'usdt 1';
      const r = await runScry([
        '-c',
        `${f.pie} ${cmd}`,
        '-e',
        `${p}:${f.pie}:${fn} { printf("first"); } ${p}:${f.pie}:${fn} { printf(" second\\n"); exit(); }`,
      ]);
      assert.match(r.stdout, 'first second', `${p}: ${r.stdout}${r.stderr}`);
    }
  });

  test('-l lists user probes by wildcard file, wildcard provider and -p, the binary as written', async () => {
    const a = await runScry(['-l', `*:${f.pie}:*`]);
    const lines = a.stdout.split('\n');
    assert.ok(lines.includes(`uprobe:${f.pie}:add`), a.stdout);
    assert.ok(lines.includes(`usdt:${f.pie}:scry:plain`), a.stdout);
    const b = await runScry(['-l', `usdt:${f.dir}/uprobe-target*::plain`]);
    assert.ok(b.stdout.split('\n').includes(`usdt:${f.pie}:scry:plain`), b.stdout);
    const target = runTarget(f.pie, ['wait']);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const c = await runScry(['-l', 'uprobe:*', '-p', String(target.pid)]);
      assert.ok(c.stdout.split('\n').includes(`uprobe:${f.pie}:add`), c.stdout);
      assert.not.match(c.stdout, 'uprobe-target-nopie');
      const d = await runScry(['-l', '-p', String(target.pid)]);
      assert.ok(d.stdout.split('\n').includes(`usdt:${f.pie}:scry:tick`), d.stdout);
    } finally {
      target.kill();
    }
  });

  test('func in uprobes and uretprobes is the function name (a string)', async () => {
    for (const p of ['uprobe', 'uretprobe']) {
      const r = await runScry(['-c', `${f.pie} add 1`, '-e', `${p}:${f.pie}:add { printf("[%s]\\n", func); exit(); }`]);
      assert.match(r.stdout, '[add]\n', `${p}: ${r.stderr}`);
    }
  });

  test('a uprobe address is hex or decimal and must be inside a function (bpftrace v0.26 uprobe_address_fail_resolve)', async () => {
    const r = await runScry(['-e', `uprobe:${f.pie}:10 { exit(); }`]);
    assert.match(r.stderr, `ERROR: Could not resolve address: ${f.pie}:0xa`);
    assert.is(r.code, 1);
  });

  test('a member stored in a zip archive (app.zip!/bin) attaches at its offset in the archive', async () => {
    const zip = join(f.dir, 'app.zip');
    writeFileSync(zip, storedZip('bin/target', readFileSync(f.pie)));
    const r = await runScry(['-e', `uprobe:"${zip}!/bin/target":add { } BEGIN { exit(); }`]);
    assert.match(r.stdout + r.stderr, 'Attached 2 probes');
    assert.is(r.code, 0, r.stderr);
    const l = await runScry(['-l', `uprobe:${zip}!/bin/target:add`]);
    assert.is(l.stdout, `uprobe:${zip}!/bin/target:add\n`);
    const missing = await runScry(['-e', `uprobe:"${zip}!/nope":add { }`]);
    assert.match(missing.stderr, `${zip} has no member nope`);
  });

  test('software counts take the scientific form; probe names the event as written, the count in decimal (v0.26)', async () => {
    const r = await runScry(['-e', 'software:cpu:1e6 { print(probe); exit(); }']);
    assert.match(r.stdout, 'software:cpu:1000000\n');
    assert.is(r.code, 0);
  });
}

/** A zip archive holding one member stored as is (method 0), as `zip -0` writes it. */
function storedZip(name: string, data: Buffer): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + n.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + n.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

test.run();
