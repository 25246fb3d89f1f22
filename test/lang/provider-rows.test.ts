// A probe type is one row per layer (lang/providers/, compiler/codegen/providers/, runtime/providers/): no
// other file of the three layers switches on a provider, so adding one edits no switch elsewhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { providers } from '../../lang/index.ts';

const root = new URL('../..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'providers' ? [] : sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

test('no file outside the providers folders switches on a provider or has a case per probe type', () => {
  const names = providers.map((p) => p.name);
  const caseOf = new RegExp(`^\\s*case '(${names.join('|')})':`, 'm');
  const found: string[] = [];
  for (const file of ['lang', 'compiler', 'runtime'].flatMap((d) => sources(join(root, d)))) {
    if (relative(root, file) === 'lang/providers.ts') continue; // the table itself
    const text = readFileSync(file, 'utf8');
    if (/switch \([\w.]*\bprovider\)/.test(text) || caseOf.test(text)) found.push(relative(root, file));
  }
  assert.equal(found, []);
});

test.run();
