// The REPL as a person uses it, through a pseudo-terminal (test/helpers/pty.ts): type a one-liner, see its
// output, read a map while it fills, Ctrl-C back to the prompt (END runs, maps print), Tab completion,
// errors with their underline, a block typed over several lines, several programs at once, history.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';
import { spawnPty, type Pty } from '../helpers/pty.ts';

const REPL = suite('repl');

let home = '';
let pty: Pty;
let dirs = 0;
/** in the directory names and the predicates, so other processes' mkdirs never count */
let tag = '';

/** Makes (and removes) a directory, so sys_enter_mkdir fires for this process (`node`). */
function mkdir(): string {
  const d = join(home, `${tag}-${++dirs}`);
  mkdirSync(d);
  rmSync(d, { recursive: true });
  return d;
}

/**
 * After attaching a program to a syscall tracepoint that already has one (another program here, or another
 * scry running meanwhile), this kernel (6.18) takes a few tens of milliseconds before the new one fires:
 * a mkdir made at once is missed. Seen with raw sessions too; wait that out before making directories.
 */
const settle = () => new Promise((r) => setTimeout(r, 200));

/** Types a line and waits for what it should show, after what was there before. */
async function enter(line: string, expect: string | RegExp): Promise<number> {
  const m = pty.mark();
  pty.type(`${line}\r`);
  await pty.waitFor(expect, m);
  return m;
}

/** The scry process under the relay, and how many fds it has open. */
function scryFds(): number {
  const relay = pty.child.pid!;
  const child = readFileSync(`/proc/${relay}/task/${relay}/children`, 'utf8').trim().split(/\s+/)[0];
  return readdirSync(`/proc/${child}/fd`).length;
}

REPL.before(async () => {
  home = mkdtempSync(join(tmpdir(), 'scry-repl-'));
  tag = `made${process.pid}`;
  pty = spawnPty([process.execPath, scryBin], { env: { HOME: home } });
  await pty.waitFor(/scry>$/);
});

REPL.after(async () => {
  pty.kill();
  await pty.exited;
  rmSync(home, { recursive: true, force: true });
});

REPL(
  'a one-liner runs, its output streams above the prompt, @x reads a map while it fills, Ctrl-C stops it',
  async () => {
    await enter('.list', 'no programs running'); // the REPL has settled (its history file is open)
    const fdsIdle = scryFds();
    await enter(
      `tracepoint:syscalls:sys_enter_mkdir /strcontains(str(args.pathname), "${tag}")/ { printf("mkdir %s\\n", str(args.pathname)); @n[comm] = count(); } END { printf("the end\\n"); }`,
      '[1] Attached 2 probes',
    );
    await settle();
    const d = mkdir();
    await pty.waitFor(`mkdir ${d}`);
    await enter('@n', '@n[node]: 1');
    mkdir();
    await enter('print(@n)', '@n[node]: 2');
    const m = pty.mark();
    pty.type('\x03');
    await pty.waitFor(/the end\n\n\n@n\[node\]: 2\nscry>$/, m);
    await enter('.list', /no programs running|kept maps: @n \(from \[1\]\)/);
    assert.is(scryFds(), fdsIdle, 'the stopped program left fds open');
    // its maps stay readable after it stopped
    await enter('@n', /\[1\] \(stopped\)\n@n\[node\]: 2/);
  },
);

REPL('Tab completes tracepoint events: the common part first, then the list', async () => {
  const m = pty.mark();
  pty.type('tracepoint:syscalls:sys_enter_mkd\t');
  await pty.waitFor('sys_enter_mkdir', m);
  pty.type('\t');
  await pty.waitFor(/sys_enter_mkdir\s+sys_enter_mkdirat/, m);
  // Ctrl-C on a line being typed clears it and stays
  pty.type('\x03');
  await enter('.list', /no programs running|kept maps/);
});

REPL('Tab completes providers, builtins, map names, and tracepoint fields after args->', async () => {
  let m = pty.mark();
  pty.type('tracep\t');
  await pty.waitFor('tracepoint:', m);
  pty.type('\x03');
  m = pty.mark();
  pty.type('tracepoint:syscalls:sys_enter_openat { @opens = count(); printf("%s", str(args->filen\t');
  await pty.waitFor('args->filename', m);
  pty.type('\x03');
  m = pty.mark();
  pty.type('BEGIN { @x = nse\t');
  await pty.waitFor('@x = nsecs', m);
  pty.type('\x03');
});

