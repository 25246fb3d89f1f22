// A block expression whose value is an aggregation, assigned to a map: its statements run, then the
// aggregation updates the map (bpftrace v0.26.1 runtime test call.block expression with map assignment,
// `@ = { let $a = 100; avg($a) }` prints `@: 100`). Anywhere else an aggregation is still refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e aggregation in a block expression')) {
  test('@m = { …; avg($a) } runs the statements, then aggregates', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { @ = { let $a = 100; avg($a) }; @c[1] = { printf("side\\n"); count() }; @c[1] = { count() }; exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    assert.is(r.stdout.replace(/\n+/g, '\n'), 'side\n@: 100\n@c[1]: 2\n');
  });

  test('an aggregation inside a larger expression is still refused', async () => {
    const r = await runScry(['-e', 'BEGIN { @ = { let $a = 100; avg($a) } + 1; }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, 'ERROR: avg() must be assigned directly to a map');
  });
}

test.run();
