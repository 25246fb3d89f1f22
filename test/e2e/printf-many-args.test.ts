// printf-like calls with more than 7 values, through the real CLI on the real kernel. The expected line is what
// bpftrace v0.17.0 printed here for the same program (run as root, `sleep` started after attach); pinned: the
// text of a 16-value printf mixing integers, literal strings, comm, a string variable, a cast and widths.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, startScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint } from '../helpers/kernel.ts';

if (requireTracepoint('e2e printf with many values', 'syscalls/sys_enter_clock_nanosleep')) {
  test('16 values of mixed types print as bpftrace 0.17 prints them', async () => {
    const prog =
      'tracepoint:syscalls:sys_enter_clock_nanosleep /comm == "sleep"/ { $s = "var"; ' +
      'printf("%d %s %u %x %s %d %s %ld %5d|%-6s| %c %d %s %s %03d %d\\n", 1, "two", 3, 255, comm, -6, "seven", 8, 9, "ten", 65, (int8)300, $s, comm, 7, -2147483648); exit(); }';
    const s = startScry(['-q', '-e', prog], { [NOTIFY]: '1' });
    await s.waitForStdout(NOTIFY);
    spawnSync('sleep', ['0.01']);
    const r = await s.finished;
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '' && !l.includes(NOTIFY));
    // bpftrace 0.17: "1 two 3 ff sleep -6 seven 8     9|ten   | A 44 var sleep 007 -2147483648"
    assert.equal(lines, ['1 two 3 ff sleep -6 seven 8     9|ten   | A 44 var sleep 007 -2147483648']);
  });
}

if (requireRoot('e2e printf with many values')) {
  test('127 values, the most a call takes, all reach the output in order', async () => {
    const n = 127;
    const fmt = Array.from({ length: n }, () => '%d').join(',');
    const args = Array.from({ length: n }, (_, i) => `, ${i * 1000 - 5}`).join('');
    const r = await runScry(['-q', '-e', `BEGIN { printf("${fmt}\\n"${args}); exit(); }`]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.split('\n')[0], Array.from({ length: n }, (_, i) => String(i * 1000 - 5)).join(','));
  });

  test('cat() builds its path from 10 values', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { cat("%s%s%s%s%s%s%s%s%s%s", "/", "e", "t", "c", "/", "h", "o", "s", "t", "name"); exit(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.split('\n')[0], readFileSync('/etc/hostname', 'utf8').split('\n')[0]);
  });
}

test.run();
