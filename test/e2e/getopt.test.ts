// Named parameters through the bundled CLI, as bpftrace v0.26 has them (issue 14 item 7; bpftrace 0.17 has no
// getopt): `-- --name=value` after the program, positional parameters mixed in, and the command-line
// mistakes in v0.26's words (no source position, exit 1, no USAGE).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

// ---- mistakes: reported after the program is checked, before anything loads ----

test('an option the program does not use: the error, the expected options, exit 1, no USAGE', async () => {
  const r = await runScry(['-e', 'BEGIN { print(getopt("aa", 10)); }', '--', '--bb']);
  assert.is(r.code, 1);
  assert.is(r.stderr, 'ERROR: unexpected program command line options: --bb\nHINT: expected program options: --aa\n');
});

test('a value that is not of the default type: the option and the value', async () => {
  const r = await runScry(['-e', 'BEGIN { print(getopt("aa", 10)); }', '--', '--aa=False']);
  assert.is(r.code, 1);
  assert.is(r.stderr, 'ERROR: program command line option --aa invalid integer (value: False)\n');
});

test('--help after the program lists its options with descriptions; nothing runs (exit 1, as v0.26)', async () => {
  const prog = 'BEGIN { print((getopt("aa", 10, "Description of aa"), getopt("bb", 1))); }';
  const r = await runScry(['-e', prog, '--', '--help']);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'HINT: expected program options:\n--aa: Description of aa\n--bb\n');
});

test('--name before -- is still an unknown scry option (USAGE follows)', async () => {
  const r = await runScry(['-e', 'BEGIN { }', '--aa=20']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^ERROR: unknown option --aa\nUSAGE:/);
});

// ---- values reach the running program ----

if (requireRoot('getopt e2e')) {
  test('typed values, a bare --flag, defaults, and positional parameters among the named ones', async () => {
    const prog =
      'BEGIN { print(($1, getopt("aa", 20), getopt("bb", -1), $2, getopt("cc", true), getopt("dd"), getopt("ee", "hello"))); exit(); }';
    const r = await runScry(['-q', '-e', prog, 'pos1', '--', '--dd', '--aa=0xffffffffffffffff', 'pos2', '--cc=False']);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.trim(), '(pos1, 18446744073709551615, -1, pos2, false, true, hello)');
  });

  test('a script file takes them the same way; a bool option steers an if', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scry-getopt-'));
    try {
      const file = join(dir, 'named.bt');
      writeFileSync(file, 'BEGIN { if (getopt("loud")) { printf("LOUD %s\\n", getopt("who", "x")); } exit(); }\n');
      const loud = await runScry(['-q', file, '--', '--loud', '--who=me']);
      assert.is(loud.code, 0, loud.stderr);
      assert.is(loud.stdout.trim(), 'LOUD me');
      const quiet = await runScry(['-q', file]);
      assert.is(quiet.code, 0, quiet.stderr);
      assert.is(quiet.stdout.trim(), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
