// `return X;` sets the probe program's return value (bpftrace v0.26): the compiled BEGIN program, loaded and
// test-run, returns X; a bare return and the end of the probe return 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostKernelInfo } from '../../runtime/index.ts';
import { loadProgram, progTestRun } from '../../runtime/sys/bpf.ts';
import { ProgType } from '../../runtime/sys/constants.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

function returned(text: string): number {
  const [p] = compileText(text, hostKernelInfo()).programs;
  assert.equal(p!.relocations, [], 'a program without maps loads as it is');
  assert.is(p!.progType, 'raw_tracepoint', 'BEGIN is a raw tracepoint program, which test-runs');
  const fd = loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: p!.bytecode, license: 'GPL' });
  try {
    return progTestRun(fd.fd).retval;
  } finally {
    fd.close();
  }
}

if (requireRoot('e2e probe return')) {
  test('the value reaches the kernel as the program return value', () => {
    assert.is(returned('BEGIN { $a = 6; return $a + 1; }'), 7);
    assert.is(returned('BEGIN { if (1) { return 3; } return 4; }'), 3);
    assert.is(returned('BEGIN { return; }'), 0);
    assert.is(returned('BEGIN { $a = 1; }'), 0);
  });
}

test.run();
