// uprobe, uretprobe and usdt on small C programs the tests build (test/fixtures), through the real CLI:
// PIE and non-PIE executables, a shared library, USDT arguments and semaphores, symbols and errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, cookieReads, keyedMapLines, runScry, startScry } from '../helpers/cli.ts';
import { fixtures, runTarget, tool } from '../helpers/fixtures.ts';
import { breakpointsFire } from '../helpers/breakpoints.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

const f = requireRoot('e2e uprobes') ? fixtures('e2e uprobes') : undefined;

if (f) {
  test('uprobe on a PIE executable sees every call with its arguments', async () => {
    const r = await runScry([
      '-q',
      '-c',
      `${f.pie} add 4`,
      '-e',
      `uprobe:${f.pie}:add /pid == cpid/ { @[arg0, arg1] = count(); }`,
    ]);
    assert.is(r.stdout, 'add 30\n\n\n@[1, 2]: 1\n@[2, 4]: 1\n@[3, 6]: 1\n@[4, 8]: 1\n');
    assert.is(r.code, 0);
  });

  test('uretprobe sees the return value', async () => {
    const r = await runScry([
      '-q',
      '-c',
      `${f.pie} add 5`,
      '-e',
      `uretprobe:${f.pie}:add /pid == cpid/ { @s = sum(retval); @n = count(); }`,
    ]);
    assert.is(r.stdout, 'add 45\n\n\n@n: 5\n@s: 45\n');
  });

  test('a non-PIE executable and a shared library function', async () => {
    const a = await runScry([
      '-q',
      '-c',
      `${f.nopie} add 3`,
      '-e',
      `uprobe:${f.nopie}:add /pid == cpid/ { @n = count(); }`,
    ]);
    assert.is(a.stdout, 'add 18\n\n\n@n: 3\n');
    const b = await runScry([
      '-q',
      '-c',
      `${f.withLib} lib 4`,
      '-e',
      `uprobe:${f.lib}:lib_mul /pid == cpid/ { @[arg0 * arg1] = count(); }`,
    ]);
    assert.is(b.stdout, 'lib 30\n\n\n@[3]: 1\n@[6]: 1\n@[9]: 1\n@[12]: 1\n');
  });

  // bpftrace counts probes, not places: scrylib:dup has two sites (uprobe-lib.c), one attach point, one probe
  // bpftrace 0.17 printed `uprobe:BIN:4198694|uprobeFunction1` for uprobe:BIN:0x401126 (v0.26's AttachPoint::name too)
  test('a uprobe on an address is named by it in decimal, and func is the function holding it', async () => {
    const addr = tool('nm', [f.nopie]).match(/^([0-9a-f]+) T add$/m)?.[1];
    assert.ok(addr, 'add in nm');
    const r = await runScry([
      '-q',
      '-c',
      `${f.nopie} add 1`,
      '-e',
      `uprobe:${f.nopie}:0x${addr} /pid == cpid/ { printf("%s|%s\\n", probe, func); }`,
    ]);
    assert.ok(r.stdout.includes(`\nuprobe:${f.nopie}:${BigInt(`0x${addr}`)}|add\n`), r.stdout + r.stderr);
  });

  test('a USDT probe with two sites fires at both and counts as one attached probe', async () => {
    const r = await runScry([
      '-c',
      `${f.withLib} lib 2`,
      '-e',
      `usdt:${f.lib}:scrylib:dup /pid == cpid/ { @n = count(); }`,
    ]);
    assert.is(r.stderr, 'Attached 1 probe\n');
    assert.match(r.stdout, /\n@n: 4\n$/);
  });

  test('wildcards attach to every matching function', async () => {
    const r = await runScry([
      '-q',
      '-c',
      `${f.pie} add 2 strlen 3`,
      '-e',
      `uprobe:${f.pie}:{add,str_len} /pid == cpid/ { @[probe] = count(); }`.replace('{add,str_len}', '*d*'),
    ]);
    assert.match(r.stdout, `@[uprobe:${f.pie}:add]: 2\n`);
  });

  test('usdt arguments from registers and memory, and the semaphore set while attached', async () => {
    for (const bin of [f.pie, f.nopie]) {
      const r = await runScry([
        '-q',
        '-c',
        `${bin} usdt 3`,
        '-e',
        `usdt:${bin}:scry:tick /pid == cpid/ { printf("%d %d %s\\n", arg0, arg1, str(arg2)); } usdt:${bin}:small /pid == cpid/ { @[arg0, arg1] = count(); }`,
      ]);
      // the fixture's own line ("usdt 3": it saw the semaphore set 3 times) interleaves with scry's output
      const lines = r.stdout.split('\n');
      assert.ok(lines.includes('usdt 3'), r.stdout);
      assert.is(
        lines.filter((l) => l !== 'usdt 3').join('\n'),
        '0 0 zero\n1 2 one\n2 4 two\n\n\n@[0, 7]: 1\n@[1, 7]: 1\n@[2, 7]: 1\n',
        bin,
      );
    }
  });

  test("@[probe] over a usdt wildcard: one code, `probe` from each site's cookie, counts under their names", async () => {
    const r = await runScry([
      '-q',
      '-d',
      'bytecode',
      '-c',
      `${f.pie} usdt 3`,
      '-e',
      `usdt:${f.pie}:scry:* /pid == cpid/ { @[probe] = count(); }`,
    ]);
    assert.is(r.code, 0, r.stderr);
    // four sites, each program reading its cookie (the same code: loaded once, runtime/loader.ts sameCodeKey)
    assert.is(cookieReads(r.stdout), 4, r.stdout);
    const counts = keyedMapLines(r.stdout);
    assert.equal(
      counts,
      ['global', 'plain', 'small', 'tick'].map((p) => `@[usdt:${f.pie}:scry:${p}]: 3`),
    );
  });

  /** Runs a fixture paused on `wait`, traces it with -p, releases it once probes are attached, then stops scry. */
  async function traceLive(
    bin: string,
    args: string[],
    program: string,
    until: string,
    from: 'scry' | 'target' = 'scry',
  ) {
    const target = runTarget(bin, ['wait', ...args, 'wait']);
    const scry = startScry(['-q', '-p', String(target.pid), '-e', program], { [NOTIFY]: '1' });
    try {
      await scry.waitForStdout(NOTIFY);
      target.send();
      if (from === 'scry') await scry.waitForStdout(until);
      else await target.line(until);
      // the target's own line can arrive before scry has drained the last events: give it a moment
      if (from === 'target') await new Promise((r) => setTimeout(r, 200));
      scry.child.kill('SIGINT');
      return await scry.finished;
    } finally {
      target.kill();
    }
  }

  test('a usdt argument addressed through a symbol (-4@leaf_calls(%rip)) reads the variable, PIE or not', async () => {
    for (const bin of [f.pie, f.nopie]) {
      const r = await runScry([
        '-q',
        '-c',
        `${bin} recurse 2 usdt 2`,
        '-e',
        `usdt:${bin}:scry:global /pid == cpid/ { @[arg0] = count(); }`,
      ]);
      assert.equal(
        r.stdout.split('\n').filter((l) => l.startsWith('@')),
        ['@[1]: 2'],
        `${bin}: ${r.stdout}${r.stderr}`,
      );
    }
  });

  test('usym names the function of an address and uaddr finds a symbol (symbols read while the process lives)', async () => {
    const nm = tool('nm', [f.nopie]);
    const add = BigInt(`0x${/^([0-9a-f]+) T add$/m.exec(nm)![1]}`);
    const r = await traceLive(
      f.nopie,
      ['add', '1'],
      `uprobe:${f.nopie}:add { printf("%s %d\\n", usym(reg("ip")), uaddr("add") == ${add}); }`,
      'add 1\n',
    );
    assert.is(r.stdout, `${NOTIFY}\nadd 1\n\n\n`);
  });

  // the fixtures have DWARF: frames end in @file:line in bpftrace mode (v0.26's default show_debug_info)
  test('ustack(4) names the PIE functions on the way down (leaf, recurse, …); ustack(perf) adds the address and file', async () => {
    const r = await traceLive(
      f.pie,
      ['recurse', '2'],
      `uprobe:${f.pie}:leaf { printf("%s", ustack(4)); printf("%s", ustack(perf, 1)); }`,
      '(',
    );
    const m =
      /^__BPFTRACE_NOTIFY_PROBES_ATTACHED\n\n {8}leaf\+0@\S+\/uprobe-target\.c:\d+\n( {8}recurse\+\d+@\S+:\d+\n)+( {8}main\+\d+@\S+:\d+\n)?\n\t[0-9a-f]+ leaf\+0 \((.*)\)\n/.exec(
        r.stdout,
      );
    assert.ok(m, r.stdout);
    assert.is(m![3], f.pie);
    assert.is(r.stdout.split('\n').filter((l) => l.startsWith('        ')).length, 4); // ustack(4): four frames
  });

  test('watchpoint on a variable of a process counts its writes (hardware breakpoint, -p)', async () => {
    const fire = breakpointsFire();
    if (fire !== true) return skipCheck('e2e uprobes: watchpoint counts writes', fire);
    const leafCalls = /^([0-9a-f]+) B leaf_calls$/m.exec(tool('nm', [f.nopie]))![1];
    // recurse ends in leaf(), which writes leaf_calls once: two recursions, two writes
    const r = await traceLive(
      f.nopie,
      ['recurse', '5', 'recurse', '3'],
      `watchpoint:0x${leafCalls}:4:w { @writes = count(); } uprobe:${f.nopie}:leaf { @leaf = count(); }`,
      'recurse 1003',
      'target',
    );
    assert.is(r.stdout, `${NOTIFY}\n\n\n@leaf: 2\n@writes: 2\n`);
  });

  test('an unknown function names the closest one, before anything is attached', async () => {
    const r = await runScry(['-e', `uprobe:${f.pie}:ad { }`]);
    assert.is(r.code, 1);
    assert.match(r.stderr, `ERROR: No matches for uprobe ${f.pie}:ad.`); // bpftrace v0.26's words, scry's below
    assert.match(r.stderr, `HINT: no function 'ad' in ${f.pie}`);
    assert.match(r.stderr, "HINT: did you mean 'add'?");
  });

  test('a missing binary is named', async () => {
    const r = await runScry(['-e', 'uprobe:/no/such/bin:main { }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, 'ERROR: /no/such/bin does not exist');
  });

  test('-l lists the functions of a binary and -lv the USDT probes with their argument specs', async () => {
    const fns = await runScry(['-l', `uprobe:${f.pie}:*`]);
    for (const fn of ['recurse', 'leaf', 'main'])
      assert.ok(fns.stdout.split('\n').includes(`uprobe:${f.pie}:${fn}`), fns.stdout);
    const usdt = await runScry(['-lv', `usdt:${f.pie}:*`]);
    assert.match(
      usdt.stdout,
      new RegExp(
        `^usdt:${f.pie}:scry:global\n    arg0: -4@leaf_calls\\(%rip\\)\nusdt:${f.pie}:scry:plain\nusdt:${f.pie}:scry:small\n    arg0: 1@%\\w+\n    arg1: 2@\\$7\nusdt:${f.pie}:scry:tick\n    arg0: -4@`,
      ),
    );
    const missing = await runScry(['-l', 'uprobe:/no/such/bin:*']);
    assert.is(missing.code, 1);
    assert.is(missing.stderr, 'ERROR: /no/such/bin does not exist\n');
  });

  test('libraries are found by name as ld.so would', async () => {
    const r = await runScry(['--dry-run', '-e', 'uprobe:libc:malloc { }']);
    assert.is(r.code, 0, r.stderr);
  });
}

test.run();
