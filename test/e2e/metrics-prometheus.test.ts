// `scry --metrics` scraped by a real Prometheus (Debian's `prometheus` package; this test installs nothing: without
// the binary it prints a SKIP line). Prometheus runs on loopback with a temporary config scraping scry every
// second; the test makes a known number of openat calls in two bursts and reads the values back through
// Prometheus' HTTP query API: the counter's value, rate() > 0, histogram_quantile() over a hist, and the target
// healthy (its scrapes parsed).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startScry, type Running } from '../helpers/cli.ts';
import { requireTracepoint, skipCheck } from '../helpers/kernel.ts';

const SUITE = 'scry --metrics scraped by Prometheus';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openTimes(path: string, n: number): void {
  for (let i = 0; i < n; i++) closeSync(openSync(path, 'r'));
}

/** A port free on loopback now (the kernel's pick, released for the one who asked). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Where Prometheus is, or why there is none. */
function prometheusBinary(): { path: string } | { why: string } {
  const which = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' });
  if (which.status !== 0) return { why: 'no prometheus binary on PATH (Debian: apt-get install -y prometheus)' };
  return { path: which.stdout.trim() };
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, promql: string): Promise<Sample[]> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as { status: string; data?: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data!.result;
}

/** Polls until `ok(result)` or `ms` pass; returns the last result. */
async function until<T>(ms: number, read: () => Promise<T>, ok: (r: T) => boolean): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let r: T | undefined;
    try {
      r = await read();
      if (ok(r)) return r;
    } catch (e) {
      if (Date.now() > end) throw e;
    }
    if (Date.now() > end) return r as T;
    await sleep(250);
  }
}

const bin = prometheusBinary();
if ('why' in bin) skipCheck(SUITE, bin.why);
else if (requireTracepoint(SUITE, 'syscalls/sys_enter_openat')) {
  let dir = '';
  let scry: Running | undefined;
  let prom: ChildProcess | undefined;
  let promLog = '';
  test.before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scry-prom-'));
  });
  test.after(async () => {
    scry?.child.kill('SIGINT');
    prom?.kill('SIGTERM');
    if (scry) await scry.finished;
    if (prom && prom.exitCode === null) await new Promise((r) => prom!.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  });

  test('counter value, rate() > 0 and histogram_quantile() read back through the query API', async () => {
    const marker = join(dir, 'marker');
    writeFileSync(marker, '');
    const scryPort = await freePort();
    scry = startScry(
      [
        '--metrics',
        `127.0.0.1:${scryPort}`,
        '-e',
        `config = { metrics_labels = "comm" }
         tracepoint:syscalls:sys_enter_openat /str(args->filename) == "${marker}"/ {
           @opens[comm] = count(); @h = hist(@seq); @seq = @seq + 1;
         }`,
      ],
      {},
      60_000,
    );
    await until(
      10_000,
      () => fetch(`http://127.0.0.1:${scryPort}/metrics`).then((r) => r.status),
      (s) => s === 200,
    );

    const promPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n` +
        `scrape_configs:\n  - job_name: scry\n    static_configs:\n      - targets: ['127.0.0.1:${scryPort}']\n` +
        `        labels: { instance: 'host-a' }\n`,
    );
    prom = spawn(
      bin.path,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prom.stderr!.on('data', (d: Buffer) => (promLog += d.toString()));
    const base = `http://127.0.0.1:${promPort}`;
    const ready = await until(
      15_000,
      () => fetch(`${base}/-/ready`).then((r) => r.status),
      (s) => s === 200,
    );
    assert.is(ready, 200, `Prometheus did not become ready: ${promLog}`);

    // two bursts a few scrapes apart: 400, then 600 more (values 0..999 for the hist)
    // scraped at least once (the maps are empty until the first event: the target's `up` says it was read)
    const up = await until(
      10_000,
      () => query(base, 'up{job="scry"}'),
      (r) => r[0]?.value[1] === '1',
    );
    assert.is(up[0]?.value[1], '1', `scry was not scraped: ${JSON.stringify(up)} ${promLog}`);
    openTimes(marker, 400);
    await sleep(2_200);
    openTimes(marker, 600);
    const total = await until(
      8_000,
      () => query(base, 'scry_opens_total{job="scry",comm="node"}'),
      (r) => r[0]?.value[1] === '1000',
    );
    assert.is(total[0]?.value[1], '1000', JSON.stringify(total));
    assert.is(total[0]?.metric['instance'], 'host-a');

    const rate = await query(base, 'rate(scry_opens_total[10s])');
    assert.ok(Number(rate[0]?.value[1]) > 0, JSON.stringify(rate));
    // across hosts, by label, as the fleet recording rule does
    const byComm = await query(base, 'sum by (comm) (rate(scry_opens_total[10s]))');
    assert.is(byComm[0]?.metric['comm'], 'node');

    // values 0..999 in log2 buckets: the median (500th) falls in [256, 511], interpolated there
    const median = await query(base, 'histogram_quantile(0.5, scry_h_bucket)');
    const q50 = Number(median[0]?.value[1]);
    assert.ok(q50 >= 255 && q50 <= 511, `median ${q50}`);
    const p99 = Number((await query(base, 'histogram_quantile(0.99, scry_h_bucket)'))[0]?.value[1]);
    assert.ok(p99 >= 511 && p99 <= 1023, `p99 ${p99}`);
    assert.is((await query(base, 'scry_h_count'))[0]?.value[1], '1000');

    // every scrape parsed: the target is up, with no error
    const targets = (await (await fetch(`${base}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    assert.equal(
      targets.data.activeTargets.map((t) => [t.health, t.lastError]),
      [['up', '']],
    );
  });

  test.run();
}
