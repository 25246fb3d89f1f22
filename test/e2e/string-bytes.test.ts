// A string literal's escapes are bytes ("\xff" is 0xff, "\377" too; a typed "é" its UTF-8), in comparisons,
// strncmp/strcontains, map keys, buf() and printf formats; text output writes strings' bytes as they are, as
// bpftrace does (0.17 printed these same bytes for this program). -f json: a buf is an array of signed bytes
// (bpftrace v0.26), a byte that is not UTF-8 \udcXX (a deliberate difference: bpftrace's \uffffffXX is not JSON).
// Through the real CLI on the real kernel.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const program =
  'BEGIN { $s = "\\xff\\xfe"; if ($s == "\\377\\376") { printf("eq\\n"); } ' +
  'printf("%d %d\\n", strncmp($s, "\\xff\\xfd", 2), strcontains("a\\xffb", "\\xff")); ' +
  '@k["\\xff"] = 1; @b = buf("v\\x80", 2); print(buf("\\xff\\xe9", 2)); ' +
  'printf("%s|\\xff|%r|%rx|%rh\\n", "\\xffé", buf("\\x80a", 2), buf("\\x80a", 2), buf("\\x80a", 2)); exit(); }';

function run(args: string[]): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [scryBin, '-q', ...args, '-e', program], { timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

if (requireRoot('e2e string bytes')) {
  test('text: the bytes the escapes say, written as they are', () => {
    const r = run([]);
    assert.is(r.code, 0, r.stderr);
    const want = Buffer.concat([
      Buffer.from('eq\n1 1\n\\xff\\xe9\n'),
      Buffer.from([0xff, 0xc3, 0xa9]),
      Buffer.from('|'),
      Buffer.from([0xff]),
      Buffer.from('|\\x80a|\\x80\\x61|80 61\n\n\n@b: v\\x80\n@k['),
      Buffer.from([0xff]),
      Buffer.from(']: 1\n'),
    ]);
    assert.is(r.stdout.toString('hex'), want.toString('hex'), r.stdout.toString('latin1'));
  });

  // bpftrace v0.26's %s takes any value and prints a buffer as %r does (0.17 refused it)
  test('%s of a buf() prints it as %r, padded by its width', () => {
    const r = spawnSync(
      process.execPath,
      [scryBin, '-q', '-e', 'BEGIN { printf("[%s] [%6s]\\n", buf("a\\xffb", 3), buf("ab", 2)); exit(); }'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '[a\\xffb] [    ab]\n\n\n'); // the blank lines exit leaves, as bpftrace
  });

  test('json: buf values as signed bytes, a byte that is not UTF-8 as \\udcXX', () => {
    const r = run(['-f', 'json']);
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.toString('utf8').trimEnd().split('\n');
    assert.equal(lines, [
      '{"type": "printf", "data": "eq\\n"}',
      '{"type": "printf", "data": "1 1\\n"}',
      '{"type": "value", "data": [-1,-23]}',
      '{"type": "printf", "data": "\\udcffé|\\udcff|\\\\x80a|\\\\x80\\\\x61|80 61\\n"}',
      '{"type": "map", "data": {"@b": [118,-128]}}',
      '{"type": "map", "data": {"@k": {"\\udcff": 1}}}',
    ]);
  });
}

test.run();
