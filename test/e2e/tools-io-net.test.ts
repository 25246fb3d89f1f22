// The block I/O and TCP tools of examples/tools (biolatency, biosnoop, bitesize, tcpconnect, tcpaccept,
// tcplife, tcpretrans), each run as a user runs it next to a workload with a known answer: direct writes of
// 64 KiB to a file on a block device, a loopback connection with known ports and byte counts, a connect
// into a private network namespace where nothing answers.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';
import { histogram, rows, runTool, sleep, startWorkload, type Workload } from '../helpers/tool-run.ts';

const WRITES = 16;
const SIZE = 65536;

// O_DIRECT writes: each pwrite is one request of SIZE bytes to the device, issued by this process
const DIRECT_WRITER = String.raw`
import mmap, os, sys
open('/proc/self/comm', 'w').write('scry-bio')
n, size, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
path = os.path.join(d, 'scry-dio-%d' % os.getpid())
try:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_DIRECT, 0o600)
except OSError as e:
    print('no O_DIRECT:', e, flush=True)
    sys.exit(0)
buf = mmap.mmap(-1, size)
buf.write(b'x' * size)
print('ready', os.getpid(), flush=True)
sys.stdin.readline()
for i in range(n):
    os.pwrite(fd, buf, i * size)
os.fsync(fd)
os.close(fd)
os.unlink(path)
print('done', flush=True)
`;

// one loopback connection: 200000 bytes one way, 5000 back, open 200 ms; then a connect to the closed port
const TCP_PAIR = String.raw`
import os, socket, sys, time
open('/proc/self/comm', 'w').write(sys.argv[1])
srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen()
port = srv.getsockname()[1]
print('ready', os.getpid(), flush=True)
sys.stdin.readline()
c = socket.create_connection(('127.0.0.1', port))
s, _ = srv.accept()
print('ports', c.getsockname()[1], port, flush=True)
c.sendall(b'x' * 200000)
got = 0
while got < 200000:
    got += len(s.recv(65536))
s.sendall(b'y' * 5000)
got = 0
while got < 5000:
    got += len(c.recv(65536))
time.sleep(0.2)
c.close()
s.close()
srv.close()
d = socket.socket()
try:
    d.connect(('127.0.0.1', port))
except OSError:
    pass
print('done', flush=True)
`;

/** A directory on a block device (O_DIRECT there reaches the disk; on tmpfs it would not). */
function blockDir(): string | undefined {
  for (const dir of ['/var/tmp', tmpdir()]) {
    const r = spawnSync('findmnt', ['-n', '-o', 'SOURCE', '--target', dir], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.startsWith('/dev/')) return dir;
  }
  return undefined;
}

/** Runs `tool` while DIRECT_WRITER does WRITES writes; undefined (after a SKIP line) when it cannot. */
async function withDirectWrites(tool: string, args: string[], after = 0) {
  const dir = blockDir();
  if (!dir) return void skipCheck(`e2e tools-io-net ${tool}`, 'no directory on a block device (/var/tmp, TMPDIR)');
  const w = startWorkload('python3', ['-c', DIRECT_WRITER, String(WRITES), String(SIZE), dir]);
  try {
    const m = await w.waitFor(/ready (\d+)|no O_DIRECT: .*/);
    if (!m[1]) return void skipCheck(`e2e tools-io-net ${tool}`, `${dir}: ${m[0]}`);
    const r = await runTool(tool, args, async () => {
      w.send('go');
      await w.waitFor(/done/);
      await sleep(after);
    });
    assert.is(r.code, 0, r.stderr);
    return { pid: m[1], stdout: r.stdout };
  } finally {
    await w.end();
  }
}

