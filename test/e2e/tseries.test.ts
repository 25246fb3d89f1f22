// tseries() through the real CLI and kernel (bpftrace v0.26's time series; bpftrace 0.17 has no tseries, so
// the layout is pinned to v0.26's, from its runtime tests' expected output). The intervals come from CLOCK_TAI,
// the clock bpftrace's tseries reads, so their starts are wall-clock times.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpus } from 'node:os';
import { runScry } from '../helpers/cli.ts';
import { scriptFile } from '../helpers/script-file.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

/** tseries is unstable in bpftrace v0.26: enabled, without the warning it gives by default */
const UNSTABLE_OK = { BPFTRACE_UNSTABLE_TSERIES: 'enable' };

async function stdout(program: string, ...flags: string[]): Promise<string> {
  const r = await runScry(['-q', ...flags, '-e', program], UNSTABLE_OK);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout;
}

const bar = '_'.repeat(51);

if (requireRoot('e2e tseries')) {
  test('text: a graph per key, the scale widened around a single value, the row at the current time', async () => {
    const out = await stdout(
      'BEGIN { @s = tseries(7, 1s, 3); @k["x"] = tseries(-2, 10ms, 4, "min"); @k["x"] = tseries(-5, 10ms, 4, "min"); exit(); }',
    );
    const k = out.slice(out.indexOf('@k[x]:\n'), out.indexOf('@s:\n'));
    const s = out.slice(out.indexOf('@s:\n'));
    // one interval: no interval to measure, so times show nanoseconds (as bpftrace does)
    const ns = ' '.repeat(19);
    assert.ok(k.startsWith(`@k[x]:\n${ns}${'-6'.padEnd(21)}${'-4'.padStart(32)}\nhh:mm:ss.ns        |${bar}|\n`), out);
    assert.match(k, new RegExp(`\\n\\d\\d:\\d\\d:\\d\\d\\.\\d{9} \\|${' '.repeat(25)}\\*${' '.repeat(25)}\\| -5\\n`));
    assert.ok(k.endsWith(`${ns}v${bar}v\n${ns}${'-6'.padEnd(21)}${'-4'.padStart(32)}\n\n`), k);
    assert.match(s, new RegExp(`\\n\\d\\d:\\d\\d:\\d\\d\\.0{9} \\|${' '.repeat(25)}\\*${' '.repeat(25)}\\| 7\\n`));
    assert.ok(s.startsWith(`@s:\n${ns}${'6'.padEnd(21)}${'8'.padStart(32)}\n`), s);
  });

  test('-f json: per-CPU slots add up for "sum", intervals start at wall-clock times', async () => {
    // an idle CPU takes no cpu-clock samples: keep every CPU busy for the run (-c ends it)
    const busy = scriptFile(
      `for i in $(seq ${cpus().length}); do timeout 1.6 sh -c "while :; do :; done" & done; wait`,
    );
    const out = await stdout(
      'profile:hz:99 { @c = tseries(1, 500ms, 4, "sum"); @n = count(); }',
      '-f',
      'json',
      '-c',
      busy,
    );
    const line = out.split('\n').find((l) => l.includes('"tseries"'));
    assert.ok(line, out);
    const points = JSON.parse(line!).data['@c'] as { interval_start: string; value: number }[];
    const n = JSON.parse(out.split('\n').find((l) => l.includes('"@n"'))!).data['@n'] as number;
    assert.ok(points.length >= 3 && points.length <= 4, line);
    const starts = points.map((p) => Date.parse(p.interval_start.replace(' ', 'T').slice(0, 23) + 'Z'));
    starts.slice(1).forEach((t, i) => assert.is(t - starts[i]!, 500, line));
    // CLOCK_TAI is UTC plus the TAI offset (0 or 37 s here): within two minutes of now
    assert.ok(Math.abs(starts[starts.length - 1]! - Date.now()) < 120_000, line);
    const total = points.reduce((a, p) => a + p.value, 0);
    assert.ok(total > 0 && total <= n, `${total} of ${n}: ${line}`);
    // a full 500 ms interval holds ~50 samples a CPU: more than one CPU's share shows the copies were added
    if (cpus().length >= 2) assert.ok(Math.max(...points.map((p) => p.value)) > 60, line);
    else skipCheck('tseries per-CPU sum', 'one CPU: nothing to add up');
  });

  test('BPFTRACE_DUMMY_TS_MAP=@ts: time read from @ts, so the graph is exact (zero mark, a missing interval)', async () => {
    const r = await runScry(
      [
        '-q',
        '-e',
        'BEGIN { @ts = (uint64)100ms; @a = tseries(-3, 100ms, 4); @ts += 100ms; @a = tseries(9, 100ms, 4); ' +
          '@a = tseries(1, 100ms, 4); @ts += 200ms; @a = tseries(2, 100ms, 4); clear(@ts); exit(); }',
      ],
      { ...UNSTABLE_OK, BPFTRACE_DUMMY_TS_MAP: '@ts', TZ: 'UTC' },
    );
    assert.is(r.stderr, '');
    // -3 at column 0, 1 at 52 * 4/5 = 41, 2 at the right edge; zero at 53 * 3/5 = 31
    const row = (t: string, at: number | undefined, v: string) => {
      const line = [...`|${' '.repeat(51)}|`];
      line[31] = '.';
      if (at !== undefined) line[at] = '*';
      return `00:00:00.${t} ${line.join('')} ${v}\n`;
    };
    const scale = `${'-3'.padEnd(21)}${'2'.padStart(32)}\n`;
    // (what follows is the cleared @ts, which is not this test's business)
    assert.is(
      r.stdout.trimStart().slice(0, r.stdout.trimStart().indexOf('\n\n') + 2),
      `@a:\n${' '.repeat(13)}${scale}hh:mm:ss.ms  |${bar}|\n` +
        row('100', 0, '-3') +
        row('200', 41, '1') +
        row('300', undefined, '-') +
        row('400', 52, '2') +
        `${' '.repeat(13)}v${bar}v\n${' '.repeat(13)}${scale}\n`,
    );
  });

  test('after exit() a probe that fires before it is detached changes no map (a series stepping its own clock)', async () => {
    // a 100 µs interval fires many times between exit() and the detach: without the exit check in each probe
    // @n reached 10-30 here (and @ts as many seconds)
    for (let i = 0; i < 2; i++) {
      const out = await stdout('i:us:100 { @n++; @ts += 1s; @a = tseries(@n, 1s, 2); exit(); }', '-f', 'json');
      assert.ok(out.includes('{"type": "map", "data": {"@n": 1}}'), out);
      assert.ok(out.includes('{"type": "map", "data": {"@ts": 1000000000}}'), out);
    }
  });

  test('clear() empties a series (nothing printed); zero() leaves no interval: <no data>', async () => {
    assert.is((await stdout('BEGIN { @[1] = tseries(1, 1ms, 5); clear(@); exit(); }')).includes('@'), false);
    const zeroed = await stdout('BEGIN { @z = tseries(3, 1ms, 5); zero(@z); exit(); }');
    assert.ok(zeroed.includes('@z:\n<no data>\n'), zeroed);
    const json = await stdout('BEGIN { @z = tseries(3, 1ms, 5); zero(@z); exit(); }', '-f', 'json');
    assert.ok(json.includes('{"type": "tseries", "data": {"@z": []}}\n'), json);
  });
}

test.run();
