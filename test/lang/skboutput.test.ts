// skboutput() (bpftrace v0.26): checked where the kernel offers bpf_skb_output (tracing programs: fentry,
// fexit, BTF rawtracepoints), on a struct sk_buff pointer, with a literal file and offset; compiled to one
// call of helper 111 on the skb_output perf event array, whose calls the program lists for the runtime.
// The pcap file format is pinned here too. The run is test/e2e/skboutput.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../compiler/asm/index.ts';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { hostKernelInfo } from '../../runtime/kernel/kernel-info.ts';
import { PcapWriter } from '../../runtime/pcap.ts';
import { diagnose } from '../helpers/pipeline.ts';

test('skboutput() is refused where bpf_skb_output is not offered, with what to write instead', () => {
  const out = diagnose('tracepoint:syscalls:sys_enter_openat { skboutput("x.pcap", (struct sk_buff *)0, 10, 0); }');
  assert.match(out, 'skboutput() works in fentry, fexit and BTF rawtracepoint probes only');
  assert.match(out, 'not tracepoint:syscalls:sys_enter_openat');
  assert.match(out, 'HINT: probe a function that takes the packet');
});

if (!existsSync('/sys/kernel/btf/vmlinux'))
  process.stderr.write('SKIP skboutput compile: no /sys/kernel/btf/vmlinux\n');
else
  test('in a BTF rawtracepoint it compiles to bpf_skb_output on the perf event array; its arguments are checked', () => {
    const kernel = hostKernelInfo();
    const text = 'rawtracepoint:consume_skb { $r = skboutput("a.pcap", (struct sk_buff *)arg0, 64, 14); @r = $r; }';
    const r = compileSource(text, kernel, {});
    assert.ok(r.program, renderDiagnostics(r.diagnostics));
    const p = r.program!;
    assert.equal(p.skbOutputs, [{ file: 'a.pcap', offset: 14 }]);
    assert.equal(
      p.maps.find((m) => m.name === 'skb_output'),
      { name: 'skb_output', kind: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 0 },
    );
    assert.ok(disasm(p.programs[0]!.bytecode).includes('call 111'));
    const bad = (t: string) => renderDiagnostics(compileSource(t, kernel, {}).diagnostics);
    assert.match(
      bad('rawtracepoint:consume_skb { skboutput("a", (struct sock *)arg0, 1, 0); }'),
      'needs a struct sk_buff *',
    );
    assert.match(
      bad('rawtracepoint:consume_skb { $f = "a"; skboutput($f, (struct sk_buff *)arg0, 1, 0); }'),
      'file name as a string literal',
    );
    assert.match(bad('rawtracepoint:consume_skb { $o = 1; skboutput("a", (struct sk_buff *)arg0, 1, $o); }'), 'offset');
  });

test('a pcap file: the classic header (raw IP, 65535) and a record per packet with µs timestamps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scry-pcap-'));
  try {
    const file = join(dir, 'x.pcap');
    const w = new PcapWriter(file);
    w.write(3_000_004_999n, new Uint8Array([0x45, 1, 2]));
    w.close();
    const b = readFileSync(file);
    assert.is(b.toString('hex', 0, 24), 'd4c3b2a1020004000000000000000000ffff000065000000');
    assert.equal([b.readUInt32LE(24), b.readUInt32LE(28), b.readUInt32LE(32), b.readUInt32LE(36)], [3, 4, 3, 3]);
    assert.is(b.toString('hex', 40), '450102');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
