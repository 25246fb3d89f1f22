// Completion offers probe names from the runtime's listing only (the names `scry -l` prints), so it never
// offers a probe this kernel cannot attach: hardware events without a PMU, kprobes without CONFIG_KPROBES.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { complete, type CompletionContext } from '../../repl/complete.ts';
import { probeListing } from '../../runtime/index.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const ctx: CompletionContext = { pending: '', mapNames: () => [], programIds: () => [], commands: [] };
/** The names -l lists for a pattern, without `provider:` and the perf events' trailing colon. */
const listed = (pattern: string) =>
  probeListing(pattern).lines.map((l) => l.slice(l.indexOf(':') + 1).replace(/:$/, ''));

if (requireTracepoint('completion from the listing', 'sched/sched_switch')) {
  test('software and hardware events: what -l lists here, nothing where the kernel refuses them', () => {
    assert.equal(complete('software:cpu-', ctx)[0], listed('software:cpu-*'));
    assert.ok(complete('software:cpu-', ctx)[0].includes('cpu-clock'));
    // on a machine without a hardware PMU -l lists none, and Tab offers none
    assert.equal(complete('hardware:', ctx)[0], listed('hardware:*'));
  });

  test('tracepoints: groups and events as -l lists them', () => {
    assert.equal(
      complete('tracepoint:sched:sched_sw', ctx)[0],
      listed('tracepoint:sched:sched_sw*').map((n) => n.slice('sched:'.length)),
    );
    // -l names raw tracepoints with their module (rawtracepoint:vmlinux:sched_switch); Tab offers the shorter form
    assert.equal(
      complete('rawtracepoint:sched_sw', ctx)[0],
      listed('rawtracepoint:sched_sw*').map((n) => n.slice('vmlinux:'.length)),
    );
  });

  test('kernel functions: only where a function probe attaches', () => {
    const kprobes = probeListing('kprobe:vfs_rea*').lines.length > 0;
    const fentry = probeListing('fentry:vfs_rea*').lines.length > 0;
    assert.is(complete('kprobe:vfs_rea', ctx)[0].includes('vfs_read'), kprobes || fentry);
  });
}

test.run();
