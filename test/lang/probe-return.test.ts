// `return X;` in a probe (bpftrace v0.26 basic.probe return): X is the probe program's return value, an
// integer; break/continue take none, and inside a loop (a callback whose return the loop consumes) it is
// refused with what to write instead. The value reaching r0 is pinned by e2e/probe-return.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const diagnostics = (text: string) => renderDiagnostics(compileSource(text, fixedKernel).diagnostics);

test('return with an integer value compiles, as does a bare return', () => {
  for (const text of ['BEGIN { $a = 1; print($a); return $a; }', 'BEGIN { return 1 + 2; }', 'BEGIN { return; }'])
    assert.ok(compileSource(text, fixedKernel).program, `${text}\n${diagnostics(text)}`);
});

test('a non-integer value, a value on break, and a value inside a loop are refused, each where it is', () => {
  assert.match(
    diagnostics('BEGIN { return "x"; }'),
    /^stdin:1:16-19: ERROR: Probe return values can only be integers\. Found string/,
  );
  assert.match(diagnostics('i:ms:1 { while (1) { break 3; } }'), /^stdin:1:28-29: ERROR: break takes no value\n/m);
  assert.match(
    diagnostics('BEGIN { for ($i : 0..3) { return 1; } }'),
    /ERROR: return with a value inside a loop is not supported\n[^\n]*\n *~+\nHINT: set a variable in the loop, break, and return it after the loop/,
  );
});

test('statements after return X are unreachable, as after return', () => {
  assert.match(diagnostics('BEGIN { return 1; @a = 1; }'), /WARNING: Unreachable statement\./);
});

test.run();
