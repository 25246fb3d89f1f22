// str(p, n) with n at or past max_strlen is str(p), as bpftrace v0.26 has it (type_resolver.cpp: a warning, the
// size kept at max_strlen, the trailer of a string cut there): scry kept n - 1 characters of max_strlen and no
// trailer, `/usr/bi` where v0.26 prints `/usr/bin..` (found side by side).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

if (requireRoot('e2e str length')) {
  test('str(p, n): n past max_strlen reads as str(p), with a warning; a shorter n keeps n - 1 characters', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'config = { max_strlen = 8 } tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s|%s|%s|%s\\n", str(args.filename), str(args.filename, 100), str(args.filename, 8), str(args.filename, 5)); }',
      '-c',
      '/usr/bin/true',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.split('\n')[0], '/usr/bin..|/usr/bin..|/usr/bin..|/usr');
    assert.match(r.stderr, 'WARNING: str() length 100 is too long and will be shortened to max_strlen (8)');
  });
}

test.run();
