// Every example script compiles cleanly against this kernel's tracepoints, and the quick ones run.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const dir = fileURLToPath(new URL('../../examples/', import.meta.url));
const examples = readdirSync(dir).filter((f) => f.endsWith('.bt'));

test('there are examples', () => {
  assert.ok(examples.length >= 5);
});

for (const ex of examples) {
  test(`example ${ex} compiles with no diagnostics`, async () => {
    const r = await runScry(['--dry-run', `${dir}${ex}`]);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
  });
}

if (requireRoot('examples')) {
  test('hello.bt runs and prints what its header says', async () => {
    const r = await runScry(['-q', `${dir}hello.bt`]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'hello from BEGIN\nbye from END\n\n\n@runs: 1\n');
  });
}

test.run();
