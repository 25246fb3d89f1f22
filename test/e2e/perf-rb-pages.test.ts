// config perf_rb_pages (and BPFTRACE_PERF_RB_PAGES) sizes the ring buffer events travel through, as in bpftrace
// v0.26: pages of 4 KiB, rounded up to a power of two (the kernel wants one; libbpf rounds the same way). It was
// accepted and ignored before: a user raising it to stop lost events got the same 8 MiB ring.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENTS_MAP } from '../../compiler/index.ts';
import { runScry } from '../helpers/cli.ts';
import { compileText } from '../helpers/pipeline.ts';

const ringBytes = (config: string, program = 'tracepoint:syscalls:sys_enter_mkdir { printf("x"); }') =>
  compileText(`${config} ${program}`).maps.find((m) => m.name === EVENTS_MAP)!.maxEntries;

test('the events ring: 8 MiB by default, perf_rb_pages 4 KiB pages rounded up to a power of two', () => {
  assert.is(ringBytes(''), 8 << 20);
  assert.is(ringBytes('config = { perf_rb_pages = 1 }', 'BEGIN { exit(); }'), 4096);
  assert.is(ringBytes('config = { perf_rb_pages = 1 }'), 4096);
  assert.is(ringBytes('config = { perf_rb_pages = 3 }'), 16384);
  assert.is(ringBytes('config = { perf_rb_pages = 64 }'), 64 * 4096);
  assert.is(ringBytes('config = { perf_rb_pages = 4097 }'), 8192 * 4096);
});

test('a program whose only records are exit, warnings and what BEGIN, END and slow intervals print gets a 1 MiB ring', () => {
  const quiet = 'tracepoint:syscalls:sys_enter_mkdir { @[comm] = count(); @x[1] = *(uint8 *)0; } BEGIN { exit(); }';
  assert.is(ringBytes('', quiet), 1 << 20);
  assert.is(ringBytes('', 'interval:s:1 { exit(); }'), 1 << 20);
  for (const loud of ['time()', 'print(@a)', 'clear(@a)', 'print(1)', 'printf("x")', 'cat("/proc/uptime")']) {
    assert.is(ringBytes('', `tracepoint:syscalls:sys_enter_mkdir { @a = 1; ${loud}; exit(); }`), 8 << 20, loud);
    // BEGIN and END run once: what they send without a loop is bounded by their code, and fits the small ring
    assert.is(ringBytes('', `BEGIN { @a = 1; ${loud}; } END { ${loud}; } interval:s:1 { exit(); }`), 1 << 20, loud);
  }
  // an interval probe that prints slowly too (at most a 64th of the ring a second), not a fast one nor a profile
  assert.is(ringBytes('', 'interval:s:1 { time(); print(@a); clear(@a); } interval:hz:10 { @a = count(); }'), 1 << 20);
  assert.is(ringBytes('', 'interval:ms:1 { printf("%s", str(kptr(0), 64)); }'), 8 << 20);
  assert.is(ringBytes('', 'profile:hz:1 { printf("x"); }'), 8 << 20);
  // unless they loop (a while, a for over a map, a range), or their code adds up to more than a quarter of it
  for (const loop of [
    'BEGIN { $i = 0; while ($i < 3) { printf("x"); $i++; } }',
    'BEGIN { @m[1] = 1; for ($kv : @m) { printf("x"); } }',
    'BEGIN { for ($i : 0..@n) { printf("x"); } } END { @n = 1; }',
    'config = { max_strlen = 4096 } BEGIN { unroll(50) { printf("%s", str(kptr(0), 4000)); } } ' +
      'END { unroll(50) { printf("%s", str(kptr(0), 4000)); } }',
  ])
    assert.is(ringBytes('', loop), 8 << 20, loop);
});

test('a quiet program still delivers its warnings: 19,998 failed inserts from BEGIN at once, none lost', async () => {
  const r = await runScry([
    '-e',
    'config = { max_map_keys = 2 } BEGIN { for ($i : 0..20000) { @x[$i] = 1; } exit(); }',
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /Lost/);
  // the first is printed whole, the rest counted (bpftrace v0.26's repeated-warning line)
  assert.match(r.stderr, /WARNING: Map full; can't update element[^\n]*: 19997 more times/);
});

test('the most a BEGIN sends into the small ring arrives whole: 60 records of 4 KiB at once, none lost', async () => {
  const program =
    'config = { max_strlen = 4096 } BEGIN { unroll(60) { printf("%s|\\n", str(kptr(0), 4000)); } exit(); }';
  assert.is(ringBytes('', program), 1 << 20);
  const r = await runScry(['-e', program]);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /Lost/);
  assert.is(r.stdout.split('\n').filter((l) => l === '|').length, 60);
});

// 2000 lines from BEGIN at once: a one-page ring holds a few hundred of them, the default ring all
const FLOOD = 'BEGIN { $i = 0; while ($i < 2000) { printf("line %d\\n", $i); $i++; } exit(); }';
const linesOf = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('line ')).length;

test('a one-page ring loses what does not fit and says so; the default ring loses nothing', async () => {
  const small = await runScry(['-e', `config = { perf_rb_pages = 1 } ${FLOOD}`]);
  assert.is(small.code, 0, small.stderr);
  assert.match(small.stderr, /Lost \d+ events/);
  assert.ok(linesOf(small.stdout) < 2000, `${linesOf(small.stdout)} lines`);
  const big = await runScry(['-e', FLOOD]);
  assert.is(big.code, 0, big.stderr);
  assert.not.match(big.stderr, /Lost/);
  assert.is(linesOf(big.stdout), 2000);
});

test('BPFTRACE_PERF_RB_PAGES sets it too, and wins over the script', async () => {
  const r = await runScry(['-e', `config = { perf_rb_pages = 4096 } ${FLOOD}`], { BPFTRACE_PERF_RB_PAGES: '1' });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /Lost \d+ events/);
});

test('perf_rb_pages out of range is an error at the setting', async () => {
  const r = await runScry(['-e', 'config = { perf_rb_pages = 0 } BEGIN { exit(); }']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /perf_rb_pages: must be an integer from 1 to 524288, got 0/);
});

test.run();
