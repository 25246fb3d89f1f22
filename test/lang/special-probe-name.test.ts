// `probe` in begin/end names the probe as written. Pinned: bpftrace v0.26.1 (tests/runtime/builtin
// "begin probe": `begin`/`end` print as begin-end) and bpftrace 0.17 (`BEGIN` prints BEGIN).
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

test.run();
