// skboutput() on the real kernel: a BTF rawtracepoint on consume_skb writes the packets the kernel frees to
// a pcap file through bpf_skb_output and the per-CPU perf buffers (runtime/perf-buffer.ts), each record as
// long as the packet it says; bpftrace v0.26's call.skboutput rawtracepoint attaches. Loopback traffic
// (UDP to a closed port, made here) is what gets consumed.
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startScry } from '../helpers/cli.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';

function traffic(): Promise<void> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    let n = 0;
    const send = () => {
      if (n++ >= 20) return s.close(() => resolve());
      s.send(Buffer.alloc(60, 0x61), 9, '127.0.0.1', () => setTimeout(send, 20));
    };
    send();
  });
}

if (requireRoot('e2e skboutput')) {
  test('rawtracepoint:consume_skb packets land in the pcap file, each record as long as its packet', async () => {
    if (!existsSync('/sys/kernel/btf/vmlinux'))
      return skipCheck('skboutput', 'no kernel BTF (rawtracepoint as tp_btf)');
    const dir = mkdtempSync(join(tmpdir(), 'scry-skb-'));
    try {
      const file = join(dir, 'out.pcap');
      const run = startScry([
        '-e',
        `rawtracepoint:consume_skb { $s = (struct sk_buff *)arg0; if ($s->len >= 20) { $r = skboutput("${file}", $s, $s->len, 0); if ($r == 0) { @n++; if (@n >= 3) { exit(); } } } }`,
      ]);
      const deadline = Date.now() + 15_000;
      let done = false;
      void run.finished.then(() => (done = true));
      while (!done && Date.now() < deadline) await traffic();
      const r = await run.finished;
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, '@n: 3');
      const b = readFileSync(file);
      assert.is(b.readUInt32LE(0), 0xa1b2c3d4);
      let at = 24;
      let records = 0;
      while (at + 16 <= b.length) {
        const cap = b.readUInt32LE(at + 8);
        assert.ok(cap >= 20 && at + 16 + cap <= b.length, `record at ${at}: ${cap} bytes`);
        at += 16 + cap;
        records++;
      }
      assert.is(at, b.length);
      assert.ok(records >= 3, `${records} records`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bpftrace's call.skboutput rawtracepoint program attaches", async () => {
    if (!existsSync('/sys/kernel/btf/vmlinux'))
      return skipCheck('skboutput', 'no kernel BTF (rawtracepoint as tp_btf)');
    const dir = mkdtempSync(join(tmpdir(), 'scry-skb-'));
    try {
      const run = startScry([
        '-e',
        `rawtracepoint:consume_skb { $ret = skboutput("${join(dir, 'receive.pcap')}", (struct sk_buff *)arg0, 1, 0); printf("ret: %d\\n", $ret); exit(); }`,
      ]);
      const deadline = Date.now() + 15_000;
      let done = false;
      void run.finished.then(() => (done = true));
      while (!done && Date.now() < deadline) await traffic();
      const r = await run.finished;
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stderr + r.stdout, 'Attached 1 probe');
      assert.match(r.stdout, /^ret: -?\d+$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
