// A positional parameter as a whole attach point: `$1 { }` with the attach point's text in $1.
// Pinned: bpftrace v0.26.1 (tests/runtime/other "positional attachpoint full"); bpftrace 0.17 refuses it
// with a syntax error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { program } from './parser-helpers.ts';

const attached = (text: string, params: string[]) => {
  const out = check(program(text), fixedKernel, { params });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return out.program!.probes.map((p) => p.attach.map((a) => a.text));
};

test('$1 at the top level is an attach point standing for its text', () => {
  assert.equal(attached('$1 { }', ['i:ms:1']), [['interval:ms:1']]);
  assert.equal(attached('$1, $2 { } END { }', ['BEGIN', 'tracepoint:syscalls:sys_enter_openat']), [
    ['BEGIN', 'tracepoint:syscalls:sys_enter_openat'],
    ['END'],
  ]);
});

test('a predicate after it still reads $N as a value', () => {
  const out = check(program('$1 /$2 == 3/ { }'), fixedKernel, { params: ['BEGIN', '3'] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  assert.ok(out.program!.probes[0]!.probe.predicate);
});

test('$1 without a parameter names no probe type (an error, not a crash)', () => {
  const out = check(program('$1 { }'), fixedKernel, { params: [] });
  assert.not.ok(out.program);
  assert.match(
    renderDiagnostics(out.diagnostics),
    'ERROR: the attach point $1 is empty: no positional parameter gives its text',
  );
});

test.run();
