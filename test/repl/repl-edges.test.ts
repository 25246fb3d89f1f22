// REPL edges, through a pseudo-terminal (test/helpers/pty.ts): keys that arrive in one read (Tab Tab pressed
// quickly), warnings of a program that runs, dot commands scry does not have, statements typed outside a
// probe, and two REPLs sharing one history file. bpftrace has no REPL: what is pinned here is scry's own
// behaviour, with bpftrace's meaning of the statements (clear, zero, delete, print of a map).
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
  const p = spawnPty([process.execPath, scryBin], { env: { HOME: home } });
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
EDGES('Tab Tab arriving in one read completes, before and after a program ran and was stopped with Ctrl-C', async () => {
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
});

// Issue 10 item 15 (the REPL half): a program that compiles with warnings runs, and the warnings show first.
EDGES('warnings of a program that compiles are printed, with their location, and it runs', async () => {
  const m = await enter('config = { max_probes = 5 } BEGIN { printf("ran\\n"); exit(); }', /\[\d+\] ended/);
  assert.match(
    pty.text().slice(m),
    /stdin:1:12: WARNING: config max_probes [^\n]*\nconfig = \{ max_probes = 5 \} BEGIN \{ printf\("ran\\n"\); exit\(\); \}\n {11}~{14}\n[^]*ran\n/,
  );
});

if (requireTracepoint('repl edges', 'syscalls/sys_enter_mkdir')) EDGES.run();
