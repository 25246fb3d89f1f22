// The live view in a real terminal (test/helpers/pty.ts): panels and a status line while the program runs,
// `q` to quit, then the same plain text scry prints without the view. Off a terminal Ink never loads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry, scryBin } from '../../helpers/cli.ts';
import { checkFdLeaks, requireTracepoint } from '../../helpers/kernel.ts';
import { compileText } from '../../helpers/pipeline.ts';
import { hostKernelInfo, Session } from '../../../runtime/index.ts';
import { buildPanel } from '../../../repl/view/model.ts';
import { mapReader } from '../../../repl/view/reader.ts';
import { spawnPty } from '../../helpers/pty.ts';

const LIVE = suite('live view');

let dir = '';
let hook = '';
const tag = `live${process.pid}`;
const program = `tracepoint:syscalls:sys_enter_mkdir /strcontains(str(args.pathname), "${tag}")/ {
  @dirs[str(args.pathname)] = count(); @len = hist(strlen(str(args.pathname))); printf("made %s\\n", str(args.pathname));
} END { printf("bye\\n"); }`;

/** A new program on a busy syscall tracepoint misses events for a few tens of ms (see test/repl/repl.test.ts). */
const settle = () => new Promise((r) => setTimeout(r, 200));

function mkdirs(): string[] {
  return [1, 2, 3].map((i) => {
    const d = join(dir, `${tag}-${i}`);
    mkdirSync(d);
    rmSync(d, { recursive: true });
    return d;
  });
}

LIVE.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scry-live-'));
  // reports on stderr when the CLI loads the live view (dist/scry-view-import.cjs)
  hook = join(dir, 'hook.cjs');
  writeFileSync(
    hook,
    `const M = require('node:module'); const load = M._load;
M._load = function (request, ...rest) { if (/scry-view-import/.test(request)) process.stderr.write('LOADED-LIVE-VIEW\\n'); return load.call(this, request, ...rest); };`,
  );
});

LIVE.after(() => rmSync(dir, { recursive: true, force: true }));

LIVE(
  'in a terminal the maps are panels with a status line; q quits and the final print is the plain text',
  async () => {
    const view = spawnPty([process.execPath, scryBin, '--refresh', '100', '-e', program], { cols: 100, rows: 30 });
    await view.waitFor(/\d+ probes · [\d.]+k? events\/s · 0 lost/);
    await settle();
    const made = mkdirs();
    await view.waitFor('@dirs  count · 3 keys');
    await view.waitFor(`made ${made[2]}`);
    // the histogram of name lengths, rescaled to the panel's width
    await view.waitFor(new RegExp(`@len  hist · 1 key\\n\\[\\d+, \\d+\\) +3 \\|█{60,}\\|`));
    view.type('q');
    assert.is(await view.exited, 0);

    // the same, without the view, stopped with Ctrl-C
    const plain = spawnPty([process.execPath, scryBin, '--no-view', '-e', program], { cols: 100, rows: 30 });
    await plain.waitFor('Attached 2 probes');
    await settle();
    mkdirs();
    await plain.waitFor(`made ${made[2]}`);
    plain.type('\x03');
    assert.is(await plain.exited, 0);

    const final = (screen: string) => screen.slice(screen.indexOf('bye\n'));
    assert.ok(final(plain.text()).startsWith('bye\n\n\n@dirs['), plain.text());
    assert.is(final(view.text()), final(plain.text()));
    // and what the view printed above itself is what plain output prints
    assert.is(view.text(), plain.text().replace('^C', ''));
  },
);

LIVE('a program that ends by itself (exit()) closes the view, and its final print is plain text', async () => {
  const view = spawnPty([
    process.execPath,
    scryBin,
    '--refresh',
    '100',
    '-e',
    'interval:ms:50 { @ticks = count(); } interval:ms:800 { exit(); } END { printf("bye\\n"); }',
  ]);
  assert.is(await view.exited, 0);
  assert.match(view.text(), /^Attached 3 probes\nbye\n\n\n@ticks: 1[0-9]$/);
});

