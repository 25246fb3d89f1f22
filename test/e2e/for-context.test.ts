// for ($kv : @map) bodies that assign the probe's variables: the callback gets their slots through the loop's
// context and writes them back on every way out, so each entry and the code after the loop see the changes.
// Pinned to bpftrace v0.26 (runtime tests for.variable context string/update, variable.late variable
// declaration); bpftrace 0.17 has no for loops over maps at all, so there is nothing to compare side by side.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

/** What the program printed before the map dump at exit (which follows two blank lines). */
async function run(prog: string): Promise<string[]> {
  const r = await runScry(['-q', '-e', prog]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout.split('\n\n\n')[0]!.split('\n');
}

if (requireRoot('e2e for-map context')) {
  test('an integer the body multiplies: the next entry and the code after the loop see it', async () => {
    const out = await run(
      'BEGIN { @m[0] = 0; @m[1] = 1; @m[2] = 2; $v = 3; for ($kv : @m) { print($v); $v *= 2; } print($v); clear(@m); exit(); }',
    );
    assert.equal(out, ['3', '6', '12', '24']);
  });

  test('a string the body assigns, longer than the one before the loop', async () => {
    const out = await run(
      'BEGIN { @m[0] = 0; @m[1] = 1; $s = "ab"; for ($kv : @m) { print($s); $s = "longer"; } print($s); clear(@m); exit(); }',
    );
    assert.equal(out, ['ab', 'longer', 'longer']);
  });

  test('a string too big for the stack (kept in scratch space) is written in place', async () => {
    const long = 'y'.repeat(300);
    const out = await run(
      `BEGIN { @m[0] = 0; $s = "a"; for ($kv : @m) { $s = "${long}"; } print($s); clear(@m); exit(); }`,
    );
    assert.equal(out, [long]);
  });

  test('break and return leave the loop with what the body assigned so far', async () => {
    const out = await run(
      'BEGIN { @m[0] = 0; @m[1] = 1; $n = 0; for ($kv : @m) { $n += 10; break; } print($n); $k = 0; for ($kv : @m) { $k = 7; return; } clear(@m); } END { print("end"); }',
    );
    assert.equal(out, ['10', 'end']);
  });

  test('nested loops: the inner body updates a variable of the probe through the outer body', async () => {
    const out = await run(
      'BEGIN { @a[1] = 1; @a[2] = 2; @b[10] = 10; @b[20] = 20; @b[30] = 30; $n = 0; for ($x : @a) { for ($y : @b) { $n += $x.1 * $y.1; } } print($n); clear(@a); clear(@b); exit(); }',
    );
    assert.equal(out, ['180']);
  });

  test('`let $x;` before the loop, assigned only inside it, is the same $x after it', async () => {
    const out = await run(
      'BEGIN { @m[5] = 0; let $x; for ($kv : @m) { $x = $kv.0; break; } print($x); clear(@m); exit(); }',
    );
    assert.equal(out, ['5']);
  });

  // bpftrace v0.26: `let $x;` is an integer 0 until assigned, so $x += v and $x++ start from 0 (scry refused them);
  // each reads $x before anything is assigned, which v0.26 warns of
  test('`let $x;` then $x += v or $x++: counting from 0, in a loop body too', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { let $a; $a += 5; let $b; $b++; $b++; @m[1] = 7; @m[2] = 8; let $s; for ($kv : @m) { $s += $kv.1; } printf("%d %d %d\\n", $a, $b, $s); clear(@m); exit(); }',
    ]);
    assert.is(r.code, 0);
    assert.equal(r.stdout.split('\n\n\n')[0]!.split('\n'), ['5 2 15']);
    assert.equal(
      [...r.stderr.matchAll(/WARNING: (.*)/g)].map((m) => m[1]),
      ['$a', '$b', '$s'].map((v) => `Variable used before it was assigned: ${v}`),
    );
  });

  test('a loop over a map the probe assigns after the loop sees the entries of earlier runs', async () => {
    const out = await run(
      'interval:ms:50 { $x = 1; for ($kv : @a) { print(($x, $kv.0, $kv.1)); break; } if (@a[1]) { clear(@a); exit(); } @a[1] = 2; }',
    );
    assert.equal(out, ['(1, 1, 2)']);
  });

  // bpftrace v0.26 runtime tests for.range using a map / with map as expression; 0.17 has no range loops
  test('a range whose end is read from a map runs that many times (bpf_loop), and sees the map change', async () => {
    const out = await run(
      'BEGIN { @a = 4; for ($i : 0..@a) { print($i); @a += 1; } printf("%d\\n", @a); clear(@a); exit(); }',
    );
    assert.equal(out, ['0', '1', '2', '3', '8']);
  });

  test('a run-time range: outer variables, break, continue, an empty or backwards range, a nested for-map', async () => {
    const out = await run(
      'BEGIN { @m[1] = 10; @m[2] = 20; $lo = -2; $hi = 5; $sum = 0; $s = "a"; for ($i : $lo..$hi) { if ($i == 0) { continue; } if ($i == 3) { break; } $sum += $i; $s = "bb"; for ($kv : @m) { $sum += $kv.1; } } print(($sum, $s)); $n = 0; for ($i : $hi..$lo) { $n++; } print($n); clear(@m); exit(); }',
    );
    // $i = -2, -1, 1, 2 add 0 and 30 each time: 0 + 120
    assert.equal(out, ['(120, bb)', '0']);
  });

  test('return inside a run-time range leaves the probe', async () => {
    const out = await run(
      'BEGIN { @a = 3; for ($i : 0..@a) { print($i); return; } print("after"); } END { print("end"); clear(@a); }',
    );
    assert.equal(out, ['0', 'end']);
  });

  // bpftrace v0.26 passes the count to bpf_loop, which refuses more than 1 << 23 (E2BIG: no iteration) and warns;
  // scry clamped the count and ran a silently shorter loop
  test('a range of more than 8388608 (bpf_loop) runs no iteration and warns; 8388608 runs all', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $n = 0; $e = 8388609; for ($i : 0..$e) { $n++; } print($n); $n = 0; for ($i : 1..8388609) { $n++; } print($n); $n = 0; $f = 4294967301; for ($i : 0..$f) { $n++; } print($n); exit(); }',
    ]);
    assert.is(r.code, 0);
    // 2^32 + 5 is no 5-iteration loop (bpf_loop's count is a u32): refused as well
    assert.is(r.stdout, '0\n8388608\n0\n\n\n');
    assert.match(r.stderr, /WARNING: Argument list too long\nAdditional Info - helper: loop, retcode: -7\n/);
    assert.is(r.stderr.split('WARNING').length, 3, r.stderr);
  });
}

test.run();
