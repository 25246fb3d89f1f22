// Scripts of the kind bpftrace's kprobe tools are (vfsstat, vfscount, xfsdist-style latency, tcpconnect,
// tcpaccept), written for scry's own tests: multi-probe kprobe lists with map keys by comm/probe, kprobe+
// kretprobe pairs keyed by tid with a latency histogram, and kernel structs reached through a cast of argN
// or retval (BTF). Each counts what a child (or this process) did after scry said its probes were attached.
import { execFileSync } from 'node:child_process';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY } from '../helpers/cli.ts';
import { heldChild, inGuest, output, scratchDir, TOOL_TIMEOUT_MS, traceAround } from './guest.ts';

/** The lines of a printed histogram (`[lo, hi)  count |@@@|`) and the sum of their counts. */
function histTotal(stdout: string, map: string): number {
  const at = stdout.indexOf(`\n${map}:\n`);
  assert.ok(at >= 0, `no ${map} histogram in:\n${stdout}`);
  let total = 0;
  for (const line of stdout.slice(at + map.length + 3).split('\n')) {
    const m = /^[[(][^\])]*[\])]\s+(\d+) \|[@ ]*\|$/.exec(line);
    if (!m) break;
    total += Number(m[1]);
  }
  return total;
}

if (inGuest('vm tools')) {
  test('a vfsstat-like counter: kprobe:vfs_read,kprobe:vfs_write keyed by comm and probe, argN filter', async () => {
    // dd with bs=1 reads and writes 1 byte 7 times; ld.so's reads of the libraries are not 1 byte long
    const child = heldChild(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=7', 'status=none']);
    const prog = `BEGIN { printf("Tracing vfs reads and writes\\n"); }
                  kprobe:vfs_read, kprobe:vfs_write /pid == ${child.pid} && arg2 == 1/ { @[comm, probe] = count(); }
                  END { printf("done\\n"); }`;
    const r = await traceAround(['-e', prog], () => child.run(), {}, TOOL_TIMEOUT_MS);
    assert.is(r.code, 0, output(r));
    // BEGIN's header is the first line after the attach notice, END's line comes before the maps
    assert.ok(r.stdout.startsWith(`${NOTIFY}\nTracing vfs reads and writes\n`), output(r));
    assert.ok(r.stdout.includes('\n@[dd, kprobe:vfs_read]: 7\n'), output(r));
    assert.ok(r.stdout.includes('\n@[dd, kprobe:vfs_write]: 7\n'), output(r));
    assert.ok(r.stdout.indexOf('\ndone\n') < r.stdout.indexOf('\n@['), output(r));
  });

  test('an xfsdist-like latency: kprobe stores nsecs by tid, kretprobe makes a histogram and sums retval', async () => {
    const child = heldChild(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=3', 'count=6', 'status=none']);
    const prog = `kprobe:vfs_read /pid == ${child.pid} && arg2 == 3/ { @start[tid] = nsecs; }
                  kretprobe:vfs_read /has_key(@start, tid)/ {
                    @ns = hist(nsecs - @start[tid]); @n = count(); @bytes = sum(retval); delete(@start, tid);
                  }
                  END { clear(@start); }`;
    const r = await traceAround(['-e', prog], () => child.run(), {}, TOOL_TIMEOUT_MS);
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@n: 6\n'), output(r));
    assert.ok(r.stdout.includes('\n@bytes: 18\n'), output(r));
    assert.is(histTotal(r.stdout, '@ns'), 6, output(r));
    assert.not.match(r.stdout, /@start/, output(r));
  });

  test('kernel structs through a cast of arg0: the file name a vfs_write writes to (struct file -> dentry)', async () => {
    const dir = scratchDir('/var/tmp');
    const file = join(dir, 'scry-written-file');
    const child = heldChild(['dd', 'if=/dev/zero', `of=${file}`, 'bs=5', 'count=2', 'status=none']);
    const prog = `kprobe:vfs_write /pid == ${child.pid}/ {
                    $f = (struct file *)arg0;
                    @[str($f->f_path.dentry->d_name.name), $f->f_inode->i_sb->s_magic != 0] = sum(arg2);
                  }`;
    const r = await traceAround(['-e', prog], () => child.run(), {}, TOOL_TIMEOUT_MS);
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[scry-written-file, true]: 10\n'), output(r));
  });

  test('tcpconnect/tcpaccept-like: struct sock from arg0 and from retval, ntop of the address, the ports', async () => {
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
    const server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const prog = `#include <sys/socket.h>
                  kprobe:tcp_connect /pid == ${process.pid}/ {
                    $sk = (struct sock *)arg0;
                    printf("connect %s %d\\n", ntop($sk->__sk_common.skc_daddr), bswap($sk->__sk_common.skc_dport));
                  }
                  kretprobe:inet_csk_accept /pid == ${process.pid}/ {
                    $sk = (struct sock *)retval;
                    printf("accept %s %d\\n", ntop(AF_INET, $sk->__sk_common.skc_rcv_saddr), $sk->__sk_common.skc_num);
                  }`;
    const r = await traceAround(
      ['-e', prog],
      async () => {
        for (let i = 0; i < 2; i++) {
          await new Promise<void>((resolve, reject) => {
            const c = createConnection(port, '127.0.0.1');
            c.on('error', reject);
            c.on('close', () => resolve());
            c.resume();
          });
        }
      },
      {},
      TOOL_TIMEOUT_MS,
    );
    server.close();
    assert.is(r.code, 0, output(r));
    const lines = r.stdout.split('\n');
    assert.is(lines.filter((l) => l === `connect 127.0.0.1 ${port}`).length, 2, output(r));
    assert.is(lines.filter((l) => l === `accept 127.0.0.1 ${port}`).length, 2, output(r));
  });

  test.run();
}
