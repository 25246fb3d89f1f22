// `probe` in begin/end names the probe as written. Pinned: bpftrace v0.26.1 (tests/runtime/builtin
// "begin probe": `begin`/`end` print as begin-end) and bpftrace 0.17 (`BEGIN` prints BEGIN; v0.26 lowercases it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { program } from './parser-helpers.ts';

test('begin/end and BEGIN/END keep their spelling in the probe name', () => {
  const out = check(program('begin { } end { } BEGIN { } END { }'), fixedKernel);
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  assert.equal(
    out.program!.probes.map((p) => [p.attach[0]!.provider, p.attach[0]!.text]),
    [
      ['BEGIN', 'begin'],
      ['END', 'end'],
      ['BEGIN', 'BEGIN'],
      ['END', 'END'],
    ],
  );
});

test('provider names are case-insensitive (bpftrace v0.26 #4371); Begin is named begin, interval as written', () => {
  const out = check(
    program('Begin { } INTERVAL:ms:100 { } Interval:s:1 { } Software:cpu-clock { } software:cpu:1e5 { } eNd { }'),
    fixedKernel,
  );
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  assert.equal(
    out.program!.probes.map((p) => [p.attach[0]!.provider, p.attach[0]!.text]),
    [
      ['BEGIN', 'begin'],
      ['interval', 'interval:ms:100'],
      ['interval', 'interval:s:1'],
      // no count given, none named (v0.26 AttachPoint::name); a count in decimal
      ['software', 'software:cpu-clock'],
      ['software', 'software:cpu:100000'],
      ['END', 'end'],
    ],
  );
});

test('a point two attach points of a probe both name is attached once (the kernel refuses a second link: EEXIST)', () => {
  const out = check(
    program('tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_mk*, t:syscalls:sys_enter_mkdir { }'),
    fixedKernel,
  );
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  const texts = out.program!.probes[0]!.attach.map((a) => a.text);
  assert.is(texts.filter((t) => t === 'tracepoint:syscalls:sys_enter_mkdir').length, 1, texts.join());
});

test.run();
