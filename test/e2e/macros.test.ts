// Script macros and the standard library's macros through the real CLI on the real kernel (bpftrace v0.26;
// bpftrace 0.17, installed here, has no macros at all: `macro` is a syntax error there, so the behaviour pinned
// is v0.26's, from its runtime macro and stdlib suites). test/lang/script-macros.test.ts covers the expansion.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const run = (program: string) => runScry(['-q', '-e', program], {}, 15_000);

if (requireRoot('e2e macros')) {
  test('a macro assigns to the variable and map passed, and its last expression is its value', async () => {
    const r = await run(
      'macro inc($x) { $x += 1; $x } macro set(@m) { @m[1] = 2; } ' +
        'BEGIN { $a = 1; $b = inc($a); @a[1] = 1; set(@a); print(($a, $b, @a[1])); exit(); }',
    );
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\(2, 2, 2\)$/m);
  });

  test('hygiene: the macro has its own $y; an expression argument is evaluated at each use', async () => {
    const r = await run(
      'macro inc(x) { $y = x + 1; $z = x + 2; $y + $z } BEGIN { $y = 2; print(inc({ $y += 1; $y })); print($y); exit(); }',
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim().split('\n').slice(0, 2).join(' '), '10 4');
  });

  test('standard library: ppid and pcomm of the current task (the test process, which started scry)', async () => {
    const r = await run(
      'BEGIN { printf("%d %s %d\\n", ppid, pcomm, ppid(curtask) == curtask->real_parent->pid); exit(); }',
    );
    assert.is(r.code, 0, r.stderr);
    // scry's parent here is this test's node process
    assert.is(r.stdout.trim(), `${process.pid} ${readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim()} 1`);
  });

  test('assert(false, msg) reports msg at stdlib/base.bt:6:5-37 (bpftrace v0.26 stdlib.assert_macro) and where it was used, and exits 1', async () => {
    const r = await run('BEGIN { assert(false, "My error message"); }');
    assert.is(r.code, 1, r.stderr);
    const out = r.stdout + r.stderr;
    assert.match(out, 'stdlib/base.bt:6:5-37: ERROR: assert failed: My error message');
    assert.match(out, 'stdin:1:9-42: ERROR: expanded from');
  });
}

test.run();
