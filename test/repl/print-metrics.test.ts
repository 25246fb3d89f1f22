// `--metrics` exposition text (repl/metrics/exposition.ts), byte for byte, per aggregation, in the Prometheus
// text format and in OpenMetrics; label escaping, name sanitizing, the Accept header, and --metrics addresses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bucketCount } from '../../compiler/layout.ts';
import { i64, stringType, u64, type MapValue, type Type } from '../../lang/types.ts';
import {
  escapeLabelValue,
  finishExposition,
  labelNames,
  mapExposition,
  metricName,
  runExposition,
  wantsOpenMetrics,
} from '../../repl/metrics/exposition.ts';
import { looksLikeMetricsAddress, parseMetricsAddress } from '../../repl/metrics/address.ts';
import { parseArgs } from '../../repl/cli-args.ts';
import type { MapEntry, MapSnapshot } from '../../runtime/maps.ts';

function snap(name: string, value: MapValue, keys: Type[], entries: MapEntry[]): MapSnapshot {
  return { layout: { name, keys: keys.map((type, i) => ({ type, offset: i * 8 })), value }, entries };
}

function counts(h: Extract<MapValue, { kind: 'hist' | 'lhist' }>, at: Record<number, bigint>): bigint[] {
  const b = new Array<bigint>(bucketCount(h)).fill(0n);
  for (const [i, c] of Object.entries(at)) b[Number(i)] = c;
  return b;
}

const str = stringType(16);

test('count(): a counter; TYPE names the _total sample in the text format, the family in OpenMetrics', () => {
  const s = snap('@opens', { kind: 'count' }, [str, u64], [{ keys: ['bash', 12n], value: 3n }]);
  assert.is(
    mapExposition(s, [], false),
    '# HELP scry_opens_total @opens: count()\n# TYPE scry_opens_total counter\nscry_opens_total{key0="bash",key1="12"} 3\n',
  );
  assert.is(
    mapExposition(s, ['comm'], true),
    '# HELP scry_opens @opens: count()\n# TYPE scry_opens counter\nscry_opens_total{comm="bash",key1="12"} 3\n',
  );
});

test('sum(): unsigned is a counter, signed a gauge (it can go down); 64-bit values exact', () => {
  const big = 2n ** 64n - 1n;
  assert.is(
    mapExposition(snap('@bytes', { kind: 'sum', signed: false }, [], [{ keys: [], value: big }]), [], false),
    '# HELP scry_bytes_total @bytes: sum()\n# TYPE scry_bytes_total counter\nscry_bytes_total 18446744073709551615\n',
  );
  const min = -(2n ** 63n);
  assert.is(
    mapExposition(snap('@d', { kind: 'sum', signed: true }, [i64], [{ keys: [-1n], value: min }]), [], true),
    '# HELP scry_d @d: sum()\n# TYPE scry_d gauge\nscry_d{key0="-1"} -9223372036854775808\n',
  );
});

test('min, max, avg and integer values are gauges; negative values and keys exact', () => {
  assert.is(
    mapExposition(snap('@m', { kind: 'min', signed: true }, [], [{ keys: [], value: -3n }]), [], false),
    '# HELP scry_m @m: min()\n# TYPE scry_m gauge\nscry_m -3\n',
  );
  assert.is(
    mapExposition(snap('@x', { kind: 'max', signed: false }, [u64], [{ keys: [7n], value: 9n }]), ['pid'], false),
    '# HELP scry_x @x: max()\n# TYPE scry_x gauge\nscry_x{pid="7"} 9\n',
  );
  assert.is(
    mapExposition(
      snap('@a', { kind: 'avg', signed: true }, [], [{ keys: [], value: -2n, stats: { count: 2n, total: -5n } }]),
      [],
      false,
    ),
    '# HELP scry_a @a: avg()\n# TYPE scry_a gauge\nscry_a -2\n',
  );
  assert.is(
    mapExposition(snap('@n', { kind: 'value', type: i64 }, [], [{ keys: [], value: -5n }]), [], false),
    '# HELP scry_n @n: value\n# TYPE scry_n gauge\nscry_n -5\n',
  );
});

test('maps of strings (and tseries) have no number: nothing is served for them', () => {
  assert.is(
    mapExposition(snap('@s', { kind: 'value', type: str }, [], [{ keys: [], value: 0n, data: 'bash' }]), [], false),
    '',
  );
  const ts: MapValue = { kind: 'tseries', signed: false, interval: 1e9, intervals: 5, agg: 'last' };
  assert.is(mapExposition(snap('@t', ts, [], []), [], false), '');
});

