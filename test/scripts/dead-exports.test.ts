// The dead exports issue 12 named stay gone: no unused reset*() helper, Result<T>, registerLister, specCount
// or btfTypeByName export is left that nothing imports (scripts/check-imports.ts --unused; MapEntry.text, a
// field, is no export: runtime/value.ts has none).
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const script = new URL('../../scripts/check-imports.ts', import.meta.url).pathname;

test('no export of the kinds issue 12 removed is unused', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--unused'], { encoding: 'utf8' });
  const unused = (r.stdout + r.stderr).split('\n').filter((l) => /^ {2}\S+\.tsx?: /.test(l));
  assert.ok(unused.length > 0 || r.status === 0, r.stdout + r.stderr); // the listing ran
  const dead = unused.filter((l) => /: (reset[A-Z]\w*|Result|registerLister|specCount|btfTypeByName)\b/.test(l));
  assert.equal(dead, []);
});

test.run();