REPL('a mistake prints with its underline and the session goes on', async () => {
  await enter(
    'BEGIN { @x = nosuchfunction(1); }',
    /stdin:1:14-\d+: ERROR: [^\n]*\nBEGIN \{ @x = nosuchfunction\(1\); \}\n {13}~+/,
  );
  await enter('.list', /no programs running|kept maps/);
});

REPL('a block continues over several lines while it is open', async () => {
  let m = pty.mark();
  pty.type('BEGIN {\r');
  await pty.waitFor(/\.\.\.$/, m);
  m = pty.mark();
  pty.type('printf("two lines\\n"); exit(); }\r');
  await pty.waitFor('two lines', m);
  await pty.waitFor(/\[\d+\] ended/, m);
});

REPL('several programs at once: .list, .stop N, .clear @x', async () => {
  await enter(
    `tracepoint:syscalls:sys_enter_mkdir /strcontains(str(args.pathname), "${tag}")/ { @a = count(); }`,
    /\[(\d+)\] Attached 1 probe/,
  );
  await enter(
    `tracepoint:syscalls:sys_enter_mkdir /strcontains(str(args.pathname), "${tag}")/ { @b = count(); }`,
    /\[(\d+)\] Attached 1 probe/,
  );
  await settle();
  mkdir();
  const listed = await enter('.list', /\[\d+\] running[^\n]*@b[^\n]*\n/);
  const ids = [
    ...pty
      .text()
      .slice(listed)
      .matchAll(/\[(\d+)\] running/g),
  ].map((x) => Number(x[1]));
  assert.is(ids.length, 2, pty.text().slice(listed));
  await enter('@a', '@a: 1');
  await enter('.clear @a', 'cleared @a');
  await enter('@a', '@a is empty');
  mkdir();
  await enter(`.stop ${ids[0]}`, '@a: 1');
  const after = await enter('.list', /running/);
  assert.not.match(pty.text().slice(after), new RegExp(`\\[${ids[0]}\\] running`));
  await enter('.stop all', '@b: 2');
  await enter('.list', /no programs running|kept maps/);
});

REPL('exploring: .probes, .args, .bytecode, .help; unknown things say so', async () => {
  await enter(
    '.probes tracepoint:syscalls:sys_enter_mkdir*',
    /tracepoint:syscalls:sys_enter_mkdir\ntracepoint:syscalls:sys_enter_mkdirat\n/,
  );
  await enter(
    '.args tracepoint:syscalls:sys_enter_mkdir',
    /tracepoint:syscalls:sys_enter_mkdir\n {4}int __syscall_nr\n {4}const char \* pathname\n {4}umode_t mode\n/,
  );
  await enter('BEGIN { @x = 1 + 2; exit(); }', /ended/);
  await enter('.bytecode', /BEGIN:\n; BEGIN \{ @x = 1 \+ 2; exit\(\); \}\n\s+0: /);
  await enter('.probes uprobe:/bin/bash:readlin*', /uprobe:\/bin\/bash:readline\n/);
  await enter('.probes uprobe:/no/such/bin:*', 'cannot read the functions of /no/such/bin');
  await enter('.type list_head', /struct list_head \{\n\s+struct list_head \*next;\n\s+struct list_head \*prev;\n\};/);
  await enter('.info', /[Kk]ernel/);
  await enter(`.save ${join(home, 'last.bt')}`, 'saved to');
  assert.is(readFileSync(join(home, 'last.bt'), 'utf8'), 'BEGIN { @x = 1 + 2; exit(); }\n');
  await enter(`.load ${join(home, 'last.bt')}`, /\[\d+\] ended/);
  await enter('.help', '.stop [N|all]');
});

REPL('Ctrl-D at an idle prompt leaves, and the history is kept in ~/.scry_history', async () => {
  pty.type('\x04');
  assert.is(await pty.exited, 0);
  const history = readFileSync(join(home, '.scry_history'), 'utf8');
  assert.match(history, '.probes tracepoint:syscalls:sys_enter_mkdir*');
});

if (requireTracepoint('repl', 'syscalls/sys_enter_mkdir')) REPL.run();
