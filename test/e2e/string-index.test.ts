// s[i] through the real CLI and kernel: a string's bytes by index, as bpftrace v0.26 reads them (bpftrace
// 0.17 refuses indexing a string; v0.26 wins). A computed index past the end warns at run time and reads
// what lies there, as v0.26 does for arrays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e string index')) {
  test('$s[0], $s[$i], "lit"[1] read the bytes of a string', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $a = "foo"; $j = (uint64)2; printf("%c is the first letter, %c the last; %d\\n", $a[0], $a[$j], "xyz"[1]); exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(r.stdout, 'f is the first letter, o the last; 121\n\n\n');
  });

  test('a computed index past the end warns and the program still runs', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { $a = "foo"; $i = (uint64)10; printf("mystery %c|\\n", $a[$i]); exit(); }',
    ]);
    assert.is(r.code, 0);
    assert.match(r.stdout, /^mystery [\s\S]\|\n/);
    assert.match(r.stderr, /WARNING: Array access out of bounds/);
  });
}

test.run();
