// Wildcards in probe names and listing patterns (lang/glob.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { globRegExp, isGlob } from '../../lang/glob.ts';

test('* is any run, ? one character, everything else itself', () => {
  const re = globRegExp('sys_enter_*at?');
  assert.ok(re.test('sys_enter_openat2'));
  assert.ok(re.test('sys_enter_at_'));
  assert.not.ok(re.test('sys_enter_openat'));
  assert.not.ok(re.test('xsys_enter_openat2'));
  assert.ok(globRegExp('a.b+c(d)').test('a.b+c(d)'));
  assert.not.ok(globRegExp('a.b').test('axb'));
  assert.ok(isGlob('a*') && isGlob('a?') && !isGlob('a.b'));
});

test('a run of stars is one (a listing wraps a word in stars: `*` + `*word*` + `*`)', () => {
  // `.*.*` before and after the word made each of ~120k names a quadratic backtrack: `-l '*sleep*'` spent 140 ms
  assert.is(globRegExp('**sleep**').source, '^.*sleep.*$');
  assert.is(globRegExp('a***b').source, '^a.*b$');
  for (const name of ['sleep', 'do_nanosleep', 'msleep_interruptible', 'xsleepy', 'slee', 'nothing'])
    assert.is(globRegExp('**sleep**').test(name), globRegExp('*sleep*').test(name), name);
});

test.run();
