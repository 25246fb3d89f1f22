// REPL edges, through a pseudo-terminal (test/helpers/pty.ts): keys that arrive in one read (Tab Tab pressed
// quickly), warnings of a program that runs, dot commands scry does not have, statements typed outside a
// probe, and two REPLs sharing one history file. bpftrace has no REPL: what is pinned here is scry's own
// behaviour, with bpftrace's meaning of the statements (clear, zero, delete, print of a map).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';
import { spawnPty, type Pty } from '../helpers/pty.ts';

const EDGES = suite('repl edges');

let home = '';
let pty: Pty;

async function startRepl(): Promise<Pty> {
  const p = spawnPty([process.execPath, scryBin], { cols: 200, env: { HOME: home } });
  await p.waitFor(/scry>$/);
  return p;
}

/** Types a line and waits for what it should show, after what was there before. */
async function enter(line: string, expect: string | RegExp, on: Pty = pty): Promise<number> {
  const m = on.mark();
  on.type(`${line}\r`);
  await on.waitFor(expect, m);
  return m;
}

/** Types a line and returns what the REPL answered to it: the text between its echo and the next prompt. */
async function answer(line: string, on: Pty = pty): Promise<string> {
  const m = on.mark();
  on.type(`${line}\r`);
  const echo = `scry> ${line}\n`;
  await on.waitFor(new RegExp(`${echo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^]*scry>$`), m);
  const t = on.text().slice(m);
  return t.slice(t.indexOf(echo) + echo.length, t.lastIndexOf('scry>'));
}

/** The prompt is back and idle: a command answered after everything typed before it. */
const settled = () => enter('.list', /no programs running|kept maps|running/);

EDGES.before(async () => {
  home = mkdtempSync(join(tmpdir(), 'scry-repl-edges-'));
  pty = await startRepl();
});

EDGES.after(async () => {
  pty.kill();
  await pty.exited;
  rmSync(home, { recursive: true, force: true });
});

// Issue 10 item 8. readline takes keys that arrive in one read for pasted text and used to insert the
// first Tab as a tab character, so the second completed an empty word after it: providers were listed.
EDGES(
  'Tab Tab arriving in one read completes, before and after a program ran and was stopped with Ctrl-C',
  async () => {
    const tabTab = async () => {
      const m = pty.mark();
      pty.type('tracepoint:syscalls:sys_enter_mkd\t\t'); // one write: one read by the REPL
      await pty.waitFor(/sys_enter_mkdir\s+sys_enter_mkdirat\n/, m);
      const shown = pty.text().slice(m);
      assert.not.match(shown, 'BEGIN', shown);
      await pty.waitFor(/scry> tracepoint:syscalls:sys_enter_mkdir$/, m);
      pty.type('\x03');
      await settled();
    };
    await tabTab();
    await enter('interval:ms:100 { @ticks = count(); }', /\[\d+\] Attached 1 probe/);
    await new Promise((r) => setTimeout(r, 300));
    let m = pty.mark();
    pty.type('\x03');
    await pty.waitFor(/@ticks: \d+\nscry>$/, m);
    await tabTab();
    // a pasted block keeps its indentation: a tab after a newline or inside a string is text, not a completion
    m = pty.mark();
    pty.type('BEGIN {\r\tprintf("a\\tb\tc\\n");\r\texit();\r}\r');
    await pty.waitFor(/\[\d+\] ended/, m);
    assert.match(pty.text().slice(m), /a\s+b\s+c\n/);
    assert.not.match(pty.text().slice(m), /ERROR/);
  },
);

// Issue 10 item 15 (the REPL half): a program that compiles with warnings runs, and the warnings show first.
EDGES('warnings of a program that compiles are printed, with their location, and it runs', async () => {
  const m = await enter('config = { log_size = 5 } BEGIN { printf("ran\\n"); exit(); }', /\[\d+\] ended/);
  assert.match(
    pty.text().slice(m),
    /stdin:1:12-\d+: WARNING: config log_size [^\n]*\nconfig = \{ log_size = 5 \} BEGIN \{ printf\("ran\\n"\); exit\(\); \}\n {11}~{12}\n[^]*ran\n/,
  );
});

// Issue 10 item 14: node answered `.frob` with "Invalid REPL keyword".
EDGES('a dot command scry does not have: scry says so, names the nearest one and .help', async () => {
  assert.is(await answer('.frob'), 'unknown command .frob (the nearest is .probes); .help lists the commands\n');
  await enter('.stp', 'unknown command .stp (the nearest is .stop); .help lists the commands');
  assert.not.match(pty.text(), 'Invalid REPL keyword');
});