LIVE(
  'a map with 100k keys: read off the main thread, a panel of its top rows, keys and the clock stay live',
  async () => {
    const view = spawnPty(
      [
        process.execPath,
        scryBin,
        '--refresh',
        '100',
        '-e',
        'config = { max_map_keys = 200000 } tracepoint:syscalls:sys_enter_getppid /comm == "python3"/ { @k[nsecs] = count(); @n = count(); }',
      ],
      { cols: 100, rows: 20 },
    );
    try {
      await view.waitFor(/probes? · /);
      await settle();
      spawnSync('python3', ['-c', 'import os\nfor i in range(100000): os.getppid()']);
      // its top rows, and the rest counted: `… 99983 more rows`
      await view.waitFor(/@k  count · 1\d{5} keys\n[^@]*… \d{5,} more rows\n/, 0, 20_000);
      // while the worker reads the map again, a key is answered at once and the clock goes on
      const m = view.mark();
      const t0 = Date.now();
      view.type('p');
      await view.waitFor('PAUSED', m, 2_000);
      assert.ok(Date.now() - t0 < 1_000, `p took ${Date.now() - t0} ms`);
      const clock = () =>
        view
          .text()
          .match(/lost · (\d+:\d\d)/g)
          ?.pop();
      const before = clock();
      await new Promise((r) => setTimeout(r, 1_200));
      assert.is.not(clock(), before);
      view.type('q');
      assert.is(await view.exited, 0);
      assert.match(view.text(), /\n@n: 1\d{5}$/);
    } finally {
      view.kill(); // a failed wait leaves the view running
    }
  },
);

LIVE('off a terminal (a pipe, -f json, --no-view) the live view is never loaded', async () => {
  const env = { NODE_OPTIONS: `--require ${hook}` };
  const args = ['-e', 'interval:ms:50 { @n = count(); exit(); }'];
  const piped = await runScry(args, env);
  assert.is(piped.code, 0);
  assert.match(piped.stdout, '@n: 1');
  assert.not.match(piped.stderr, 'LOADED-LIVE-VIEW');
  for (const extra of [['-f', 'json'], ['--no-view']]) {
    const t = spawnPty([process.execPath, scryBin, ...extra, ...args], { env });
    assert.is(await t.exited, 0);
    assert.not.match(t.text(), 'LOADED-LIVE-VIEW', extra.join(' '));
    assert.match(t.text(), extra[0] === '-f' ? '{"type": "map", "data": {"@n": 1}}' : '@n: 1');
  }
  // the control: in a terminal, with maps, it is
  const t = spawnPty([process.execPath, scryBin, ...args], { env });
  assert.is(await t.exited, 0);
  assert.match(t.text(), 'LOADED-LIVE-VIEW');
});

const READER = suite('live view: map reader');
checkFdLeaks(READER);

for (const symbolic of [true, false])
  READER(
    `the worker reads the same panels as the session does on this thread (enum names ${symbolic ? 'on' : 'off, as -f json'}), and leaves no fd open`,
    async () => {
      const s = Session.start(
        compileText(
          // the interval probe keeps the session running (a BEGIN-only program ends by itself, as in bpftrace v0.26)
          'enum Colour { RED = 1, BLUE = 2 } BEGIN { @a[1] = count(); @a[2] = count(); @a[2] = count(); @h = hist(100); @s = stats(3); @t["x"] = "y"; @e = (enum Colour)2; } interval:s:3600 { }',
          hostKernelInfo(),
        ),
        {
          sink: { event() {}, end() {} },
          symbolic,
        },
      );
      const reader = mapReader(s);
      try {
        const off = await reader.read(s.mapNames(), 10);
        assert.ok(off.offThread, 'read on the main thread');
        assert.equal(
          off.panels,
          s.mapNames().map((n) => buildPanel(s.snapshot(n)!, 10)),
        );
        assert.equal(
          off.panels.map((p) => p.name),
          ['@a', '@e', '@h', '@s', '@t'],
        );
        // the options reached the worker: the enum value prints as the session prints it
        const e = off.panels.find((p) => p.name === '@e');
        assert.match(
          JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
          symbolic ? 'BLUE' : /"2"/,
        );
      } finally {
        await reader.close();
        await s.stop();
      }
    },
  );

if (requireTracepoint('live view', 'syscalls/sys_enter_mkdir')) {
  LIVE.run();
  READER.run();
}
