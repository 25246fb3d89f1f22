// scripts/unit-suites.ts: every suite under test/ is either run by `npm run test:unit` or left to `npm test`
// with its reason, never both, never neither; and the pattern it hands uvu selects exactly the unit list.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { excluded, unit, unitPattern } from '../../scripts/unit-suites.ts';

const testDir = fileURLToPath(new URL('../', import.meta.url));
const suites = readdirSync(testDir, { recursive: true, encoding: 'utf8' })
  .map((p) => p.split('\\').join('/'))
  .filter((p) => p.endsWith('.test.ts') && !p.startsWith('node_modules/'))
  .sort();

const excludedBy = (p: string) => Object.keys(excluded).find((k) => (k.endsWith('/') ? p.startsWith(k) : p === k));

test('every suite is in test:unit or excluded with a reason', () => {
  const neither = suites.filter((p) => !unit.includes(p) && excludedBy(p) === undefined);
  assert.equal(
    neither,
    [],
    `place these in scripts/unit-suites.ts: in \`unit\` if they pass as another user than root in seconds, else in \`excluded\` with the reason`,
  );
  const both = unit.filter((p) => excludedBy(p) !== undefined);
  assert.equal(both, [], 'in unit and excluded at once');
  for (const [key, reason] of Object.entries(excluded)) assert.ok(reason.trim().length > 10, `${key}: no reason`);
});

test('no entry names a suite that is gone, and none twice', () => {
  assert.equal(
    unit.filter((p) => !suites.includes(p)),
    [],
    'unit lists files that are not under test/',
  );
  assert.equal(
    Object.keys(excluded).filter((k) => !suites.some((p) => (k.endsWith('/') ? p.startsWith(k) : p === k))),
    [],
    'excluded names files that are not under test/',
  );
  assert.is(new Set(unit).size, unit.length, 'a suite is listed twice');
});

test("uvu's pattern selects exactly the unit suites", () => {
  const re = new RegExp(unitPattern());
  assert.equal(
    suites.filter((p) => re.test(p)),
    [...unit].sort(),
  );
  assert.not.ok(re.test('lang/parser.test.tsx'));
  assert.not.ok(re.test('xlang/parser.test.ts'));
  assert.not.ok(re.test('lang/parserxtest.ts'));
});

test.run();