test('stats(): a summary without quantiles, _sum (signed) and _count', () => {
  const s = snap(
    '@st',
    { kind: 'stats', signed: true },
    [str],
    [{ keys: ['a'], value: -1n, stats: { count: 4n, total: -6n } }],
  );
  assert.is(
    mapExposition(s, [], false),
    '# HELP scry_st @st: stats()\n# TYPE scry_st summary\nscry_st_sum{key0="a"} -6\nscry_st_count{key0="a"} 4\n',
  );
});

test('hist(): cumulative buckets up to the last non-empty one, le = the largest value a bucket holds, +Inf, _count', () => {
  const h: MapValue = { kind: 'hist', bits: 0 };
  // index 1 holds 0, 2 holds 1, 3 holds [2,3], 4 holds [4,7]
  const s = snap('@h', h, [], [{ keys: [], value: 6n, buckets: counts(h, { 1: 1n, 2: 0n, 4: 5n }) }]);
  const text = [
    '# HELP scry_h @h: hist() (log2 buckets)',
    '# TYPE scry_h histogram',
    'scry_h_bucket{le="0"} 1',
    'scry_h_bucket{le="1"} 1',
    'scry_h_bucket{le="3"} 1',
    'scry_h_bucket{le="7"} 6',
    'scry_h_bucket{le="+Inf"} 6',
    'scry_h_count 6',
    '',
  ].join('\n');
  assert.is(mapExposition(s, [], false), text);
  // OpenMetrics: le as floats
  assert.match(mapExposition(s, [], true), 'scry_h_bucket{le="7.0"} 6\nscry_h_bucket{le="+Inf"} 6\n');
});

test('hist(): negative values get the bucket le="-1" (only when it holds any); keys come before le; empty: +Inf 0', () => {
  const h: MapValue = { kind: 'hist', bits: 0 };
  const s = snap('@h', h, [str], [{ keys: ['x"y'], value: 3n, buckets: counts(h, { 0: 2n, 1: 1n }) }]);
  assert.is(
    mapExposition(s, ['comm'], false),
    '# HELP scry_h @h: hist() (log2 buckets)\n# TYPE scry_h histogram\n' +
      'scry_h_bucket{comm="x\\"y",le="-1"} 2\nscry_h_bucket{comm="x\\"y",le="0"} 3\n' +
      'scry_h_bucket{comm="x\\"y",le="+Inf"} 3\nscry_h_count{comm="x\\"y"} 3\n',
  );
  const empty = snap('@h', h, [], [{ keys: [], value: 0n, buckets: counts(h, {}) }]);
  assert.match(mapExposition(empty, [], false), '\nscry_h_bucket{le="+Inf"} 0\nscry_h_count 0\n');
});

test('hist(n, 2): four buckets per power of two, exact bounds', () => {
  const h: MapValue = { kind: 'hist', bits: 2 };
  // values 0..7 one bucket each (indexes 1..8), then [8,9] [10,11] …
  const s = snap('@h', h, [], [{ keys: [], value: 2n, buckets: counts(h, { 9: 1n, 10: 1n }) }]);
  const le = [...mapExposition(s, [], false).matchAll(/le="([^"]+)"\} (\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
  assert.equal(le, ['0:0', '1:0', '2:0', '3:0', '4:0', '5:0', '6:0', '7:0', '9:1', '11:2', '+Inf:2']);
});

test('lhist(): linear bounds; below min gets le=min-1; at or above max only +Inf', () => {
  const l: MapValue = { kind: 'lhist', min: 0, max: 30, step: 10 };
  // index 0: < 0; 1: [0,10); 2: [10,20); 3: [20,30); 4: >= 30
  const s = snap('@l', l, [], [{ keys: [], value: 9n, buckets: counts(l, { 1: 2n, 3: 3n, 4: 4n }) }]);
  assert.is(
    mapExposition(s, [], false),
    '# HELP scry_l @l: lhist(0, 30, 10)\n# TYPE scry_l histogram\n' +
      'scry_l_bucket{le="9"} 2\nscry_l_bucket{le="19"} 2\nscry_l_bucket{le="29"} 5\n' +
      'scry_l_bucket{le="+Inf"} 9\nscry_l_count 9\n',
  );
  const neg: MapValue = { kind: 'lhist', min: -20, max: 0, step: 10 };
  const t = snap('@l', neg, [], [{ keys: [], value: 2n, buckets: counts(neg, { 0: 1n, 2: 1n }) }]);
  assert.match(
    mapExposition(t, [], false),
    'scry_l_bucket{le="-21"} 1\nscry_l_bucket{le="-11"} 1\nscry_l_bucket{le="-1"} 2\n',
  );
});

