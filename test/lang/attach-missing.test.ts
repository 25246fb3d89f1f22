// What an attach point that names nothing here is, and what it is not.
// Pinned: bpftrace v0.26.1 (src/ast/passes/ap_probe_expansion.cpp, probe_prune.cpp; tests/runtime/probe
// tracepoint_missing, rawtracepoint_missing, rawtracepoint_module_missing): an exact point that matches
// nothing is "No matches for <type> <point>." (an error by default); a pattern that matches nothing drops
// out of its probe, and a probe left with no points is "Probe has no valid attach points.". bpftrace 0.17
// says "Unknown tracepoint"/"Could not attach". Failures of the machine (no root, no tracefs) are neither:
// they stay errors in scry's words whatever missing_probes says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KernelInfo } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';

test('an exact point that matches nothing: bpftrace v0.26 words first, scry reason and hints below', () => {
  const out = diagnose('tracepoint:syscalls:sys_enter_mkdir, t:syscalls:nonsense { }');
  assert.match(out, /^stdin:1:38-57: ERROR: No matches for tracepoint syscalls:nonsense\.\n/);
  assert.match(out, '\nHINT: unknown tracepoint syscalls:nonsense\n');
  assert.match(out, '\nHINT: config = { missing_probes = "warn" } goes on without it\n');
});

test("a probe whose every point was refused is not checked further: no errors about args after the point's", () => {
  const out = diagnose('tracepoint:nosuch:x { printf("%d\\n", args.foo); } BEGIN { $y = nope; }');
  assert.match(out, 'ERROR: No matches for tracepoint nosuch:x.');
  assert.not.match(out, 'args is only available');
  // the other probes still are
  assert.match(out, "ERROR: unknown identifier 'nope'");
  // an iterator named by a wildcard is refused in words (as v0.26 refuses it), its body not checked
  const wild = diagnose('iter:task* { printf("%s\\n", ctx.task.comm); }');
  assert.match(wild, 'ERROR: iter probes take no wildcards');
  assert.is(wild.match(/ERROR/g)?.length, 1, wild);
});

test('rawtracepoint:module:event with a module that is not there is an exact miss', () => {
  const out = diagnose('rawtracepoint:nonsense:sched_switch { }', { ...fixedKernel, btf: () => ({}) as never });
  assert.match(out, 'ERROR: No matches for rawtracepoint nonsense:sched_switch.\n');
});

test('a pattern matching nothing drops out of its probe; the probe keeps its other points', () => {
  assert.is(diagnose('tracepoint:syscalls:nonsense*, tracepoint:syscalls:sys_enter_mkdir { }'), '');
});

test('a probe whose points were all patterns matching nothing has no valid attach points', () => {
  // rawtracepoint:event looks in every module: a pattern in bpftrace v0.26
  for (const prog of ['rawtracepoint:nonsense { }', 'tracepoint:syscalls:nonsense* { }']) {
    const out = diagnose(prog);
    assert.match(
      out,
      /^stdin:1:1-\d+: ERROR: Probe has no valid attach points\. If this is expected, set the 'missing_probes' config variable to 'warn'\.\n/,
      prog,
    );
    assert.match(out, /\nHINT: no (raw )?tracepoint matches/, prog);
    assert.not.match(out, 'No matches for', prog);
  }
  assert.match(
    diagnose('config = { missing_probes = "warn" } BEGIN { } rawtracepoint:nonsense { }'),
    'WARNING: Probe has no valid attach points. It is being removed',
  );
});

test('a failure of the machine is no "No matches", and missing_probes does not hide it', () => {
  const noRoot: KernelInfo = {
    ...fixedKernel,
    tracepoints: () => {
      throw Object.assign(new Error('scry needs root to read tracepoints'), { hints: ['run it as root'] });
    },
    tracepointFormat: () => {
      throw Object.assign(new Error('scry needs root to read tracepoints'), { hints: ['run it as root'] });
    },
  };
  for (const config of ['', 'config = { missing_probes = "ignore" } BEGIN { } ']) {
    const out = diagnose(`${config}tracepoint:syscalls:nonsense { }`, noRoot);
    assert.match(out, 'ERROR: scry needs root to read tracepoints\n', config);
    assert.match(out, 'HINT: run it as root\n', config);
    assert.not.match(out, 'No matches', config);
    assert.not.match(out, 'Probe has no valid attach points', config);
  }
});

test('a malformed point is no "No matches" either', () => {
  assert.match(diagnose('tracepoint:syscalls { }'), /ERROR: tracepoint needs a group and an event\n/);
});

test.run();
