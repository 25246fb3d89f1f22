// `scry --metrics` over plain HTTP (no Prometheus): /metrics in both formats after a known number of events,
// /maps.json as `-f json` prints the maps, and the mistakes a user can make with the address (in use, not this
// machine's) ending the run with exit 1 before anything is attached.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry, startScry, type Running } from '../helpers/cli.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

/** Opens (and closes) `path` n times from this process: n openat calls. */
function openTimes(path: string, n: number): void {
  for (let i = 0; i < n; i++) closeSync(openSync(path, 'r'));
}

/** Starts scry with --metrics on a port the kernel picks; resolves with the base URL from its banner. */
async function serve(args: string[]): Promise<{ run: Running; url: string }> {
  const run = startScry(args, {}, 20_000);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    run.child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /Serving metrics on (http:\/\/[^/\s]+)\/metrics/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void run.finished.then((f) => reject(new Error(`scry exited ${f.code} before serving: ${f.stderr}`)));
  });
  return { run, url };
}

async function get(url: string, accept?: string): Promise<{ status: number; type: string; body: string }> {
  const r = await fetch(url, accept ? { headers: { Accept: accept } } : {});
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}

let dir = '';

if (requireTracepoint('scry --metrics (HTTP)', 'syscalls/sys_enter_openat')) {
  test.before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scry-metrics-'));
  });
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('/metrics: counter, histogram, summary, gauges with exact 64-bit and negative values, escaped labels; OpenMetrics on request; /maps.json', async () => {
    const marker = join(dir, 'marker');
    writeFileSync(marker, '');
    const script = `config = { metrics_labels = "@opens=comm,tag" }
      BEGIN { @big = 0xffffffffffffffff; @neg = -9223372036854775807 - 1; }
      tracepoint:syscalls:sys_enter_openat /str(args->filename) == "${marker}"/ {
        @opens[comm, "a\\"b\\\\c\\nd"] = count();
        @h = hist(@seq);
        @l = lhist(@seq, 0, 100, 10);
        @st = stats(-2);
        @d = sum(-3);
        @seq = @seq + 1;
      }`;
    const { run, url } = await serve(['--metrics=127.0.0.1:0', '-e', script]);
    try {
      openTimes(marker, 100);
      // the events are in the maps once the syscalls returned: no wait needed, but the map reads are atomic per key
      const text = await get(`${url}/metrics`);
      assert.is(text.status, 200);
      assert.is(text.type, 'text/plain; version=0.0.4; charset=utf-8');
      assert.match(text.body, '# TYPE scry_opens_total counter\n');
      // this process's comm (node), and a string key with a quote, a backslash and a line feed
      assert.match(text.body, 'scry_opens_total{comm="node",tag="a\\"b\\\\c\\nd"} 100\n');
      // values 0..99: log2 buckets 0 | 1 | 2-3 | … | 64-127
      assert.match(text.body, 'scry_h_bucket{le="0"} 1\nscry_h_bucket{le="1"} 2\nscry_h_bucket{le="3"} 4\n');
      assert.match(text.body, 'scry_h_bucket{le="63"} 64\nscry_h_bucket{le="127"} 100\nscry_h_bucket{le="+Inf"} 100\n');
      assert.match(text.body, 'scry_h_count 100\n');
      assert.match(text.body, 'scry_l_bucket{le="9"} 10\n');
      assert.match(text.body, 'scry_l_bucket{le="99"} 100\nscry_l_bucket{le="+Inf"} 100\nscry_l_count 100\n');
      assert.match(text.body, '# TYPE scry_st summary\nscry_st_sum -200\nscry_st_count 100\n');
      assert.match(text.body, '# TYPE scry_d gauge\nscry_d -300\n');
      assert.match(text.body, 'scry_big 18446744073709551615\n');
      assert.match(text.body, 'scry_neg -9223372036854775808\n');
      assert.match(text.body, 'scry_seq 100\n');
      assert.not.match(text.body, '# EOF');

      const om = await get(
        `${url}/metrics`,
        'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      );
      assert.is(om.type, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
      assert.match(om.body, '# TYPE scry_opens counter\n');
      assert.match(om.body, 'scry_h_bucket{le="127.0"} 100\n');
      assert.ok(om.body.endsWith('\n# EOF\n'));

      const json = await get(`${url}/maps.json`);
      assert.is(json.type, 'application/json');
      const maps = JSON.parse(json.body) as { type: string; data: Record<string, unknown> }[];
      const byName = Object.fromEntries(maps.map((m) => [Object.keys(m.data)[0]!, m]));
      assert.equal(byName['@big'], { type: 'map', data: { '@big': '18446744073709551615' } });
      assert.equal(byName['@st'], { type: 'stats', data: { '@st': { count: 100, average: -2, total: -200 } } });
      assert.is(byName['@h']?.type, 'hist');
      assert.equal(Object.values(byName['@opens']!.data['@opens'] as object), [100]);
      // an unknown path, a POST
      assert.is((await get(`${url}/nothing`)).status, 404);
      assert.is((await fetch(`${url}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      run.child.kill('SIGINT');
    }
    const done = await run.finished;
    assert.is(done.code, 0, done.stderr);
    // the run ends as without --metrics: the maps print at exit
    assert.match(done.stdout, '@opens[');
  });

  test('an address in use, or not this machine: exit 1, said with what to do, before anything is attached', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as AddressInfo).port;
    try {
      const prog = 'tracepoint:syscalls:sys_enter_openat { @c = count(); }';
      const inUse = await runScry(['--metrics', `127.0.0.1:${port}`, '-e', prog]);
      assert.is(inUse.code, 1);
      assert.is(
        inUse.stderr,
        `ERROR: --metrics 127.0.0.1:${port}: the address is in use (another scry or exporter listens there)\n` +
          `HINT: choose another port, e.g. --metrics 127.0.0.1:${port + 1}\n`,
      );
      assert.is(inUse.stdout, '');
      // TEST-NET-3: no machine has it
      const foreign = await runScry(['--metrics', '203.0.113.7:9469', '-e', prog]);
      assert.is(foreign.code, 1);
      assert.match(
        foreign.stderr,
        'ERROR: --metrics 203.0.113.7:9469: 203.0.113.7 is not an address of this machine\n',
      );
      assert.not.match(foreign.stderr, 'Attached');
      const bad = await runScry(['--metrics=localhost:port', '-e', prog]);
      assert.is(bad.code, 1);
      assert.match(bad.stderr, "ERROR: --metrics 'localhost:port': the port must be a number from 0 to 65535");
    } finally {
      busy.close();
    }
  });

  test.run();
}