test('label values: backslash, double quote and line feed escaped; other bytes as they are; tuples and bools as text', () => {
  assert.is(escapeLabelValue('a\\b"c\nd\te é'), 'a\\\\b\\"c\\nd\te é');
  const s = snap('@t', { kind: 'count' }, [str, str], [{ keys: [[1n, 'x'], true], value: 1n }]);
  assert.match(mapExposition(s, ['a', 'b'], false), 'scry_t_total{a="(1, x)",b="true"} 1\n');
  // a stack as a key: its lines joined by \n
  const k = snap('@k', { kind: 'count' }, [str], [{ keys: ['\n\tf+1\n\tg+2\n'], value: 2n }]);
  assert.match(mapExposition(k, ['kstack'], false), 'scry_k_total{kstack="\\n\tf+1\\n\tg+2\\n"} 2\n');
});

test('metric names: scry_ prefix, @ dropped, the anonymous map is scry_anon; label names key0…keyN past the given ones', () => {
  assert.is(metricName('@opens'), 'scry_opens');
  assert.is(metricName('@'), 'scry_anon');
  assert.is(metricName('@a.b-c'), 'scry_a_b_c');
  assert.equal(labelNames(3, ['comm']), ['comm', 'key1', 'key2']);
  assert.equal(labelNames(1, ['comm', 'pid']), ['comm']);
});

test('the run counters, and # EOF closing OpenMetrics only', () => {
  const run = runExposition({ events: 5, lost: 0 }, true);
  assert.match(run, '# TYPE scry_ringbuf_events counter\nscry_ringbuf_events_total 5\n');
  assert.match(runExposition({ events: 5, lost: 2 }, false), '# TYPE scry_ringbuf_lost_events_total counter\n');
  assert.is(finishExposition(['a\n', 'b\n'], true), 'a\nb\n# EOF\n');
  assert.is(finishExposition(['a\n'], false), 'a\n');
});

test("OpenMetrics when the Accept header asks for it with q > 0 (Prometheus' own header), else the text format", () => {
  const prom =
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  assert.ok(wantsOpenMetrics(prom));
  assert.not.ok(wantsOpenMetrics(undefined));
  assert.not.ok(wantsOpenMetrics('text/plain'));
  assert.not.ok(wantsOpenMetrics('application/openmetrics-text; q=0, text/plain'));
});

test('--metrics addresses: loopback by default, HOST:PORT, :PORT, [v6]:PORT; mistakes say what to write', () => {
  assert.equal(parseMetricsAddress(''), { host: '127.0.0.1', port: 9469 });
  assert.equal(parseMetricsAddress(':9470'), { host: '127.0.0.1', port: 9470 });
  assert.equal(parseMetricsAddress('9470'), { host: '127.0.0.1', port: 9470 });
  assert.equal(parseMetricsAddress('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  assert.equal(parseMetricsAddress('[::1]:9469'), { host: '::1', port: 9469 });
  assert.equal(parseMetricsAddress('node-1.example'), { host: 'node-1.example', port: 9469 });
  const bad = (s: string) => {
    const r = parseMetricsAddress(s);
    return 'error' in r ? r.error : 'accepted';
  };
  assert.is(bad('1.2.3.4:99999'), "--metrics '1.2.3.4:99999': the port must be a number from 0 to 65535, got '99999'");
  assert.is(bad('::1:80'), "--metrics '::1:80': an IPv6 address goes in brackets: [::1]:9469");
  assert.is(bad('[1.2.3.4]:80'), "--metrics '[1.2.3.4]:80': '1.2.3.4' is not an IPv6 address");
  assert.is(bad('a_b:80'), "--metrics 'a_b:80': 'a_b' is neither an IP address nor a host name");
  assert.ok(looksLikeMetricsAddress('127.0.0.1:9469'));
  assert.ok(looksLikeMetricsAddress(':0'));
  assert.not.ok(looksLikeMetricsAddress('script.bt'));
});

test('the flag: alone, with =ADDR, with ADDR as the next word; a script file after it stays the script', () => {
  const opts = (argv: string[]) => {
    const p = parseArgs(argv);
    assert.ok(p.ok, JSON.stringify(p));
    return p.ok ? p.opts : undefined!;
  };
  assert.equal(opts(['--metrics', 'x.bt']).metrics, { host: '127.0.0.1', port: 9469 });
  assert.is(opts(['--metrics', 'x.bt']).file, 'x.bt');
  assert.equal(opts(['--metrics', '0.0.0.0:9500', 'x.bt']).metrics, { host: '0.0.0.0', port: 9500 });
  assert.equal(opts(['--metrics=:0', '-e', 'BEGIN {}']).metrics, { host: '127.0.0.1', port: 0 });
  const p = parseArgs(['--metrics=1.2.3.4:x', 'x.bt']);
  assert.ok(!p.ok && p.exit === 1 && /port must be a number/.test(p.message ?? ''));
});

test.run();
