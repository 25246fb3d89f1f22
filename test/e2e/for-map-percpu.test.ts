// Aggregations are per-CPU maps; a probe that reads one (`for ($kv : @m)`, `@m[key]`) must see the entry over
// all CPUs, as print(@m) shows it and as bpftrace v0.26 reads it (bpf_map_lookup_percpu_elem per CPU):
// count/sum added up, min/max the best any CPU recorded, avg the total over the count. Pinned: bpftrace v0.26's
// behaviour (bpftrace 0.17 has no for loops over maps and cannot read aggregations in a probe).
//
// A copy of `true` with a name of its own runs 3 times on one CPU and 2 times on another; then a second copy,
// pinned to the second CPU, makes the probe that reads the maps. Reading one CPU's share would give 2, not 5.
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, startScry } from '../helpers/cli.ts';
import { commandsOnCpus, twoCpus } from '../helpers/cpus.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const suite = 'e2e for-map and reads over per-CPU maps';
const cpus = requireTracepoint(suite, 'syscalls/sys_enter_exit_group') ? twoCpus(suite) : undefined;

if (cpus) {
  test('for loops and @m[key] reads see count/sum/min/max/avg over all CPUs, as print(@m) does', async () => {
    const [a, b] = cpus;
    const worker = `pcw${process.pid}`.slice(0, 15);
    const reader = `pcr${process.pid}`.slice(0, 15);
    const cmds = commandsOnCpus([worker, reader]);
    const prog = `
      tracepoint:syscalls:sys_enter_exit_group /comm == "${worker}"/ {
        @c[comm] = count(); @s[comm] = sum(cpu + 1); @mn[comm] = min(cpu * 10 + 5); @mx[comm] = max(cpu * 10 + 5);
        @a[comm] = avg(cpu * 100); @neg[comm] = max(-100 - (int64)cpu);
      }
      tracepoint:syscalls:sys_enter_exit_group /comm == "${reader}"/ {
        for ($kv : @c) { printf("loop count %s %d\\n", $kv.0, $kv.1); }
        for ($kv : @s) { printf("loop sum %d\\n", $kv.1); }
        for ($kv : @mn) { printf("loop min %d\\n", $kv.1); }
        for ($kv : @mx) { printf("loop max %d above %d: %d\\n", $kv.1, 10, $kv.1 > 10); }
        for ($kv : @a) { printf("loop avg %d\\n", $kv.1); }
        for ($kv : @neg) { printf("loop neg %d\\n", $kv.1 * 2); }
        printf("read %d %d %d %d %d %d %d\\n", @c["${worker}"], @s["${worker}"], @mn["${worker}"], @mx["${worker}"], @a["${worker}"], @neg["${worker}"], @c["absent"]);
        exit();
      }`;
    try {
      const s = startScry(['-q', '-e', prog], { [NOTIFY]: '1' });
      await s.waitForStdout(NOTIFY);
      for (const cpu of [a, a, a, b, b]) cmds.run(worker, cpu);
      cmds.run(reader, b);
      const r = await s.finished;
      assert.is(r.code, 0, r.stderr);
      const sum = 3 * (a + 1) + 2 * (b + 1);
      const min = Math.min(a, b) * 10 + 5;
      const max = Math.max(a, b) * 10 + 5;
      const avg = Math.trunc((300 * a + 200 * b) / 5);
      const neg = -100 - Math.min(a, b);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('loop') || l.startsWith('read'));
      assert.equal(lines, [
        `loop count ${worker} 5`,
        `loop sum ${sum}`,
        `loop min ${min}`,
        `loop max ${max} above 10: 1`,
        `loop avg ${avg}`,
        `loop neg ${neg * 2}`,
        `read 5 ${sum} ${min} ${max} ${avg} ${neg} 0`,
      ]);
      // the same numbers user space prints for the maps at exit
      for (const [map, v] of [
        ['c', 5],
        ['s', sum],
        ['mn', min],
        ['mx', max],
        ['a', avg],
        ['neg', neg],
      ] as const)
        assert.ok(r.stdout.includes(`@${map}[${worker}]: ${v}\n`), `@${map}: ${r.stdout}`);
    } finally {
      rmSync(cmds.dir, { recursive: true, force: true });
    }
  });
}

test.run();
