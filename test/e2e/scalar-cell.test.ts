// A scalar map of one integer (`@start = nsecs`, `@n++`) lives in a one-element array the program addresses
// directly (compiler/layout.ts inScalarCell): a store is two instructions instead of a map_update_elem call, a
// read one load. A "set" word beside the value keeps bpftrace's behaviour: a map never assigned prints
// nothing, one assigned 0 prints 0, zero() keeps it at 0, clear() hides it again. A map a probe deletes, a
// string and a keyed map stay hashes. The expected text is what bpftrace 0.17 prints for the same script,
// but for the bool (0.17 has none: it prints 1; v0.26 prints true) and comm (bpftrace's own name there, scry's here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { heldMaps } from '../helpers/kernel-objects.ts';

const HASH = 1;
const ARRAY = 2;

const script = `
BEGIN {
  @n = 5; @z = 0; @neg = -1; @b = (1 == 1); if (0) { @never = 1; @nread = 1; }
  @c++; @c += 3; @c -= 1; @m = 7; @m *= 2; @m /= 3;
  @p = @c++; @q = ++@c;
  @cl = 9; clear(@cl); @zr = 9; zero(@zr);
  @d = 1; delete(@d);
  @s = comm; @k[1] = 2;
  printf("read %d %d %d\\n", @n + 1, @nread, @q);
}
interval:ms:10 { @later = @n * 10; exit(); }`;

if (requireRoot('e2e scalar cells')) {
  test('values, compound assignments, reads in other probes, clear/zero and unassigned cells print as bpftrace', async () => {
    const r = await runScry(['-q', '--no-warnings', '-e', script]);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    assert.is(
      r.stdout,
      // cleared and never-filled maps print nothing (bpftrace v0.26; 0.17 a blank line each)
      'read 6 0 5\n\n\n@b: true\n@c: 5\n@k[1]: 2\n@later: 50\n@m: 4\n@n: 5\n@neg: -1\n@p: 3\n@q: 5\n' +
        '@s: scry\n@z: 0\n@zr: 0\n',
    );
    const json = await runScry(['-q', '--no-warnings', '-f', 'json', '-e', script]);
    assert.is(json.code, 0, json.stderr);
    const maps = json.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"type": "map"'))
      .map((l) => Object.entries((JSON.parse(l) as { data: Record<string, unknown> }).data)[0]!);
    assert.equal(
      Object.fromEntries(maps.filter(([name]) => ['@n', '@z', '@neg', '@b', '@c', '@later'].includes(name))),
      { '@b': true, '@c': 5, '@later': 50, '@n': 5, '@neg': -1, '@z': 0 },
    );
    assert.not.ok(
      maps.some(([name]) => name === '@never' || name === '@nread'),
      json.stdout,
    );
  });

  test('the kernel holds the cells as one-element arrays, the deleted, string and keyed maps as hashes', async () => {
    const run = startScry(['-e', script.replace('interval:ms:10', 'interval:s:30')], { [NOTIFY]: '1' });
    try {
      await run.waitForStdout(NOTIFY);
      const maps = heldMaps(run.child.pid!);
      // [value, set] after a 4-byte index: @n @z @neg @b @never @nread @c @m @p @q @cl @zr @later
      const cells = maps.filter((m) => m.type === ARRAY && m.keySize === 4 && m.valueSize === 16 && m.maxEntries === 1);
      assert.is(cells.length, 13, JSON.stringify(maps));
      // @d (a probe deletes it) and @s (a string) keep the 8-byte zero key of a scalar hash; @k its int key
      assert.is(maps.filter((m) => m.type === HASH).length, 3, JSON.stringify(maps));
    } finally {
      run.child.kill('SIGINT');
      await run.finished;
    }
  });

  test('a store to a cell is two stores to its address, no helper call', async () => {
    const r = await runScry(['--dry-run', '-d', 'bytecode', '-e', 'BEGIN { @t = 7; }']);
    assert.is(r.code, 0, r.stderr);
    assert.ok(/map value m0_t \+ 0/.test(r.stdout), r.stdout);
    assert.not.ok(/call (1|2)\b/.test(r.stdout), r.stdout);
  });
}

test.run();
