// Aggregations and map functions through the real CLI and kernel. Expected text was printed by bpftrace 0.17
// for the same BEGIN-only programs (banner line removed). Deliberate differences, marked where they occur:
//   - `@h:` and `@h[k]:` without 0.17's trailing space;
//   - -f json: no blank lines before the exit-time maps (0.17 prints two), integers beyond 2^53 as strings;
//   - delete() of a hist entry removes every bucket (0.17 removed only one), and functions 0.17 lacks
//     (hist(n, k), has_key, delete(@m, k)) follow current bpftrace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bucketCount } from '../../compiler/layout.ts';
import type { MapValue } from '../../lang/types.ts';
import { bucketOf } from '../../repl/print/hist.ts';
import { jsonMap } from '../../repl/print/json.ts';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

async function stdout(program: string, ...flags: string[]): Promise<string> {
  const r = await runScry(['-q', ...flags, '-e', program]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout;
}

const bar = (n: number) => `|${'@'.repeat(n)}${' '.repeat(52 - n)}|`;

if (requireRoot('e2e aggregations')) {
  test('hist over 0, 1, -5, 3, 1024, 1500, 2^20 prints as bpftrace 0.17', async () => {
    const out = await stdout(
      'BEGIN { @h = hist(0); @h = hist(1); @h = hist(-5); @h = hist(3); @h = hist(1024); @h = hist(1500); @h = hist(1048576); exit(); }',
    );
    const empty = ['[4, 8)', '[8, 16)', '[16, 32)', '[32, 64)', '[64, 128)', '[128, 256)', '[256, 512)', '[512, 1K)'];
    const empty2 = [
      '[2K, 4K)',
      '[4K, 8K)',
      '[8K, 16K)',
      '[16K, 32K)',
      '[32K, 64K)',
      '[64K, 128K)',
      '[128K, 256K)',
      '[256K, 512K)',
      '[512K, 1M)',
    ];
    const row = (label: string, n: number, b: number) => `${label.padEnd(16)}${String(n).padStart(8)} ${bar(b)}\n`;
    assert.is(
      out,
      '\n\n@h:\n' +
        row('(..., 0)', 1, 26) +
        row('[0]', 1, 26) +
        row('[1]', 1, 26) +
        row('[2, 4)', 1, 26) +
        empty.map((l) => row(l, 0, 0)).join('') +
        row('[1K, 2K)', 2, 52) +
        empty2.map((l) => row(l, 0, 0)).join('') +
        row('[1M, 2M)', 1, 26) +
        '\n',
    );
    // the same text, literally, for the first rows (what 0.17 printed, trailing space after "@h:" removed)
    assert.ok(
      out.startsWith(
        '\n\n@h:\n(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[0]                    1 |',
      ),
    );
  });

  test('lhist below, inside, at and above its range, and K labels for steps of 1024', async () => {
    const out = await stdout(
      'BEGIN { @l = lhist(-1, 0, 100, 10); @l = lhist(5, 0, 100, 10); @l = lhist(9, 0, 100, 10); @l = lhist(55, 0, 100, 10); @l = lhist(100, 0, 100, 10); @l = lhist(500, 0, 100, 10); @k = lhist(3000, 0, 4096, 1024); @k = lhist(1024, 0, 4096, 1024); exit(); }',
    );
    assert.is(
      out,
      '\n\n@k:\n[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
        '@l:\n(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[0, 10)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
        '[10, 20)               0 |                                                    |\n[20, 30)               0 |                                                    |\n' +
        '[30, 40)               0 |                                                    |\n[40, 50)               0 |                                                    |\n' +
        '[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[60, 70)               0 |                                                    |\n' +
        '[70, 80)               0 |                                                    |\n[80, 90)               0 |                                                    |\n' +
        '[90, 100)              0 |                                                    |\n[100, ...)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n',
    );
  });

  test('avg and stats with negatives: truncated averages, stats as records (bpftrace v0.26), ordered by average, no blank line after them (v0.26)', async () => {
    const out = await stdout(
      'BEGIN { @a = avg(-5); @a = avg(2); @s = stats(-5); @s = stats(2); @s = stats(-10); @b["x"] = avg(10); @b["y"] = avg(-3); @b["y"] = avg(-4); @t[1] = stats(100); @t[2] = stats(-1); exit(); }',
    );
    assert.is(
      out,
      '\n\n@a: -1\n@b[y]: -3\n@b[x]: 10\n@s: { .count = 3, .average = -4, .total = -13 }\n@t[2]: { .count = 1, .average = -1, .total = -1 }\n@t[1]: { .count = 1, .average = 100, .total = 100 }\n',
    );
  });

  // bpftrace v0.26 type_checker test 4801 (print(@a[1]) of a count): the entry's value, its CPUs put together
  test('print() of one entry of a count, sum, min or avg map prints its value', async () => {
    const out = await stdout(
      'BEGIN { @c[1] = count(); @c[1] = count(); @s["x"] = sum(-4); @m[1, 2] = min(9); @m[1, 2] = min(3); @a[0] = avg(7); @a[0] = avg(2); print(@c[1]); print(@s["x"]); print(@m[1, 2]); print(@a[0]); clear(@c); clear(@s); clear(@m); clear(@a); exit(); }',
    );
    assert.is(out, '2\n-4\n3\n4\n\n\n');
  });

  test('print(@m), print(@m, 2) and print(@m, 2, 10) in BEGIN print in place, in order with printf', async () => {
    const out = await stdout(
      'BEGIN { @c[1] = count(); @c[2] = count(); @c[2] = count(); @c[3] = count(); @c[3] = count(); @c[3] = count(); @v["a"] = 15; @v["b"] = -25; @v["c"] = 99; print(@c, 2); print(@v, 2, 10); print(@v); printf("--\\n"); exit(); }',
    );
    assert.is(
      out,
      '@c[2]: 2\n@c[3]: 3\n@v[a]: 1\n@v[c]: 9\n@v[b]: -25\n@v[a]: 15\n@v[c]: 99\n--\n\n\n@c[1]: 1\n@c[2]: 2\n@c[3]: 3\n@v[b]: -25\n@v[a]: 15\n@v[c]: 99\n',
    );
  });

  test('print(@h, top, div) on keyed hists divides counts, and the bars drawn from them (v0.26)', async () => {
    const out = await stdout(
      'BEGIN { @h[1] = hist(5); @h[2] = hist(50); @h[2] = hist(60); @h[3] = hist(1); @h[3] = hist(2); @h[3] = hist(2); print(@h, 2, 2); exit(); }',
    );
    assert.is(
      out,
      '@h[2]:\n[32, 64)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
        '@h[3]:\n[1]                    0 |                                                    |\n[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
        '\n\n@h[1]:\n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
        '@h[2]:\n[32, 64)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
        '@h[3]:\n[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n',
    );
  });

  test('clear, zero and delete: empty maps print nothing (v0.26; 0.17 a blank line), zeroed entries stay', async () => {
    const out = await stdout(
      'BEGIN { @c[1] = 1; @c[2] = 2; @z = count(); @h = hist(7); @d[1] = 1; @d[2] = 2; @d[3] = 3; clear(@c); zero(@z); zero(@h); delete(@d[2]); print(@c); printf("after\\n"); exit(); }',
    );
    assert.is(out, 'after\n\n\n@d[1]: 1\n@d[3]: 3\n@h:\n\n@z: 0\n');
  });

  test('clear() runs after the probe (asynchronously), so END refills survive', async () => {
    const out = await stdout(
      'BEGIN { @x[1] = 5; clear(@x); @x[2] = 6; printf("%d\\n", @x[2]); exit(); } END { @x[3] = 7; }',
    );
    assert.is(out, '6\n\n\n@x[3]: 7\n');
  });

  // Not in bpftrace 0.17: has_key, delete(@m, k) and delete of a whole hist entry, as current bpftrace has them.
  test('has_key and delete(@m, k), with multi-key tuples, scalar maps and hist entries', async () => {
    const out = await stdout(
      'BEGIN { @m[1, "a"] = 1; @m[2, "b"] = 2; @n[3] = 3; @n[4] = 4; @s = 1; @h[1] = hist(5); @h[1] = hist(500); @h[2] = hist(7); @l[1] = lhist(5, 0, 10000, 10); @l[1] = lhist(50000, 0, 10000, 10); @l[2] = lhist(3, 0, 10000, 10); ' +
        'delete(@m, (1, "a")); delete(@n, 3); delete(@s); delete(@h[1]); delete(@l, 1); ' +
        'printf("%d %d %d %d\\n", has_key(@m, (2, "b")), has_key(@m, (1, "a")), has_key(@n[4]), has_key(@n, 3)); @r = has_key(@n, 4); print(has_key(@n, 5)); exit(); }',
    );
    assert.is(
      out,
      '1 0 1 0\nfalse\n\n\n@h[2]:\n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
        '@l[2]:\n[0, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
        '@m[2, b]: 2\n@n[4]: 4\n@r: true\n', // has_key() is a bool (bpftrace v0.26); @s (deleted) prints nothing
    );
  });

  test('len() counts the entries of any map exactly, after deletes and clear, per-CPU maps too', async () => {
    const out = await stdout(
      'BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; delete(@m, 2); @c["a"] = count(); @c["b"] = count(); @s[1] = sum(5); @e[1] = 1; delete(@e[1]); ' +
        'printf("%d %d %d %d\\n", len(@m), len(@c), len(@s), len(@e)); if (len(@m) == 2) { printf("two\\n"); } exit(); }',
    );
    // len() of a scalar map is refused, as in bpftrace v0.26 (test/lang/bool.test.ts)
    assert.is(out, '2 2 1 0\ntwo\n\n\n@c[a]: 1\n@c[b]: 1\n@m[1]: 1\n@m[3]: 3\n@s[1]: 5\n');
  });

  test('hist(n, k): 2^k buckets per power of two, labelled as current bpftrace', async () => {
    const out = await stdout(
      'BEGIN { @h = hist(3, 1); @h = hist(4, 1); @h = hist(5, 1); @h = hist(6, 1); @h = hist(13, 1); exit(); }',
    );
    assert.is(
      out,
      '\n\n@h:\n[3]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
        '[4, 6)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
        '[6, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
        '[8, 12)                0 |                                                    |\n' +
        '[12, 16)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n\n',
    );
  });

  test('the kernel puts every value in the bucket the printer expects, for k = 0…5 and lhist', async () => {
    const values = [
      -(2n ** 63n),
      -5n,
      -1n,
      0n,
      1n,
      2n,
      3n,
      4n,
      5n,
      6n,
      7n,
      8n,
      9n,
      15n,
      16n,
      17n,
      31n,
      33n,
      100n,
      1000n,
      1023n,
      1024n,
      1025n,
      4097n,
      65535n,
      99999n,
      2n ** 31n,
      2n ** 32n + 3n,
      2n ** 40n - 1n,
      2n ** 50n + 12345n,
      2n ** 62n,
      2n ** 63n - 1n,
    ];
    const hists: [string, string, MapValue & { kind: 'hist' | 'lhist' }][] = [0, 1, 2, 3, 4, 5].map((k) => [
      `@h${k}`,
      `, ${k}`,
      { kind: 'hist', bits: k },
    ]);
    hists.push(['@l', ', 0, 1000, 7', { kind: 'lhist', min: 0, max: 1000, step: 7 }]);
    const body = values
      .map((v) => hists.map(([name, args]) => `${name} = ${name === '@l' ? 'lhist' : 'hist'}(${v}${args});`).join(' '))
      .join(' ');
    const out = await stdout(`BEGIN { ${body} exit(); }`, '-f', 'json');
    const expected = hists
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([name, , h]) => {
        const buckets = new Array<bigint>(bucketCount(h)).fill(0n);
        for (const v of values) buckets[bucketOf(h, v)]! += 1n;
        return jsonMap({
          layout: { name, keys: [], value: h },
          entries: [{ keys: [], value: BigInt(values.length), buckets }],
        });
      })
      .join('');
    assert.fixture(out, expected);
  });

  test('-f json: every kind of map and event as bpftrace writes it (hist buckets without spaces, as v0.26)', async () => {
    const out = await stdout(
      'BEGIN { @c[1, "a"] = count(); @c[2, "b"] = count(); @c[2, "b"] = count(); @u = 5; @str = "hi"; @t = (1, "x"); @h = hist(0); @h = hist(-1); @h = hist(1); @h = hist(5); @hk[1] = hist(3); @hk[2] = hist(4); @hk[2] = hist(4); @l = lhist(-1, 0, 100, 10); @l = lhist(15, 0, 100, 10); @l = lhist(500, 0, 100, 10); @s = stats(10); @s = stats(-20); @sk[1] = stats(10); @a = avg(7); @ak["x"] = avg(7); printf("hi %d\\t\\"q\\"\\n", 5); print(5); print("s"); print((1, "a")); print(@c, 1); exit(); }',
      '-f',
      'json',
    );
    assert.fixture(
      out,
      '{"type": "printf", "data": "hi 5\\t\\"q\\"\\n"}\n{"type": "value", "data": 5}\n{"type": "value", "data": "s"}\n{"type": "value", "data": [1,"a"]}\n' +
        '{"type": "map", "data": {"@c": {"2,b": 2}}}\n{"type": "stats", "data": {"@a": 7}}\n{"type": "stats", "data": {"@ak": {"x": 7}}}\n' +
        '{"type": "map", "data": {"@c": {"1,a": 1, "2,b": 2}}}\n' +
        '{"type": "hist", "data": {"@h": [{"max": -1, "count": 1},{"min": 0, "max": 0, "count": 1},{"min": 1, "max": 1, "count": 1},{"min": 2, "max": 3, "count": 0},{"min": 4, "max": 7, "count": 1}]}}\n' +
        '{"type": "hist", "data": {"@hk": {"1": [{"min": 2, "max": 3, "count": 1}], "2": [{"min": 4, "max": 7, "count": 2}]}}}\n' +
        '{"type": "hist", "data": {"@l": [{"max": -1, "count": 1},{"min": 0, "max": 9, "count": 0},{"min": 10, "max": 19, "count": 1},{"min": 20, "max": 29, "count": 0},{"min": 30, "max": 39, "count": 0},{"min": 40, "max": 49, "count": 0},{"min": 50, "max": 59, "count": 0},{"min": 60, "max": 69, "count": 0},{"min": 70, "max": 79, "count": 0},{"min": 80, "max": 89, "count": 0},{"min": 90, "max": 99, "count": 0},{"min": 100, "count": 1}]}}\n' +
        '{"type": "stats", "data": {"@s": {"count": 2, "average": -5, "total": -10}}}\n{"type": "stats", "data": {"@sk": {"1": {"count": 1, "average": 10, "total": 10}}}}\n' +
        '{"type": "map", "data": {"@str": "hi"}}\n{"type": "map", "data": {"@t": [1,"x"]}}\n{"type": "map", "data": {"@u": 5}}\n',
    );
  });

  test('-f json: attached_probes, zeroed hist and stats, empty maps omitted, big integers as strings', async () => {
    const r = await runScry([
      '-f',
      'json',
      '-e',
      'BEGIN { @h = hist(1); zero(@h); @e[1] = 1; delete(@e[1]); @z = stats(3); zero(@z); @big = 9007199254740993; exit(); }',
    ]);
    assert.is(r.stderr, '');
    assert.is(
      r.stdout,
      '{"type": "attached_probes", "count": 1, "data": {"probes": 1}}\n{"type": "map", "data": {"@big": "9007199254740993"}}\n{"type": "hist", "data": {"@h": []}}\n' +
        '{"type": "stats", "data": {"@z": {"count": 0, "average": 0, "total": 0}}}\n',
    );
  });

  test('-f rejects other formats', async () => {
    const r = await runScry(['-f', 'yaml', '-e', 'BEGIN { exit(); }']);
    assert.is(r.code, 1);
    // bpftrace v0.26's words (json-output.invalid_format)
    assert.is(r.stderr, `ERROR: Invalid output format "yaml"\nHINT: Valid formats: 'text', 'json'\n`);
  });
}

test.run();