// Issue 10 item 14: a statement typed outside a probe used to open the `...` continuation prompt, and the
// next line then failed with a syntax error about both. Map statements run on the REPL's maps (bpftrace's
// meaning of clear/zero/delete/print); anything else is refused in one line and the prompt stays fresh.
EDGES(
  "map statements at the prompt run on a stopped program's maps; other statements are refused in one line",
  async () => {
    await enter(
      'BEGIN { @x[1] = 5; @x[2] = 7; @s["a"] = count(); @h = hist(100); @w[1] = "hello"; exit(); }',
      /\[\d+\] ended/,
    );
    await enter('delete(@x[1])', 'deleted @x[1]');
    assert.match(await answer('@x'), /^\[\d+\] \(stopped\)\n@x\[2\]: 7\n$/);
    await enter('delete(@x, 9)', 'delete(@x, 9): no such entry');
    await enter('delete(@s[1, 2])', '@s has 1 key, not 2');
    await enter('zero(@s); print(@s)', /zeroed @s\n\[\d+\] \(stopped\)\n@s\[a\]: 0\n/);
    await enter('zero(@h)', 'zeroed @h');
    await enter('zero(@w)', 'zeroed @w'); // strings become empty, as on a live map
    assert.match(await answer('@w'), /^\[\d+\] \(stopped\)\n@w\[1\]:\n$/);
    await enter('clear(@x)', 'cleared @x');
    await enter('@x', '@x is empty');
    assert.match(await answer('clear(@nosuch)'), /^no map @nosuch \(maps: @h @s [^)]*@x\)\n$/);
    for (const [line, reason] of [
      ['foo', 'foo: not a probe, a command or a map statement'],
      [
        '@y = 1',
        '@y = 1: statements run inside a probe, e.g. BEGIN { … }; at the prompt only print, clear, zero and delete of a map run',
      ],
      ['printf("hi\\n")', 'printf("hi\\n"): printf() runs inside a probe'],
      ['delete(@x[$k])', 'delete(@x[$k]): at the prompt, delete() takes keys written as numbers or strings'],
    ] as const) {
      const shown = await answer(line);
      assert.ok(shown.startsWith(reason) && shown.split('\n').length === 2, shown);
    }
    // the line after a refused one is read afresh
    await enter('.list', /no programs running|kept maps/);
  },
);

EDGES("map statements at the prompt run on a running program's live maps", async () => {
  await enter(
    'BEGIN { @r[1] = 1; @r[2] = 2; @r[3] = 3; } interval:s:100 { @tick = count(); }',
    /\[\d+\] Attached 2 probes/,
  );
  await enter('delete(@r[2])', 'deleted @r[2]');
  assert.is(await answer('@r'), '@r[1]: 1\n@r[3]: 3\n');
  await enter('zero(@r)', 'zeroed @r');
  assert.is(await answer('@r'), '@r[1]: 0\n@r[3]: 0\n');
  await enter('clear(@r)', 'cleared @r');
  await enter('@r', '@r is empty');
  await enter('.stop', /\n@tick: 0\n|scry>$/);
  await enter('.list', /no programs running|kept maps/);
});

// Incomplete input is told by the lexer's brackets and the tokens at the end, not by an error's wording.
EDGES('a probe header or an open block continues on the next line; a string left open does not', async () => {
  let m = pty.mark();
  pty.type('BEGIN\r');
  await pty.waitFor(/\.\.\. $|\.\.\.$/, m);
  m = pty.mark();
  pty.type('{ printf("on the next line\\n"); exit(); }\r');
  await pty.waitFor(/on the next line\n[^]*\[\d+\] ended/, m);
  assert.match(await answer('BEGIN { printf("open); }'), /^stdin:1:16-\d+: ERROR: unterminated string\n/);
});

// Issue 10 item 14: node's history rewrote the whole file from each REPL's memory, so with two REPLs open
// the lines of one were lost (and the file was garbled while both wrote).
EDGES(
  'two REPLs sharing a HOME both keep every line in ~/.scry_history, whole and in order, and a new one recalls them',
  async () => {
    const shared = mkdtempSync(join(tmpdir(), 'scry-repl-history-'));
    try {
      const open = async () => {
        const p = spawnPty([process.execPath, scryBin], { cols: 200, env: { HOME: shared } });
        await p.waitFor(/scry>$/);
        return p;
      };
      const a = await open();
      const b = await open();
      const typed: string[] = [];
      for (let i = 0; i < 5; i++) {
        for (const [who, p] of [
          ['a', a],
          ['b', b],
        ] as const) {
          const line = `@${who}${i}`;
          await answer(line, p);
          typed.push(line);
        }
      }
      for (const p of [a, b]) {
        p.type('\x04');
        assert.is(await p.exited, 0);
      }
      assert.equal(readFileSync(join(shared, '.scry_history'), 'utf8').split('\n'), [...typed, '']);
      // a third REPL recalls the newest line with the Up arrow
      const c = await open();
      const m = c.mark();
      c.type('\x1b[A');
      await c.waitFor(/scry> @b4$/, m);
      c.type('\x03\x04');
      await c.exited;
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  },
);

// Piped input (`scry < script`) gets no prompts, not even the `...` of an open block, and a comment or a #!
// line on its own is nothing to run (it used to be refused as a program without probes).
EDGES('piped input: no continuation prompts, comments are nothing, refusals go to stderr', () => {
  const r = spawnSync(process.execPath, [scryBin], {
    input: '#!/usr/bin/env scry\n// a comment\nBEGIN\n{\n  printf("hi\\n"); exit();\n}\nfoo\n',
    env: { ...process.env, HOME: home },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^hi\n\s*$/);
  assert.match(r.stderr, /^foo: not a probe, a command or a map statement \(\.help lists what runs here\)$/m);
  assert.not.match(r.stderr, 'no probes');
});

if (requireTracepoint('repl edges', 'syscalls/sys_enter_mkdir')) EDGES.run();
