// Wrong programs: scry refuses each (exit 1, nothing on stdout) with exactly the diagnostic in NNN.scry.err:
// location, message, the source line with its underline, and hints. Checked with --dry-run: nothing loads.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { scryBin } from '../helpers/cli.ts';

const dir = fileURLToPath(new URL('./errors/', import.meta.url));
const programs = readdirSync(dir).filter((f) => f.endsWith('.bt') && existsSync(`${dir}${f.slice(0, -3)}.scry.err`));

test('at least 40 wrong programs have an exact expected diagnostic', () => {
  assert.ok(programs.length >= 40, `only ${programs.length}`);
});

for (const p of programs.sort()) {
  test(`wrong program ${p}`, () => {
    // run from the directory so the diagnostic names the file as NNN-name.bt, as the expected text does
    const r = spawnSync(process.execPath, [scryBin, '--dry-run', p], { cwd: dir, encoding: 'utf8' });
    assert.is(r.status, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.fixture(r.stderr, readFileSync(`${dir}${p.slice(0, -3)}.scry.err`, 'utf8'));
  });
}

test.run();
