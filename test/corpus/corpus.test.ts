// The reference corpus: every program in run/ goes through the real CLI and the real kernel, and its stdout
// must equal what bpftrace 0.17 printed (NNN.out), or NNN.scry.out where scry deliberately differs
// (bpftrace bugs, C integer semantics; README.md lists each case and why).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry, type Finished } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const dir = fileURLToPath(new URL('./run/', import.meta.url));
const programs = readdirSync(dir)
  .filter((f) => f.endsWith('.bt'))
  .sort();


test('the corpus holds at least 150 programs, each with an expected output', () => {
  assert.ok(programs.length >= 150, `only ${programs.length} programs`);
  for (const p of programs) {
    const base = join(dir, p.slice(0, -3));
    assert.ok(existsSync(`${base}.out`) || existsSync(`${base}.scry.out`), `${p} has no expected output`);
  }
});

/** bpftrace 0.17 ends a histogram's name line with a stray space (`@h: `); scry prints `@h:`. */
function fromBpftrace(out: string): string {
  return out.replace(/^(@[^\n]*:) \n(?=[[(]|\n)/gm, '$1\n');
}

if (requireRoot('corpus')) {
  const results = new Map<string, Finished>();
  // Two at a time: each run is a process start plus a real load and test-run.
  test.before(async () => {
    const queue = [...programs];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const base = join(dir, p.slice(0, -3));
        const args = existsSync(`${base}.args`) ? readFileSync(`${base}.args`, 'utf8').split('\n').filter((l) => l !== '') : [];
        results.set(p, await runScry(['-q', join(dir, p), ...args]));
      }
    };
    await Promise.all([worker(), worker()]);
  });

  for (const p of programs) {
    test(`corpus ${p}`, () => {
      const r = results.get(p)!;
      const base = join(dir, p.slice(0, -3));
      const expected = existsSync(`${base}.scry.out`) ? readFileSync(`${base}.scry.out`, 'utf8') : fromBpftrace(readFileSync(`${base}.out`, 'utf8'));
      // warnings bpftrace v0.26 gives (e.g. dead code after exit()) are in NNN.scry.stderr; otherwise nothing
      const stderr = existsSync(`${base}.scry.stderr`) ? readFileSync(`${base}.scry.stderr`, 'utf8') : '';
      assert.is(r.stderr.replaceAll(dir, ''), stderr, `${p} wrote to stderr`);
      // run-time warnings name the file as given (its full path here); the fixtures name it as NNN-name.bt
      assert.fixture(r.stdout.replaceAll(dir, ''), expected);
    });
  }
}

test.run();
