// The kprobe variant of tcpconnect (examples/tools/tcpconnect-kp.bt), which cannot attach on the development
// machine's kernel: run as a user runs it around a loopback connect whose pid and ports the test knows.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heldChild, inGuest, output, TOOL_TIMEOUT_MS, traceAround } from './guest.ts';

const tools = fileURLToPath(new URL('../../examples/tools/', import.meta.url));

// a listener on 127.0.0.1:40125 and one connect to it; prints the client's port
const CONNECT = [
  'import socket',
  'srv = socket.socket()',
  'srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  "srv.bind(('127.0.0.1', 40125))",
  'srv.listen()',
  "c = socket.create_connection(('127.0.0.1', 40125))",
  "print('client', c.getsockname()[1], flush=True)",
].join('\n');

if (inGuest('vm tools-net-kp')) {
  test('tcpconnect-kp: a loopback connect with the caller’s pid and name, its source port and 40125', async () => {
    // the guest boots with loopback down
    const up = spawnSync('/usr/sbin/ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
    assert.is(up.status, 0, `ip link set lo up: ${up.stderr}`);
    const child = heldChild(['/usr/bin/python3', '-c', CONNECT]);
    let client = '';
    const r = await traceAround(
      ['-q', join(tools, 'tcpconnect-kp.bt')],
      async () => {
        const run = await child.run();
        client = /client (\d+)/.exec(run.stdout)?.[1] ?? `(none: ${run.stdout} ${run.stderr})`;
        await new Promise((r) => setTimeout(r, 500)); // the line reaches stdout before Ctrl-C drops the queue
      },
      {},
      TOOL_TIMEOUT_MS,
    );
    assert.is(r.code, 0, output(r));
    assert.match(r.stdout, /^TIME\s+PID\s+COMM\s+SADDR\s+SPORT\s+DADDR\s+DPORT\n/m);
    const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    const ours = rows.filter((c) => c[1] === String(child.pid));
    assert.is(ours.length, 1, `client ${client}, pid ${child.pid}\n${output(r)}`);
    const [time, , comm, saddr, sport, daddr, dport] = ours[0]!;
    assert.match(time!, /^\d\d:\d\d:\d\d$/);
    assert.equal([comm, saddr, sport, daddr, dport], ['python3', '127.0.0.1', client, '127.0.0.1', '40125']);
  });
  test.run();
}
