// config = { missing_probes = error|warn|ignore }: what an attach point that matches nothing is.
// Pinned: bpftrace v0.26 (src/config.h default error; "No matches for <type> <point>. Skipping." and
// "Probe has no valid attach points. It is being removed …" when warning; "No probes to attach" when none
// is left). bpftrace 0.17 has no missing_probes setting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';

test('default (error): a missing tracepoint in a list is an error', () => {
  const out = diagnose('tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:nonsense { }');
  // bpftrace v0.26's words, scry's reason under them
  assert.match(out, 'ERROR: No matches for tracepoint syscalls:nonsense.\n');
  assert.match(out, 'HINT: unknown tracepoint syscalls:nonsense\n');
});

test('missing_probes = "error" is the default spelled out', () => {
  const out = diagnose('config = { missing_probes = "error" } tracepoint:syscalls:nonsense { }');
  // bpftrace v0.26's words, scry's reason under them
  assert.match(out, 'ERROR: No matches for tracepoint syscalls:nonsense.\n');
  assert.match(out, 'HINT: unknown tracepoint syscalls:nonsense\n');
});

test('warn: the missing point is skipped with a warning, the others stay', () => {
  const prog =
    'config = { missing_probes = "warn" } tracepoint:syscalls:sys_enter_mkdir,tracepoint:nonsense:nonsense { $c = args.mode; }';
  const at = prog.indexOf('tracepoint:nonsense');
  const [head, ...rest] = diagnose(prog).split('\n');
  // the location's column, whatever the renderer adds after it
  assert.match(
    head!,
    new RegExp(`^stdin:1:${at + 1}\\b\\S*: WARNING: No matches for tracepoint nonsense:nonsense\\. Skipping\\.$`),
  );
  assert.equal(rest, [
    prog,
    `${' '.repeat(at)}${'~'.repeat('tracepoint:nonsense:nonsense'.length)}`,
    'HINT: unknown tracepoint nonsense:nonsense',
    '',
  ]);
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

test('--probe-filter keeps the probes whose names the regex finds, and BEGIN/END (bpftrace v0.26)', () => {
  const text =
    'BEGIN { } tracepoint:syscalls:sys_enter_mkdir { } tracepoint:syscalls:sys_enter_openat, tracepoint:sched:sched_switch { } END { }';
  const names = (filter: string) =>
    compileText(text, fixedKernel, { probeFilter: filter }).programs.map((p) => p.attach.text);
  assert.equal(names('openat|mkdir$'), [
    'BEGIN',
    'tracepoint:syscalls:sys_enter_mkdir',
    'tracepoint:syscalls:sys_enter_openat',
    'END',
  ]);
  const none = compileSource('tracepoint:sched:sched_switch { }', fixedKernel, { probeFilter: 'nonexistent' });
  assert.match(renderDiagnostics(none.diagnostics), 'ERROR: No probes to attach');
});

test.run();