/** Runs `tool` while TCP_PAIR (named `comm`) makes its connections. */
async function withTcpPair(tool: string, comm: string) {
  const w: Workload = startWorkload('python3', ['-c', TCP_PAIR, comm]);
  try {
    const pid = (await w.waitFor(/ready (\d+)/))[1]!;
    let ports: RegExpExecArray | undefined;
    const r = await runTool(tool, [], async () => {
      w.send('go');
      ports = await w.waitFor(/ports (\d+) (\d+)/);
      await w.waitFor(/done/);
      await sleep(100); // the refused connect's RST has been handled by then
    });
    assert.is(r.code, 0, r.stderr);
    return { pid, client: ports![1]!, server: ports![2]!, stdout: r.stdout };
  } finally {
    await w.end();
  }
}

if (requireRoot('e2e tools-io-net')) {
  test('biolatency --interval=1: a histogram every second, and the writes counted', async () => {
    const r = await withDirectWrites('biolatency.bt', ['--', '--interval=1'], 1200);
    if (!r) return;
    assert.ok(r.stdout.startsWith('Tracing block device I/O... Hit Ctrl-C to end.\n'));
    // an interval's block: the time, then the histogram
    assert.match(r.stdout, /^\d\d:\d\d:\d\d\n@usecs:\n\[/m);
    // every bucket line of every block (intervals and the last one at Ctrl-C): at least our writes
    const n = r.stdout
      .split('\n')
      .map((l) => /^\[[^\]\)]+[\]\)]\s+(\d+) \|/.exec(l))
      .reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0);
    assert.ok(n >= WRITES, `${n} I/Os counted for ${WRITES} direct writes:\n${r.stdout}`);
  });

  test('biosnoop: one line per direct write, with the writer’s name and pid, W, 64 KiB and a latency', async () => {
    const r = await withDirectWrites('biosnoop.bt', []);
    if (!r) return;
    assert.match(r.stdout, /^TIME\(ms\)\s+COMM\s+PID\s+DEV\s+RWBS\s+SECTOR\s+BYTES\s+LAT\(us\)\n/);
    const ours = rows(r.stdout, 1, 'scry-bio').filter((c) => c[4]!.includes('W') && c[6] === String(SIZE));
    assert.ok(ours.length >= WRITES, `${ours.length} lines of 64 KiB writes by scry-bio:\n${r.stdout}`);
    for (const c of ours) {
      assert.is(c.length, 8, c.join(' '));
      assert.is(c[2], r.pid);
      assert.match(c[3]!, /^\d+,\d+$/);
      assert.ok(Number(c[7]) > 0 && Number(c[7]) < 10_000_000, `latency ${c[7]} us`);
    }
  });

  test('bitesize: the writer’s histogram has its direct writes in [64K, 128K)', async () => {
    const r = await withDirectWrites('bitesize.bt', []);
    if (!r) return;
    const h = histogram(r.stdout, '@bytes[scry-bio]:');
    const at64k = h.find((b) => b.lo === SIZE)?.count ?? 0;
    assert.ok(at64k >= WRITES, `${at64k} in [64K, 128K):\n${r.stdout}`);
  });

  test('tcpconnect: the connect with its source port, latency and result, and the refused one', async () => {
    const r = await withTcpPair('tcpconnect.bt', 'scry-client');
    assert.match(r.stdout, /^TIME\s+PID\s+COMM\s+SADDR\s+SPORT\s+DADDR\s+DPORT\s+LAT\(us\)\s+RESULT\n/);
    const ours = rows(r.stdout, 2, 'scry-client');
    assert.is(ours.length, 2, r.stdout);
    const [ok, refused] = ours;
    assert.equal(
      [ok![1], ok![3], ok![4], ok![5], ok![6], ok![8]],
      [r.pid, '127.0.0.1', r.client, '127.0.0.1', r.server, 'connected'],
    );
    assert.match(ok![0]!, /^\d\d:\d\d:\d\d$/);
    assert.ok(Number(ok![7]) >= 0 && Number(ok![7]) < 1_000_000, `latency ${ok![7]}`);
    assert.equal([refused![1], refused![6], refused![8]], [r.pid, r.server, 'failed']);
  });

  test('tcpaccept: the accepting process with the remote (client) and local (listening) ports', async () => {
    const r = await withTcpPair('tcpaccept.bt', 'scry-server');
    assert.match(r.stdout, /^TIME\s+PID\s+COMM\s+RADDR\s+RPORT\s+LADDR\s+LPORT\n/);
    const ours = rows(r.stdout, 2, 'scry-server');
    assert.is(ours.length, 1, r.stdout);
    assert.equal(ours[0]!.slice(1), [r.pid, 'scry-server', '127.0.0.1', r.client, '127.0.0.1', r.server]);
  });

  test('tcplife: both ends of the connection with the bytes each sent and received and the lifetime', async () => {
    const r = await withTcpPair('tcplife.bt', 'scry-client');
    assert.match(r.stdout, /^PID\s+COMM\s+LADDR\s+LPORT\s+RADDR\s+RPORT\s+TX_KB\s+RX_KB\s+MS\n/);
    const ours = rows(r.stdout, 1, 'scry-client');
    // two ends; the refused connect carried nothing and is tcpconnect's business
    assert.is(ours.length, 2, r.stdout);
    const client = ours.find((c) => c[3] === r.client);
    const server = ours.find((c) => c[3] === r.server);
    assert.ok(client && server, r.stdout);
    // 200000 bytes = 195 KiB one way, 5000 = 4 KiB back
    assert.equal(client!.slice(0, 8), [r.pid, 'scry-client', '127.0.0.1', r.client, '127.0.0.1', r.server, '195', '4']);
    assert.equal(server!.slice(0, 8), [r.pid, 'scry-client', '127.0.0.1', r.server, '127.0.0.1', r.client, '4', '195']);
    for (const c of [client!, server!]) assert.ok(Number(c[8]) >= 200 && Number(c[8]) < 5000, `lifetime ${c[8]} ms`);
  });

  test('tcpretrans: a SYN to an address that never answers (private netns, veth) is retransmitted after 1 s', async () => {
    // a veth whose peer has no address: the SYN goes nowhere and the 1 s SYN timer retransmits it
    const setup = [
      'ip link set lo up',
      'ip link add scry0 type veth peer name scry1',
      'ip addr add 10.9.9.1/24 dev scry0',
      'ip link set scry0 up',
      'ip link set scry1 up',
    ].join(' && ');
    const client = [
      'import socket, sys',
      "print('ready', flush=True)",
      'sys.stdin.readline()',
      's = socket.socket()',
      's.settimeout(1.5)',
      'try:',
      "    s.connect(('10.9.9.2', 40123))",
      'except OSError:',
      '    pass',
      "print('done', flush=True)",
    ].join('\n');
    const w = startWorkload('unshare', [
      '-n',
      'sh',
      '-c',
      `(${setup}) 2>&1 || { echo "setup failed"; exit 0; }; exec python3 -c "$0"`,
      client,
    ]);
    try {
      const m = await w.waitFor(/ready|setup failed[^]*/);
      if (m[0] !== 'ready') return skipCheck('e2e tools-io-net tcpretrans', `network namespace: ${m[0]}`);
      const r = await runTool('tcpretrans.bt', [], async () => {
        w.send('go');
        await w.waitFor(/done/);
      });
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, /^TIME\s+LADDR\s+LPORT\s+RADDR\s+RPORT\s+STATE\n/);
      const ours = rows(r.stdout, 3, '10.9.9.2');
      assert.ok(ours.length >= 1, r.stdout);
      const [time, laddr, lport, , rport, state] = ours[0]!;
      assert.match(time!, /^\d\d:\d\d:\d\d$/);
      assert.equal([laddr, rport, state], ['10.9.9.1', '40123', 'SYN_SENT']);
      assert.ok(Number(lport) > 0, `local port ${lport}`);
    } finally {
      await w.end();
    }
  });
}

test.run();
