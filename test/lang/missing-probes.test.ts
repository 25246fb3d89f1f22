// config = { missing_probes = error|warn|ignore }: what an attach point that matches nothing is.
// Pinned: bpftrace v0.26 (src/config.h default error; "No matches for <type> <point>. Skipping." and
// "Probe has no valid attach points. It is being removed …" when warning; "No probes to attach" when none
// is left). bpftrace 0.17 has no missing_probes setting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../helpers/pipeline.ts';

test('default (error): a missing tracepoint in a list is an error', () => {
  const out = diagnose('tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:nonsense { }');
  assert.match(out, 'ERROR: unknown tracepoint syscalls:nonsense');
});

test('missing_probes = "error" is the default spelled out', () => {
  const out = diagnose('config = { missing_probes = "error" } tracepoint:syscalls:nonsense { }');
  assert.match(out, 'ERROR: unknown tracepoint syscalls:nonsense');
});

test('warn: the missing point is skipped with a warning, the others stay', () => {
  const prog =
    'config = { missing_probes = "warn" } tracepoint:syscalls:sys_enter_mkdir,tracepoint:nonsense:nonsense { $c = args.mode; }';
  const at = prog.indexOf('tracepoint:nonsense');
  assert.is(
    diagnose(prog),
    `stdin:1:${at + 1}: WARNING: No matches for tracepoint nonsense:nonsense. Skipping.\n${prog}\n` +
      `${' '.repeat(at)}${'~'.repeat('tracepoint:nonsense:nonsense'.length)}\n` +
      'HINT: unknown tracepoint nonsense:nonsense\n',
  );
});

test('warn: a probe left with no points is removed, with bpftrace words', () => {
  const out = diagnose('config = { missing_probes=warn } BEGIN { } t:syscalls:nonsense { }');
  assert.match(out, 'WARNING: No matches for tracepoint syscalls:nonsense. Skipping.');
  assert.match(
    out,
    'WARNING: Probe has no valid attach points. It is being removed which may cause issues with program behavior.',
  );
  assert.not.match(out, 'ERROR');
});

test('ignore: nothing is said, and with nothing left there are no probes to attach', () => {
  assert.is(diagnose('config = { missing_probes=ignore } BEGIN { } t:syscalls:nonsense { }'), '');
  assert.match(diagnose('config = { missing_probes=ignore } t:syscalls:nonsense { }'), 'ERROR: No probes to attach');
});

test('a malformed attach point stays an error whatever missing_probes says', () => {
  const out = diagnose('config = { missing_probes=ignore } BEGIN { } tracepoint:syscalls { }');
  assert.match(out, 'ERROR: tracepoint needs a group and an event');
});

test('an unknown missing_probes value is an error naming the three', () => {
  assert.match(diagnose('config = { missing_probes=maybe } BEGIN { }'), 'must be "error", "warn" or "ignore"');
});

test.run();
